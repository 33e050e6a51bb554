"""Re-derive the default SPAN price scan ranges (PSR) by the one stated rule and write them.

Usage (from the project root)::

    python scripts/derive_span_psr.py [--history ../shared/data/ust_par_yield_curve_1990_2024.csv]

The rule is :data:`xmsim.engines.span.params_io.PSR_RULE` (99% of |1-day par-yield change| at
each contract's ``point_years`` on 2015-2024 x one contract's DV01 on the embedded 2026-07-31
market x 2.0, rounded to $10). Only the resulting PSR lines of
``xmsim/data/span_params_default.csv`` are rewritten, each with its provenance (move, DV01,
window, file) in the ``source`` column; the history itself is never copied into the repository.
The values stay ILLUSTRATIVE, not official CME levels. ``tests/engines/span/test_psr_rule.py``
re-derives them from the real file and fails when the committed values are stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xmsim.arrangement.models import bucket_dv01s  # noqa: E402
from xmsim.contracts import get_contract  # noqa: E402
from xmsim.engines.span.params_io import PSR_RULE, default_span_params, one_day_move_bp  # noqa: E402
from xmsim.marketdata.defaults import default_curve  # noqa: E402
from xmsim.marketdata.history import load_history  # noqa: E402

DEFAULT_HISTORY = ROOT.parent / "shared" / "data" / "ust_par_yield_curve_1990_2024.csv"
PARAMS_FILE = ROOT / "xmsim" / "data" / "span_params_default.csv"


def psr_lines(history_path: Path) -> dict[str, str]:
    """The new ``product,CODE,psr_usd,...`` line of every product, by code."""
    window = PSR_RULE.window(load_history(history_path))
    dv01 = bucket_dv01s(default_curve())
    derived = PSR_RULE.apply(load_history(history_path), dv01)
    first, last = window.dates[0], window.dates[-1]
    lines = {}
    for p in default_span_params().products:
        d = dv01.get(p.code, get_contract(p.code).usd_per_bp)
        move = one_day_move_bp(window, p.point_years, PSR_RULE.quantile)
        source = (
            f"rule (illustrative): {PSR_RULE.quantile:.0%} |1-day par-yield change| at "
            f"{p.point_years:g}y = {move:.2f} bp on {history_path.name} {first}..{last} "
            f"x DV01 {d:.2f} USD/bp (2026-07-31 market) x {PSR_RULE.multiplier:g}, rounded to $10"
        )
        lines[p.code] = f"product,{p.code},psr_usd,{derived.psr_usd(p.code):g},CALIBRATED,{source}"
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    args = parser.parse_args(argv)
    if not args.history.is_file():
        print(f"history not found: {args.history}", file=sys.stderr)
        return 1
    new = psr_lines(args.history)
    out = []
    for line in PARAMS_FILE.read_text(encoding="utf-8").splitlines():
        parts = line.split(",")
        if len(parts) > 3 and parts[0] == "product" and parts[2] == "psr_usd":
            line = new.pop(parts[1])
        out.append(line)
    if new:
        print(f"no psr_usd line for {sorted(new)} in {PARAMS_FILE}", file=sys.stderr)
        return 1
    PARAMS_FILE.write_text("\n".join(out) + "\n", encoding="utf-8")
    for line in out:
        if ",psr_usd," in line:
            print(line.split(",CALIBRATED,")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
