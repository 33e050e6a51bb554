"""The history runner against a loop of the single-date path over the same dates.

For each sample book: ``--dates`` consecutive business days ending on the history's last date
(daily, the ``run`` defaults: full revaluation, 10-year look-back) through
:class:`xmsim.timeline.engine.HistoryRunner`, then the same dates one at a time through the
single-date path (a fresh market, ``Simulator`` and ``arrangement`` per date, as ``run``
does). Prints per-date cost, the extrapolation to ten years daily (2,500 dates) and weekly
(520 dates), and the ratio of the two paths. Prints only; nothing asserts.

Needs the real history: ``../shared/data/ust_par_yield_curve_1990_2024.csv`` (or ``--history``).

Run: ``python benchmarks/bench_history.py [--dates 40] [--samples basis_trade dealer_book]``.
"""

from __future__ import annotations

import argparse
import time

from _util import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dates", type=int, default=40)
    parser.add_argument("--samples", nargs="*", default=["basis_trade", "dealer_book"])
    parser.add_argument(
        "--history", default=str(ROOT.parent / "shared/data/ust_par_yield_curve_1990_2024.csv")
    )
    args = parser.parse_args()

    from xmsim.marketdata.defaults import market_from_history
    from xmsim.marketdata.history import load_history
    from xmsim.simulate import RunConfig, Simulator
    from xmsim.timeline.engine import HistoryRunner, history_dates
    from xmsim.upload.loader import load_portfolio

    history = load_history(args.history)
    dates = history_dates(history, history.dates[0].astype(object), history.end, "day")
    days = dates[-args.dates :]
    print(f"{len(days)} daily dates {days[0]} .. {days[-1]}; full revaluation, 10y look-back")
    for name in args.samples:
        book = load_portfolio(ROOT / "sample_portfolios" / f"{name}.csv", asof=history.end)
        runner = HistoryRunner(book.portfolio, history, RunConfig(), history.end)
        t0 = time.perf_counter()
        points = list(runner.iter_points(days))
        batched = (time.perf_counter() - t0) / len(points)
        t0 = time.perf_counter()
        for day in days:
            sim = Simulator(market_from_history(history, day), RunConfig())
            sim.arrangement(runner.redater.at(day))
        single = (time.perf_counter() - t0) / len(days)
        n = len(book.portfolio.positions)
        print(
            f"{name:12s} ({n:,} positions): history {batched * 1e3:7.1f} ms/date "
            f"(10y daily ~{batched * 2_500:6.0f} s, weekly ~{batched * 520:5.0f} s); "
            f"single-date loop {single * 1e3:7.1f} ms/date; ratio {single / batched:4.2f}x"
        )


if __name__ == "__main__":
    main()
