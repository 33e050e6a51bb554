"""Best hedge over three contracts for the dealer book (prints only; target < 10 s).

1. ``best_hedge(dealer_book, sim, contracts=...)`` for ZT/ZF/ZN and ZF/ZN/ZB: wall time (engines
   already bound: ``Simulator`` built once), exact evaluations, evaluations per second.
2. Throughput of the batch evaluator alone: 1,024 random candidates in one call.
3. ``best_allocation(dealer_book)`` (whole positions): wall time and evaluations.

Run: ``python benchmarks/bench_optimize.py [--repeat N]``. Uses
``sample_portfolios/dealer_book.csv``; when absent it is generated into a temporary folder by
``scripts/make_samples.py`` (deterministic).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _util import ROOT, fmt_s, once, target

TARGET_S = 10.0


def dealer_book_path(tmp: Path) -> Path:
    path = ROOT / "sample_portfolios" / "dealer_book.csv"
    if path.is_file():
        return path
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(tmp)],
        check=True,
        capture_output=True,
    )
    return tmp / "dealer_book.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (best kept)")
    args = parser.parse_args(argv)

    from xmsim.marketdata.defaults import default_market
    from xmsim.optimize import _Batch, _columns, best_allocation, best_hedge
    from xmsim.simulate import Simulator
    from xmsim.upload.loader import load_portfolio

    with tempfile.TemporaryDirectory() as tmp:
        path = dealer_book_path(Path(tmp))
        market = default_market()
        portfolio = load_portfolio(path, asof=market.asof).portfolio
    t_sim, sim = once(lambda: Simulator(market))
    print(f"dealer book: {len(portfolio)} positions ({path.name}); Simulator {fmt_s(t_sim)}")

    for codes in (("ZT", "ZF", "ZN"), ("ZF", "ZN", "ZB")):
        best, res = float("inf"), None
        for _ in range(args.repeat):
            seconds, res = once(lambda codes=codes: best_hedge(portfolio, sim, contracts=codes))
            best = min(best, seconds)
        trades = ", ".join(f"{t.quantity:+,.0f} {t.description}" for t in res.trades) or "none"
        print(f"\nbest hedge {'/'.join(codes)}: {fmt_s(best)} {target(best, TARGET_S)}")
        print(
            f"  exact evaluations {res.n_evaluations:,} in {res.n_rounds} rounds: "
            f"{res.n_evaluations / best:,.0f} per second (whole call)"
        )
        print(f"  trades: {trades}")
        print(
            f"  requirement {res.margin_before_usd:,.0f} -> {res.margin_after_usd:,.0f} USD "
            f"(DV01-neutral {res.naive_trade.quantity:+,.0f} ZN: {res.naive_margin_usd:,.0f})"
        )

    batch = _Batch(sim, portfolio, _columns(("ZT", "ZF", "ZN"), market.asof, "HOUSE"))
    qty = np.random.default_rng(0).integers(-20_000, 20_000, (1024, 3)).astype(float)
    seconds, _ = once(lambda: batch.totals(qty))
    print(
        f"\nbatch evaluator alone: 1,024 candidates in {fmt_s(seconds)}: "
        f"{1024 / seconds:,.0f} evaluations per second"
    )

    seconds, alloc = once(lambda: best_allocation(portfolio, sim))
    print(
        f"\nbest allocation (whole positions): {fmt_s(seconds)}, {alloc.n_evaluations:,} "
        f"evaluations in {alloc.n_rounds} rounds; {alloc.message}"
    )
    print(
        f"  total {alloc.total_usd:,.0f} vs everything in {alloc.everything_in_usd:,.0f} "
        f"and nothing in {alloc.nothing_in_usd:,.0f} USD"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
