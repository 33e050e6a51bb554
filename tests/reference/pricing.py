"""Deliberately slow, obvious reference implementations used only by tests.

Written independently of the vectorised code: scalar Python, calendar arithmetic with
``dateutil``, one scenario and one bond at a time. They implement the same *model* (the curve
construction documented in ``xmsim/curve.py`` and the Treasury conventions in ``bonds.py``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math

from dateutil.relativedelta import relativedelta

TENOR_YEARS = [1 / 12, 2 / 12, 3 / 12, 4 / 12, 6 / 12, 1, 2, 3, 5, 7, 10, 20, 30]


def par_at(par: list[float], t: float) -> float:
    if t <= TENOR_YEARS[0]:
        return par[0]
    if t >= TENOR_YEARS[-1]:
        return par[-1]
    for k in range(len(TENOR_YEARS) - 1):
        a, b = TENOR_YEARS[k], TENOR_YEARS[k + 1]
        if a <= t <= b:
            return par[k] + (par[k + 1] - par[k]) * (t - a) / (b - a)
    raise AssertionError


class SlowCurve:
    """Scalar re-implementation of the curve: bootstrap, log-linear halves, linear-DF months."""

    def __init__(self, par: list[float]):
        self.par = list(par)
        self.half = []
        annuity = 0.0
        for k in range(1, 63):
            c = par_at(self.par, 0.5 * k) / 2
            df = (1 - c * annuity) / (1 + c)
            self.half.append(df)
            annuity += df

    def node(self, m: int) -> float:
        t = m / 12
        if t <= 0.5:
            return 1.0 / (1.0 + par_at(self.par, t) * t)
        k = min(math.ceil(t * 2 - 1e-12), 62)  # right half-year node index (1-based)
        t_hi = 0.5 * k
        t_lo = t_hi - 0.5
        df_lo, df_hi = self.half[k - 2] if k >= 2 else None, self.half[k - 1]
        if df_lo is None:
            raise AssertionError
        w = (t - t_lo) / 0.5
        return math.exp(math.log(df_lo) * (1 - w) + math.log(df_hi) * w)

    def df(self, t: float) -> float:
        t = min(max(t, 0.0), 31.0)
        m = min(int(t * 12), 371)
        w = t * 12 - m
        return self.node(m) * (1 - w) + self.node(m + 1) * w


def coupon_dates(maturity: dt.date) -> list[dt.date]:
    """All coupon dates back from maturity, with the end-of-month rule (descending)."""
    eom = maturity.day == calendar.monthrange(maturity.year, maturity.month)[1]
    out = []
    for k in range(0, 64):
        d = maturity - relativedelta(months=6 * k)
        if eom:
            d = d.replace(day=calendar.monthrange(d.year, d.month)[1])
        out.append(d)
    return out


def bond_flows(coupon: float, maturity: dt.date, settle: dt.date):
    """(times, amounts, accrued) per 100 face, ICMA times from settlement."""
    ds = coupon_dates(maturity)
    remaining = sorted(d for d in ds if d > settle)
    prev = max(d for d in ds if d <= settle)
    nxt = remaining[0]
    frac = (settle - prev).days / (nxt - prev).days
    times, amounts = [], []
    for j, d in enumerate(remaining):
        times.append((j + 1 - frac) / 2)
        amounts.append(100 * coupon / 2 + (100 if d == maturity else 0))
    return times, amounts, 100 * coupon / 2 * frac


def dirty_price(curve: SlowCurve, coupon: float, maturity: dt.date, settle: dt.date) -> float:
    times, amounts, _ = bond_flows(coupon, maturity, settle)
    return sum(a * curve.df(t) for t, a in zip(times, amounts, strict=True))


def yield_dirty_price(coupon: float, maturity: dt.date, settle: dt.date, y: float) -> float:
    times, amounts, _ = bond_flows(coupon, maturity, settle)
    return sum(a / (1 + y / 2) ** (2 * t) for t, a in zip(times, amounts, strict=True))
