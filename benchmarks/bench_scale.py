"""Whole books through the CLI: wall time, peak memory and the ratio to the physical floor.

Each case writes a generated book (:func:`xmsim.scale.sample_book.customer_book`: accounts of
``--per-account`` positions drawn from a fixed universe of about 1,100 instruments) to a
temporary CSV and runs ``python -m xmsim run FILE --arrangement customer|house --format jsonl
--out /dev/null`` in a fresh process (wall includes the CLI start, the loader, the market and
both models). Peak memory is the largest resident set of the run's processes, sampled every
50 ms with psutil (the CLI and, with ``--cluster``, each Dask worker apart).

The floor is the unavoidable work, timed on this machine in the same run:

* start: ``python -m xmsim --help`` in a fresh process (interpreter and imports);
* market: ``default_market()`` in a fresh process (the history any run needs);
* read: ``pandas.read_csv`` of the book (C parser, no checks);
* compute: one pass over the unique instruments x scenarios (their node weights times the
  scenario DFs, one dense product), the accounts' P&L as one sparse accounts x instruments
  product, and one ``np.partition`` quantile per account.

ratio = wall / (start + market + read + compute). Prints only; nothing asserts.

Run: ``python benchmarks/bench_scale.py`` (1k, 5k, 20k accounts and a 100k-row house book)
``[--big]`` (adds 50k and 200k accounts and a 1m-row house book) ``[--cluster local:2
local:4]`` (Dask LocalCluster runs of the largest customer size) ``[--before DIR]`` (the same
cases through the checkout in DIR, e.g. ``git archive COMMIT | tar -x -C DIR``: old figures
measured in the same run) ``[--repeat N]`` (best of N walls).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
from _util import ROOT
from scipy import sparse

N_NODES = 373


def run_cli(root: Path, path: Path, arrangement: str, rows: int, extra: list[str]):
    """(wall [s], peak RSS of the CLI [MB], peak RSS per worker [MB]) of one ``run``."""
    cmd = [sys.executable, "-m", "xmsim", "run", str(path), "--arrangement", arrangement,
           "--format", "jsonl", "--out", "/dev/null", "--quiet", "--max-rows", str(rows + 10),
           "--max-mb", "4000", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(root)}
    t0 = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE)  # fmt: skip
    peak: dict[int, float] = {}
    while proc.poll() is None:
        try:
            for p in [proc, *proc.children(recursive=True)]:
                peak[p.pid] = max(peak.get(p.pid, 0.0), p.memory_info().rss / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"run failed: {proc.stderr.read().decode()[-2000:]}")
    main = peak.pop(proc.pid, 0.0)
    workers = sorted(v for v in peak.values() if v > 150.0)  # Dask workers, not helpers
    return wall, main, workers


def start_s(root: Path) -> float:
    """A fresh ``python -m xmsim --help`` [s]."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xmsim", "--help"], cwd=root, env=env, check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - t0


def compute_floor_s(n_inst: int, n_accounts: int, per_account: int, n_scen: int) -> float:
    """Instruments x scenarios pricing, the sparse account product and one partition per
    account [s]."""
    rng = np.random.default_rng(0)
    numer = rng.random((n_inst, N_NODES))
    df = rng.random((n_scen, N_NODES))
    rows = np.repeat(np.arange(n_accounts), per_account)
    cols = rng.integers(0, n_inst, rows.size)
    w = sparse.csr_matrix((rng.random(rows.size), (rows, cols)), (n_accounts, n_inst))
    k = int((n_scen - 1) * 0.99)
    t0 = time.perf_counter()
    pnl = numer @ df.T  # (n_instruments, n_scenarios)
    for start in range(0, n_accounts, 2_000):  # in blocks, to stay in memory
        acc = np.asarray(w[start : start + 2_000] @ pnl)
        acc.partition((k, k + 1), axis=1)
    return time.perf_counter() - t0


