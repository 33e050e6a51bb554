"""Derive xmsim/data/basis_stats.json from the real SOFR, EFFR and Treasury histories.

Usage (from the project root)::

    python scripts/calibrate_basis.py [--history FILE] [--sofr FILE] [--effr FILE]

Defaults read ``../shared/data/``: the Treasury par yield curve 1990–2024, FRED's SOFR and
FRED's DFF (effective fed funds) daily files. Only statistics are written (see
:func:`xmsim.marketdata.basis.calibrate_basis_stats`); the series, or any of their rows, must
never be committed. ``tests/marketdata/test_basis.py`` re-derives the figures and checks the
committed file is not stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xmsim.marketdata.basis import STATS_PATH, basis_from_series, calibrate_basis_stats  # noqa: E402
from xmsim.marketdata.history import load_history  # noqa: E402
from xmsim.marketdata.overnight import read_overnight  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def derive(history: Path, sofr: Path, effr: Path) -> dict:
    """The JSON document: statistics, label and where they came from."""
    h = load_history(history)
    loads = [read_overnight(sofr), read_overnight(effr)]
    basis = basis_from_series(h, [x.series for x in loads])
    doc = calibrate_basis_stats(basis)
    spans = ", ".join(
        f"{x.series.name} {x.series.dates[0]}–{min(x.series.dates[-1], h.dates[-1])}" for x in loads
    )
    doc["label"] = f"real {spans} minus the Treasury 1M par yield"
    doc["metadata"] = {
        "files": [history.name, sofr.name, effr.name],
        "treasury_history": [str(h.start), str(h.end)],
        "loader_notes": [n for x in loads for n in x.notes],
        "script": "scripts/calibrate_basis.py",
        "status": "derived statistics only; the synthetic basis built from them is labelled "
        "synthetic (not observed data)",
    }
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, default=DATA / "ust_par_yield_curve_1990_2024.csv")
    parser.add_argument("--sofr", type=Path, default=DATA / "sofr_daily_fred.csv")
    parser.add_argument("--effr", type=Path, default=DATA / "dff_daily_fred.csv")
    parser.add_argument("--out", type=Path, default=STATS_PATH)
    args = parser.parse_args(argv)
    for p in (args.history, args.sofr, args.effr):
        if not p.is_file():
            print(f"not found: {p}", file=sys.stderr)
            return 1
    doc = derive(args.history, args.sofr, args.effr)
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {json.dumps(doc['factors'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
