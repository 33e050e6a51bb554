"""End-to-end CLI wall time, process start included (prints only).

1. ``python -m xmsim run sample_portfolios/dealer_book.csv --format json``: best of 3
   (target < 3 s).
2. A generated customer file, 5,000 accounts x 10 positions (UST notes and bonds, repos and
   reverse repos, Treasury and SOFR futures; deterministic, written to a temp dir), through
   ``--arrangement customer`` (target < 15 s).

Run: ``python benchmarks/bench_run.py [--accounts N] [--repeat N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _util import ROOT, target

ASOF = dt.date(2026, 7, 31)
HEADER = ["account", "product", "quantity", "coupon", "maturity", "cusip", "issue_date", "price",
          "end_date", "contract", "expiry", "label"]  # fmt: skip
FUTURES = ["ZT", "Z3N", "ZF", "ZN", "TN", "ZB", "UB", "SR3", "ZQ"]
EXPIRIES = ["2026-09", "2026-12", "2027-03"]


def month_end(day: dt.date) -> dt.date:
    nxt = day.replace(day=28) + dt.timedelta(days=4)
    return nxt - dt.timedelta(days=nxt.day)


def customer_rows(n_accounts: int, per_account: int = 10, seed: int = 11) -> list[list[str]]:
    """Deterministic customer book: per position 45% UST, 15% REPO, 10% REVERSE_REPO, 30%
    futures; notes/bonds with 1/8% coupons 0.5-7%, maturities 1.5-29.5y on the 15th or month
    end; repos closing in 1 day to 3 months; futures -500..500 contracts."""
    rng = np.random.default_rng(seed)
    n = n_accounts * per_account
    kind = rng.choice(["UST", "REPO", "REVERSE_REPO", "FUTURE"], n, p=[0.45, 0.15, 0.10, 0.30])
    years = rng.uniform(1.5, 29.5, n)
    coupon = rng.integers(4, 57, n) * 0.125
    face = rng.integers(1, 101, n) * 1_000_000 * rng.choice([-1, 1], n, p=[0.3, 0.7])
    term = rng.integers(1, 92, n)
    contract = rng.choice(FUTURES, n)
    expiry = rng.choice(EXPIRIES, n)
    lots = rng.integers(-500, 501, n)
    rows = []
    for i in range(n):
        acct = f"C{i // per_account:05d}"
        k = str(kind[i])
        if k == "FUTURE":
            rows.append([acct, k, str(lots[i] or 1), "", "", "", "", "", "",
                         str(contract[i]), str(expiry[i]), "fut"])  # fmt: skip
            continue
        day = ASOF + dt.timedelta(days=int(years[i] * 365.25))
        mat = day.replace(day=15) if i % 2 else month_end(day)
        qty = abs(int(face[i])) if k != "UST" else int(face[i])
        end = (ASOF + dt.timedelta(days=int(term[i]))).isoformat() if k != "UST" else ""
        rows.append([acct, k, str(qty), f"{coupon[i]:g}", mat.isoformat(), "", "", "", end,
                     "", "", k.lower()])  # fmt: skip
    return rows


def write_customer_file(path: Path, n_accounts: int) -> int:
    rows = customer_rows(n_accounts)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return len(rows)


def cli_time(args: list[str], repeat: int) -> tuple[float, dict]:
    """Best wall time [s] of ``python -m xmsim <args>`` in a fresh process, and its JSON."""
    best, out = float("inf"), {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "xmsim", *args], cwd=ROOT, capture_output=True, text=True
        )
        best = min(best, time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"xmsim {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
        out = json.loads(proc.stdout)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the generated customer file here")
    args = ap.parse_args()

    t_start = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xmsim", "--help"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        t_start = min(t_start, time.perf_counter() - t0)
    print(f"python -m xmsim --help (interpreter start + imports): {t_start:.2f} s")

    dealer = "sample_portfolios/dealer_book.csv"
    n_dealer = len((ROOT / dealer).read_text().splitlines()) - 1
    t, res = cli_time(["run", dealer, "--format", "json"], args.repeat)
    print(
        f"run {dealer} --format json ({n_dealer:,} positions): {t:.2f} s best of "
        f"{args.repeat} {target(t, 3.0)}; {n_dealer / t:,.0f} positions/s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = (args.keep or Path(tmp)) / f"customers_{args.accounts}x10.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        n = write_customer_file(path, args.accounts)
        t, res = cli_time(
            ["run", str(path), "--arrangement", "customer", "--format", "json", "--quiet"],
            args.repeat,
        )
    accounts = res.get("accounts", [])
    print(
        f"run <{args.accounts:,} accounts x 10 = {n:,} positions> --arrangement customer "
        f"--format json: {t:.2f} s best of {args.repeat} {target(t, 15.0)}; "
        f"{n / t:,.0f} positions/s; {len(accounts):,} accounts in the output"
    )


if __name__ == "__main__":
    main()
