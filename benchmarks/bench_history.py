"""The history runner over the issue's ten-year ranges, against the single-date path.

Targets (issue 16), on the real Treasury history, the ``run`` defaults (full revaluation,
10-year look-back, house reading), each book stated on the history's last date:

* ``dealer_book`` (1,100 positions), ten years daily (~2,500 dates): < 60 s;
* ``dealer_book``, ten years weekly (~520 dates): < 15 s;
* ``basis_trade``, ten years daily: < 10 s.

Each range runs whole through :meth:`xmsim.timeline.engine.HistoryRunner.run` (wall time, ms
per date, the process's CPU time over the run — BLAS runs on one thread there, so on a busy
machine CPU time is the closer estimate of an idle machine's wall time — and the process's peak
RSS after it). The single-date path (a fresh market,
``Simulator`` and ``arrangement`` per date on the re-dated book, as ``run --asof`` does) is
timed on ``--loop-sample`` dates spread evenly over the same range and extrapolated; the ratio
is its ms per date over the runner's. Prints only; nothing asserts.

Needs ``../shared/data/ust_par_yield_curve_1990_2024.csv`` (or ``--history``). ``--years 1``
gives a quick look.

Run: ``python benchmarks/bench_history.py [--years 10] [--loop-sample 60] [--only basis_trade]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import time

from _util import ROOT, target

TARGETS = (
    ("basis_trade", "day", 10.0),
    ("dealer_book", "day", 60.0),
    ("dealer_book", "week", 15.0),
)


def _single_date_ms(runner, history, days, config) -> float:
    """Mean wall time [ms] of the single-date path over ``days``."""
    from xmsim.marketdata.defaults import market_from_history
    from xmsim.simulate import Simulator

    t0 = time.perf_counter()
    for day in days:
        Simulator(market_from_history(history, day), config).arrangement(runner.redater.at(day))
    return (time.perf_counter() - t0) / len(days) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=10.0, help="range length [years]")
    parser.add_argument("--loop-sample", type=int, default=60,
                        help="dates of the range timed through the single-date path")  # fmt: skip
    parser.add_argument("--only", nargs="*", help="books to run (default: the three targets)")
    parser.add_argument(
        "--history", default=str(ROOT.parent / "shared/data/ust_par_yield_curve_1990_2024.csv")
    )
    args = parser.parse_args()

    from xmsim.marketdata.history import load_history
    from xmsim.simulate import RunConfig
    from xmsim.timeline.engine import HistoryRunner, history_dates
    from xmsim.upload.loader import load_portfolio

    history = load_history(args.history)
    end = history.end
    start = end - dt.timedelta(days=round(args.years * 365.25)) + dt.timedelta(days=1)
    config = RunConfig()
    print(f"history {history.start}..{end}; range {start}..{end}; full revaluation, 10y "
          f"look-back, house reading; book date {end}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    for name, every, limit in TARGETS:
        if args.only and name not in args.only:
            continue
        portfolio = load_portfolio(ROOT / "sample_portfolios" / f"{name}.csv", asof=end).portfolio
        runner = HistoryRunner(portfolio, history, config, end)
        t0, c0 = time.perf_counter(), time.process_time()
        run = runner.run(start, end, every)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        n = len(run.points)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        days = history_dates(history, start, end, every)
        step = max(1, len(days) // args.loop_sample)
        single = _single_date_ms(runner, history, days[::step][: args.loop_sample], config)
        per = total / n * 1e3
        scaled = limit * args.years / 10.0
        print(
            f"{name:12s} {every:4s} {len(portfolio):5,} positions, {n:5,} dates: "
            f"{total:6.1f} s = {per:6.1f} ms/date {target(total, scaled)} (CPU {cpu:5.1f} s); "
            "single-date path "
            f"{single:6.1f} ms/date (~{single * n / 1e3:5.0f} s); ratio {single / per:4.1f}x; "
            f"peak RSS {rss_mb:,.0f} MB"
        )


if __name__ == "__main__":
    main()
