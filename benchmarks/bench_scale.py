"""Whole books through the CLI: wall time, peak memory and the ratio to the physical floor.

Each case writes a generated book (:func:`xmsim.scale.sample_book.customer_book`: accounts of
``--per-account`` positions drawn from a fixed universe of instruments) to a temporary CSV and
runs ``python -m xmsim run FILE --arrangement customer|house --format jsonl --out /dev/null`` in
a fresh process under ``/usr/bin/time -v`` (wall includes the CLI start, the loader, the market
and both models). Peak memory is the child's maximum resident set size.

The floor is the unavoidable work measured with NumPy on this machine in the same run: one
pass over the unique instruments × scenarios (the instruments' scenario P&L as a dense product
of their node weights with the scenario DFs) plus one sparse accounts × instruments product and
one ``np.partition`` quantile per account leg. Prints only; nothing asserts.

Run: ``python benchmarks/bench_scale.py [--accounts 1000 5000 20000] [--house-rows 100000]
[--cluster local:2]``. The issue's "today" column was measured on the code before the
scale work (15 GB at 50,000 accounts), so it is quoted, not re-run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _util import ROOT
from scipy import sparse

TODAY = {1_000: (2.9, 467), 5_000: (12.3, 1_700), 20_000: (50.0, 6_200), 50_000: (127.0, 15_100)}
"""Accounts -> (wall [s], peak [MB]) of the code before the scale work (issue 18's table)."""


def run_cli(path: Path, arrangement: str, rows: int, extra: list[str]) -> tuple[float, float]:
    """Wall [s] and peak RSS [MB] of one ``run`` in a fresh process."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "xmsim", "run", str(path),
           "--arrangement", arrangement, "--format", "jsonl", "--out", "/dev/null", "--quiet",
           "--max-rows", str(rows + 10), "--max-mb", "2000", *extra]  # fmt: skip
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"run failed: {done.stderr[-2000:]}")
    rss_kb = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    return wall, rss_kb / 1024.0


def floor_s(n_instruments: int, n_accounts: int, per_account: int, n_scenarios: int) -> float:
    """The physical floor [s]: instruments × scenarios pricing, the sparse account product and
    one partition per account (both models' legs: four quantiles per account)."""
    rng = np.random.default_rng(0)
    n_nodes = 372
    weights = rng.random((n_instruments, n_nodes))
    df = rng.random((n_nodes, n_scenarios))
    rows = np.repeat(np.arange(n_accounts), per_account)
    cols = rng.integers(0, n_instruments, rows.size)
    w = sparse.csr_matrix((rng.random(rows.size), (rows, cols)), (n_accounts, n_instruments))
    t0 = time.perf_counter()
    pnl = weights @ df  # (n_instruments, n_scenarios)
    for start in range(0, n_accounts, 2_000):  # blocks, as the engine does
        acc = np.asarray(w[start : start + 2_000] @ pnl)
        for _ in range(4):
            np.partition(acc, n_scenarios // 100, axis=1)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="*", default=[1_000, 5_000, 20_000])
    parser.add_argument("--per-account", type=int, default=10)
    parser.add_argument("--house-rows", type=int, nargs="*", default=[100_000])
    parser.add_argument("--cluster", nargs="*", default=[], help="e.g. local:2 local:4")
    args = parser.parse_args()

    from xmsim.marketdata.defaults import default_market
    from xmsim.scale.sample_book import customer_book, write_csv

    market = default_market()
    n_scen = 2_497
    print(f"machine: {__import__('os').cpu_count()} cores; scenarios {n_scen}")
    print(f"{'case':34s} {'wall':>8s} {'peak MB':>8s} {'floor':>7s} {'ratio':>6s}  today")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(n, "customer", []) for n in args.accounts]
        cases += [(r // args.per_account, "house", []) for r in args.house_rows]
        if args.accounts:
            cases += [(max(args.accounts), "customer", ["--cluster", c]) for c in args.cluster]
        for n, arrangement, extra in cases:
            book = customer_book(n, args.per_account, asof=market.asof)
            path = Path(tmp) / f"book_{n}.csv"
            rows = write_csv(book, path)
            wall, peak = run_cli(path, arrangement, rows, extra)
            uniq = len({(p.product, p.coupon_pct, p.maturity, p.end_date, p.contract, p.expiry)
                        for p in book.positions})  # fmt: skip
            accounts = 1 if arrangement == "house" else n
            floor = floor_s(uniq, accounts, args.per_account * (n // accounts), n_scen)
            today = TODAY.get(n) if arrangement == "customer" and not extra else None
            quoted = f"{today[0]:.1f} s / {today[1]:,} MB" if today else "-"
            label = f"{n:,} acc x {args.per_account} {arrangement} {' '.join(extra)}".strip()
            if arrangement == "house":
                label = f"house book {rows:,} rows"
            print(f"{label:34s} {wall:7.2f}s {peak:8.0f} {floor:6.2f}s {wall / floor:5.1f}x  "
                  f"{quoted}")  # fmt: skip


if __name__ == "__main__":
    main()
