"""Deterministic generated books for scale tests and benchmarks (not market data).

:func:`customer_book` draws every position from a fixed universe of instruments, as in a BD-FCM's
customer book where thousands of end users hold the same few hundred Treasuries, repos on them
and the listed futures months: 120 notes and bonds (1/8% coupons, maturities on the 15th or the
month end, 1.5 to 29.5 years), repos and reverse repos on them closing in 1, 7, 30 or 91 days,
and 9 Treasury / SOFR / Fed funds contracts in 3 months. Positions: 45% UST, 15% REPO, 10%
REVERSE_REPO, 30% futures; sizes vary per position.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from xmsim.portfolio import FUTURE, REPO, REVERSE_REPO, UST, Portfolio, Position
from xmsim.units import DAYS_PER_YEAR

FUTURES = ("ZT", "Z3N", "ZF", "ZN", "TN", "ZB", "UB", "SR3", "ZQ")
N_BONDS = 120
REPO_DAYS = (1, 7, 30, 91)


def _month_end(day: dt.date) -> dt.date:
    nxt = day.replace(day=28) + dt.timedelta(days=4)
    return nxt - dt.timedelta(days=nxt.day)


def _bonds(asof: dt.date, rng: np.random.Generator) -> list[tuple[float, dt.date]]:
    out = []
    for j, years in enumerate(np.linspace(1.5, 29.5, N_BONDS)):
        day = asof + dt.timedelta(days=int(years * DAYS_PER_YEAR))
        out.append((float(rng.integers(4, 57) * 0.125), day.replace(day=15) if j % 2 else
                    _month_end(day)))  # fmt: skip
    return out


def customer_book(
    n_accounts: int, per_account: int = 10, seed: int = 11, asof: dt.date = dt.date(2026, 7, 31)
) -> Portfolio:
    """``n_accounts`` customer accounts (``C000000`` ...) of ``per_account`` positions each."""
    rng = np.random.default_rng(seed)
    bonds = _bonds(asof, rng)
    expiries = [dt.date(asof.year + (asof.month + k) // 12, (asof.month + k) % 12 + 1, 1)
                for k in (1, 4, 7)]  # fmt: skip
    n = n_accounts * per_account
    kind = rng.choice([UST, REPO, REVERSE_REPO, FUTURE], n, p=[0.45, 0.15, 0.10, 0.30])
    bond = rng.integers(0, N_BONDS, n)
    face = rng.integers(1, 101, n) * 1_000_000.0 * rng.choice([-1, 1], n, p=[0.3, 0.7])
    term = rng.choice(REPO_DAYS, n)
    contract = rng.integers(0, len(FUTURES), n)
    month = rng.integers(0, 3, n)
    lots = rng.integers(-500, 501, n)
    out = []
    for i in range(n):
        acct = f"C{i // per_account:06d}"
        k = str(kind[i])
        if k == FUTURE:
            out.append(Position(FUTURE, float(lots[i] or 1), acct, contract=FUTURES[contract[i]],
                                expiry=expiries[month[i]], row=i + 2))  # fmt: skip
            continue
        cpn, mat = bonds[bond[i]]
        end = asof + dt.timedelta(days=int(term[i])) if k != UST else None
        qty = float(face[i]) if k == UST else abs(float(face[i]))
        out.append(Position(k, qty, acct, cpn, mat, end_date=end, row=i + 2))
    return Portfolio(tuple(out))


def write_csv(portfolio: Portfolio, path) -> int:
    """The book as an upload CSV (README format); returns the number of rows written."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account", "product", "quantity", "coupon", "maturity", "end_date",
                    "contract", "expiry"])  # fmt: skip
        for p in portfolio:
            w.writerow([
                p.account, p.product, f"{p.quantity:.0f}",
                "" if p.coupon_pct is None else f"{p.coupon_pct:g}",
                p.maturity.isoformat() if p.maturity else "",
                p.end_date.isoformat() if p.end_date else "", p.contract or "",
                p.expiry.strftime("%Y-%m") if p.expiry else "",
            ])  # fmt: skip
    return len(portfolio)
