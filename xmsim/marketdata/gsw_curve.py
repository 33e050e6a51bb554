"""The embedded default curve: the Fed GSW fitted Treasury curve of 2026-07-31.

The curve is the Federal Reserve's GSW fitted nominal Treasury curve (staff dataset
``feds200628``) for 2026-07-31 (METHODOLOGY §9). GSW publishes par yields from one year out; the
bill tenors come from the same fitted curve's continuously compounded zero yields, converted to
the bond-equivalent (coupon-equivalent) yield the Treasury quotes for bills::

    BEY = (exp(r * t) - 1) / t        r: zero yield, continuously compounded [decimal]; t = m / 12

i.e. the simple annualised return of a zero-coupon bill bought at ``exp(-r t)``. At 6 months the
formula equals the semiannual-compounded yield ``2 (exp(r / 2) - 1)``, so it joins the par curve
(semiannual coupons) without a convention break. 2M and 4M are interpolated linearly in maturity.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from xmsim.market import TENOR_YEARS, TENORS, ParCurve
from xmsim.units import pct_to_dec

DEFAULT_ASOF = dt.date(2026, 7, 31)

DEFAULT_CURVE_LABEL = (
    "Fed GSW fitted Treasury curve (feds200628), 2026-07-31; "
    "1M–6M converted from fitted zero yields"
)

GSW_PAR_PCT_20260731: dict[str, float] = {
    "1Y": 4.1863,
    "2Y": 4.2541,
    "3Y": 4.3263,
    "5Y": 4.4769,
    "7Y": 4.6260,
    "10Y": 4.8302,
    "20Y": 5.2471,
    "30Y": 5.3377,
}
"""GSW fitted par yields, coupon-equivalent [percent], 2026-07-31 [SRC METHODOLOGY §9]."""

GSW_ZERO_CC_PCT_20260731: dict[str, float] = {"1M": 4.09, "3M": 4.10, "6M": 4.11}
"""GSW fitted zero yields, continuously compounded [percent], 2026-07-31 (approximate, as
published to two decimals in METHODOLOGY §9) [SRC]."""


def zero_cc_to_bey(zero_cc: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Continuously compounded zero yield -> bill bond-equivalent yield.

    Parameters
    ----------
    zero_cc : zero yields, continuously compounded [decimal], any shape.
    years : maturities [years], broadcastable to ``zero_cc``; at most 0.5 (bill convention).

    Returns
    -------
    ``(exp(r t) - 1) / t`` [decimal]: simple annualised return of the zero-coupon bill.
    """
    r, t = np.asarray(zero_cc, float), np.asarray(years, float)
    return np.expm1(r * t) / t


def default_curve() -> ParCurve:
    """The embedded 2026-07-31 par curve (GSW fitted; see the module docstring) [decimal]."""
    yields = np.full(len(TENORS), np.nan)
    for tenor, pct in GSW_PAR_PCT_20260731.items():
        yields[TENORS.index(tenor)] = pct_to_dec(pct)
    bills = [TENORS.index(t) for t in GSW_ZERO_CC_PCT_20260731]
    zero = pct_to_dec(np.array(list(GSW_ZERO_CC_PCT_20260731.values())))
    yields[bills] = zero_cc_to_bey(zero, TENOR_YEARS[bills])
    known = np.isfinite(yields)
    yields[~known] = np.interp(TENOR_YEARS[~known], TENOR_YEARS[known], yields[known])
    return ParCurve(DEFAULT_ASOF, yields, DEFAULT_CURVE_LABEL)
