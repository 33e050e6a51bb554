"""Fixed-coupon U.S. Treasury notes and bonds: schedules, accrued interest, cash-flow arrays.

Conventions [SRC 31 CFR 356 App. B; street convention]: semiannual coupons on the maturity's day
of month (end-of-month rule: a maturity on the last day of a month pays on month-ends),
Actual/Actual (ICMA) accrual, T+1 settlement. Curve times of cash flows are measured in coupon
periods from settlement divided by two (the ICMA time), so a bond priced off a flat
semiannual curve at rate y prices exactly as at yield y.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

MAX_PERIODS = 64
"""Enough semiannual periods for a 30-year bond plus a stub [1]."""


def _as_day_array(dates) -> np.ndarray:
    return np.atleast_1d(np.asarray(dates, dtype="datetime64[D]"))


def coupon_dates_back(maturity: np.ndarray, n_back: int = MAX_PERIODS) -> np.ndarray:
    """Coupon dates counted back from maturity, k = 0 … n_back-1 periods of six months.

    Parameters
    ----------
    maturity : maturity dates, ``datetime64[D]``, shape (n_bonds,).

    Returns
    -------
    ``datetime64[D]`` array, shape (n_bonds, n_back); column k is maturity − 6k months, with the
    end-of-month rule.
    """
    mat = _as_day_array(maturity)
    month = mat.astype("datetime64[M]")
    first = month.astype("datetime64[D]")
    day = (mat - first).astype(int) + 1
    dim = ((month + 1).astype("datetime64[D]") - first).astype(int)
    eom = day == dim
    k = np.arange(n_back)
    months = month[:, None] - 6 * k[None, :]
    first_k = months.astype("datetime64[D]")
    dim_k = ((months + 1).astype("datetime64[D]") - first_k).astype(int)
    day_k = np.where(eom[:, None], dim_k, np.minimum(day[:, None], dim_k))
    return first_k + (day_k - 1).astype("timedelta64[D]")


@dataclass(frozen=True, slots=True)
class CashflowArrays:
    """Remaining cash flows of many bonds, padded to a common width.

    Attributes
    ----------
    times : ICMA times from settlement [years], shape (n_bonds, n_flows); padding repeats the
        last valid time.
    amounts : cash flows [per 100 face], shape (n_bonds, n_flows); padding is 0.
    dates : payment dates, ``datetime64[D]``, shape (n_bonds, n_flows); padding is NaT.
    accrued : accrued interest at settlement [per 100 face], shape (n_bonds,).
    prev_coupon, next_coupon : ``datetime64[D]``, shape (n_bonds,).
    n_flows : number of valid flows per bond, shape (n_bonds,).
    settlement : the settlement date.
    """

    times: np.ndarray
    amounts: np.ndarray
    dates: np.ndarray
    accrued: np.ndarray
    prev_coupon: np.ndarray
    next_coupon: np.ndarray
    n_flows: np.ndarray
    settlement: dt.date

    @property
    def accrual_fraction(self) -> np.ndarray:
        """Fraction of the current coupon period elapsed at settlement [1], shape (n_bonds,)."""
        elapsed = (np.datetime64(self.settlement, "D") - self.prev_coupon).astype(float)
        length = (self.next_coupon - self.prev_coupon).astype(float)
        return elapsed / length


def stack_cashflows(
    coupon: np.ndarray, maturity: np.ndarray, settlement: dt.date
) -> CashflowArrays:
    """Build padded cash-flow arrays for many bonds at once (no loop over bonds).

    Parameters
    ----------
    coupon : annual coupon rates [decimal], shape (n_bonds,).
    maturity : maturity dates, ``datetime64[D]`` or dates, shape (n_bonds,); each must be after
        ``settlement``.
    settlement : settlement date of the valuation.
    """
    cpn = np.atleast_1d(np.asarray(coupon, dtype=float))
    mat = _as_day_array(maturity)
    settle = np.datetime64(settlement, "D")
    if np.any(mat <= settle):
        raise ValueError("every bond must mature after settlement")
    back = coupon_dates_back(mat)  # (n, K) descending in time
    after = back > settle
    n_rem = after.sum(axis=1)  # remaining coupon dates (maturity included)
    if np.any(n_rem >= back.shape[1]):
        raise ValueError(f"bonds longer than {MAX_PERIODS // 2} years are not supported")
    rows = np.arange(mat.size)
    prev_c = back[rows, n_rem]
    next_c = back[rows, n_rem - 1]
    period_days = (next_c - prev_c).astype(float)
    w_elapsed = (settle - prev_c).astype(float) / period_days
    accrued = 100.0 * cpn / 2.0 * w_elapsed

    width = int(n_rem.max()) if mat.size else 1
    j = np.arange(width)
    valid = j[None, :] < n_rem[:, None]
    # ascending order: flow j is the coupon date k = n_rem - 1 - j
    k_idx = np.clip(n_rem[:, None] - 1 - j[None, :], 0, None)
    dates = np.where(valid, back[rows[:, None], k_idx], np.datetime64("NaT"))
    times = (np.minimum(j[None, :], n_rem[:, None] - 1) + (1.0 - w_elapsed)[:, None]) / 2.0
    amounts = np.where(valid, 100.0 * cpn[:, None] / 2.0, 0.0)
    amounts[rows, n_rem - 1] += 100.0
    return CashflowArrays(
        times=times,
        amounts=amounts,
        dates=dates,
        accrued=accrued,
        prev_coupon=prev_c,
        next_coupon=next_c,
        n_flows=n_rem,
        settlement=settlement,
    )
