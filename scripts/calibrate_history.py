"""Derive xmsim/data/history_stats.json from the real Treasury par-curve history.

Usage (from the project root)::

    python scripts/calibrate_history.py [--history ../shared/data/ust_par_yield_curve_1990_2024.csv]

Only statistics are written (volatilities, correlations, quantiles, regime and tail figures);
the history itself, or any of its rows, must never be committed. The figures come from
:func:`xmsim.marketdata.synthetic.calibrate_history_stats`, so ``tests/test_synthetic.py`` can
re-derive them
and check the committed file is not stale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xmsim.marketdata.history import read_history  # noqa: E402
from xmsim.marketdata.synthetic import STATS_PATH, calibrate_history_stats  # noqa: E402

DEFAULT_HISTORY = ROOT.parent / "shared" / "data" / "ust_par_yield_curve_1990_2024.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, default=DEFAULT_HISTORY)
    parser.add_argument("--out", type=Path, default=STATS_PATH)
    args = parser.parse_args(argv)
    if not args.history.is_file():
        print(f"history not found: {args.history}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    loaded = read_history(args.history)
    h = loaded.history
    doc = calibrate_history_stats(h)
    doc["metadata"] = {
        "source_file": args.history.name,
        "date_range": [str(h.start), str(h.end)],
        "n_days": int(h.dates.size),
        "loader_notes": list(loaded.notes),
        "script": "scripts/calibrate_history.py",
        "generated_on": dt.date.today().isoformat(),
        "units": "changes in basis points per business day; levels in percent",
        "method": "day-on-day changes between consecutive published days; filled cells excluded",
    }
    args.out.write_text(_dumps(doc), encoding="utf-8")
    took = time.perf_counter() - started
    reg = doc["regimes"]
    print(
        f"wrote {args.out} in {took:.1f} s: "
        f"10Y vol {doc['daily_change_bp']['std'][10]:.2f} bp/day, "
        f"t dof {doc['tails']['student_t_dof']:.2f}, "
        f"stressed/calm 10Y {reg['stressed_to_calm_vol_10y']:.2f}"
    )
    return 0


def _dumps(doc: dict) -> str:
    """JSON with every innermost list on one line, so matrices read as rows."""
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    flat = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + re.sub(r"\s+", " ", m[1]) + "]", text)
    return flat + "\n"


if __name__ == "__main__":
    sys.exit(main())