def floor_parts(root: Path, path: Path, n_inst: int, accounts: int, per_account: int,
                n_scen: int) -> dict[str, float]:  # fmt: skip
    import pandas as pd

    code = (
        "import time; from xmsim.marketdata.defaults import default_market; "
        "t0 = time.perf_counter(); default_market(); print(time.perf_counter() - t0)"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    market = float(subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True,
                                  capture_output=True, text=True).stdout)  # fmt: skip
    t0 = time.perf_counter()
    pd.read_csv(path)
    read = time.perf_counter() - t0
    return {"start": start_s(root), "market": market, "read": read,
            "compute": compute_floor_s(n_inst, accounts, per_account, n_scen)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="*", default=None)
    parser.add_argument("--house-rows", type=int, nargs="*", default=None)
    parser.add_argument("--big", action="store_true", help="add 50k, 200k accounts, 1m rows")
    parser.add_argument("--per-account", type=int, default=10)
    parser.add_argument("--cluster", nargs="*", default=[], help="e.g. local:2 local:4")
    parser.add_argument(
        "--cluster-accounts",
        type=int,
        default=None,
        help="size of the cluster runs (default: the largest customer size)",
    )
    parser.add_argument("--before", type=Path, default=None, help="an older checkout to compare")
    parser.add_argument(
        "--before-max-rows",
        type=int,
        default=500_000,
        help="larger books are not run through --before (the code before the "
        "scale work needs ~15 GB at 500,000 rows)",
    )
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    accounts = args.accounts if args.accounts is not None else (
        [1_000, 5_000, 20_000] + ([50_000, 200_000] if args.big else []))  # fmt: skip
    house = args.house_rows if args.house_rows is not None else (
        [100_000] + ([1_000_000] if args.big else []))  # fmt: skip

    from xmsim.marketdata.defaults import default_market
    from xmsim.scale.sample_book import customer_book, write_csv

    market = default_market()
    n_scen = 2_497
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at start; {n_scen} "
          f"scenarios; wall = best of {args.repeat}")  # fmt: skip
    head = f"{'case':30s} {'wall':>7s} {'peak MB':>8s} {'floor':>6s} {'ratio':>6s}"
    print(head + ("   before: wall  peak MB  ratio" if args.before else "")
          + "   floor parts: start market read compute")  # fmt: skip
    cases = [(n, "customer", []) for n in accounts]
    cases += [(r // args.per_account, "house", []) for r in house]
    big = args.cluster_accounts or (max(accounts) if accounts else 0)
    if big and args.cluster:
        cases += [(big, "customer", [])] * (big not in accounts)
        cases += [(big, "customer", ["--cluster", c]) for c in args.cluster]
    serial: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        written: dict[int, tuple[Path, int, int]] = {}
        for n, arrangement, extra in cases:
            if n not in written:
                book = customer_book(n, args.per_account, asof=market.asof)
                path = Path(tmp) / f"book_{n}.csv"
                uniq = len({(p.product, p.coupon_pct, p.maturity, p.end_date, p.contract,
                             p.expiry) for p in book.positions})  # fmt: skip
                written = {n: (path, write_csv(book, path), uniq)}  # one book on disk at a time
                del book
            path, rows, uniq = written[n]
            runs = [run_cli(ROOT, path, arrangement, rows, extra) for _ in range(args.repeat)]
            wall, peak, workers = min(runs)
            n_acc = 1 if arrangement == "house" else n
            parts = floor_parts(ROOT, path, uniq, n_acc, rows // n_acc, n_scen)
            floor = sum(parts.values())
            label = f"{n:,} acc x {args.per_account} {arrangement}"
            if arrangement == "house":
                label = f"house book {rows:,} rows"
            if extra:
                label = f"{n:,} acc {extra[1]}"
            line = f"{label:30s} {wall:6.2f}s {peak:8.0f} {floor:5.2f}s {wall / floor:5.1f}x"
            if args.before and not extra and rows > args.before_max_rows:
                line += f"   {'skipped (too big)':>26s}"
            elif args.before and not extra:
                try:
                    b_wall, b_peak, _ = run_cli(args.before, path, arrangement, rows, [])
                    line += f"   {b_wall:11.2f}s {b_peak:8.0f} {b_wall / floor:5.1f}x"
                except SystemExit as exc:
                    line += f"   failed: {str(exc)[-60:]}"
            elif args.before:
                line += " " * 33
            line += "   " + " ".join(f"{v:.2f}" for v in parts.values())
            if not extra:
                serial[n] = wall
            elif workers:
                speed = serial.get(n, float("nan")) / wall
                each = ", ".join(f"{w:.0f}" for w in workers)
                line += (f"\n{'':30s} speed-up {speed:.2f}x over serial; {len(workers)} "
                         f"workers, peak RSS each {each} MB")  # fmt: skip
            print(line, flush=True)
    if args.cluster:
        print(f"note: this machine has {os.cpu_count()} cores shared with other jobs, so "
              "workers beyond that compete for the same cores: the speed-up is not the one a "
              "machine with that many free cores would show")  # fmt: skip


if __name__ == "__main__":
    main()
