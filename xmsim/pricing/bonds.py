"""Fixed-coupon U.S. Treasury notes and bonds: schedules, accrued interest, cash-flow arrays,
and yield analytics (price ↔ yield, DV01, duration, convexity), vectorised over bonds.

Conventions [SRC 31 CFR 356 App. B; street convention]: semiannual coupons on the maturity's day
of month (end-of-month rule: a maturity on the last day of a month pays on month-ends),
Actual/Actual (ICMA) accrual, T+1 settlement. Curve times of cash flows are measured in coupon
periods from settlement divided by two (the ICMA time), so a bond priced off a flat
semiannual curve at rate y prices exactly as at yield y.

Yield convention. ``first_period="compound"`` (default, the street convention and QuantLib's
``Compounded, Semiannual`` with an ICMA day counter): every flow is discounted by
``(1 + y/2) ** -(2 t)``. ``first_period="simple"`` is the Treasury's own method in
31 CFR 356 App. B: the fraction ``f`` of a period up to the next coupon is discounted with simple
interest, ``1 / (1 + f y/2)``, and whole periods after it compound. The two agree when settlement
is on a coupon date and differ by about 0.1 bp in yield otherwise. Neither applies the SIFMA
money-market rule for a bond in its final coupon period: xmsim only prices notes and bonds with
more than a year left (METHODOLOGY §2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from xmsim.units import BP, PRICE_BASE

MAX_PERIODS = 64
"""Enough semiannual periods for a 30-year bond plus a stub [1]."""

COMPOUND = "compound"
SIMPLE = "simple"
FIRST_PERIOD_METHODS = (COMPOUND, SIMPLE)


def _as_day_array(dates) -> np.ndarray:
    return np.atleast_1d(np.asarray(dates, dtype="datetime64[D]"))


def _days(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b - a`` in days as float (elementwise)."""
    return (b - a).astype("timedelta64[D]").astype(float)


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
        last valid time. ``times[:, 0] * 2`` is the fraction of a period left to the next
        (quasi-)coupon date.
    amounts : cash flows [per 100 face], shape (n_bonds, n_flows); padding is 0. A bond in a long
        first coupon period keeps a zero-amount placeholder at the quasi-coupon date inside that
        period, so flow j is always j whole periods after the first one.
    dates : payment dates, ``datetime64[D]``, shape (n_bonds, n_flows); padding is NaT.
    accrued : accrued interest at settlement [per 100 face], shape (n_bonds,).
    prev_coupon, next_coupon : the (quasi-)coupon dates around settlement on the regular
        schedule, ``datetime64[D]``, shape (n_bonds,).
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

    def __post_init__(self) -> None:
        for name in ("times", "amounts", "dates", "accrued", "prev_coupon", "next_coupon"):
            getattr(self, name).setflags(write=False)
        self.n_flows.setflags(write=False)

    @property
    def n_bonds(self) -> int:
        """Bonds in the stack [count]: rows of ``times`` (n_bonds, max_flows)."""
        return int(self.times.shape[0])

    @property
    def accrual_fraction(self) -> np.ndarray:
        """Fraction of the current coupon period elapsed at settlement [1], shape (n_bonds,)."""
        elapsed = (np.datetime64(self.settlement, "D") - self.prev_coupon).astype(float)
        length = (self.next_coupon - self.prev_coupon).astype(float)
        return elapsed / length


def _odd_first_period(back, n_rem, settle, issue, first_coupon):
    """First-coupon factor and accrued (in half-coupons) for bonds with an issue date.

    Returns ``(k_first, factor, in_first, accrued_half)``: the column of ``back`` holding the
    first coupon date, that coupon as a multiple of a regular half-coupon, whether settlement is
    still before it, and the accrued interest at settlement in half-coupons (31 CFR 356 App. B
    I.A.3-4: accrual by actual days over each quasi-coupon period, summed).
    """
    n = back.shape[0]
    rows = np.arange(n)
    iss = np.broadcast_to(_as_day_array(issue), (n,))
    has = ~np.isnat(iss)
    if np.any(has & (iss > settle)):
        bad = np.flatnonzero(has & (iss > settle)).tolist()
        raise ValueError(f"settlement {settle} is before the issue date of bonds {bad}")
    iss = np.where(has, iss, back[rows, n_rem])  # no issue date: as if issued at prev coupon
    if first_coupon is None:
        k_first = (back > iss[:, None]).sum(axis=1) - 1
    else:
        fc = np.broadcast_to(_as_day_array(first_coupon), (n,))
        hit = back == fc[:, None]
        bad = has & ~np.isnat(fc) & (~hit.any(axis=1) | (fc <= iss))
        if np.any(bad):
            raise ValueError(
                f"first_coupon of bonds {np.flatnonzero(bad).tolist()} must be a regular "
                "coupon date (maturity - 6k months) after the issue date"
            )
        k_first = np.where(hit.any(axis=1), hit.argmax(axis=1), (back > iss[:, None]).sum(1) - 1)
    last = back.shape[1] - 1
    f_date = back[rows, k_first]
    q1 = back[rows, np.minimum(k_first + 1, last)]
    q0 = back[rows, np.minimum(k_first + 2, last)]
    if np.any(has & (iss < q0)):
        bad = np.flatnonzero(has & (iss < q0)).tolist()
        raise ValueError(f"first coupon of bonds {bad} is more than one period after issue")
    long_first = iss < q1
    factor = np.where(
        long_first, 1.0 + _days(iss, q1) / _days(q0, q1), _days(iss, f_date) / _days(q1, f_date)
    )
    in_first = has & (settle < f_date)
    prev_c, next_c = back[rows, n_rem], back[rows, n_rem - 1]
    before = back[rows, np.minimum(n_rem + 1, last)]
    start = np.maximum(prev_c, iss)
    accrued_half = _days(start, settle) / _days(prev_c, next_c) + np.where(
        iss < prev_c, _days(iss, prev_c) / _days(before, prev_c), 0.0
    )
    return k_first, np.where(has, factor, 1.0), in_first, accrued_half


def stack_cashflows(
    coupon: np.ndarray,
    maturity: np.ndarray,
    settlement: dt.date,
    *,
    issue_date=None,
    first_coupon=None,
) -> CashflowArrays:
    """Build padded cash-flow arrays for many bonds at once (no loop over bonds).

    Parameters
    ----------
    coupon : annual coupon rates [decimal], shape (n_bonds,).
    maturity : maturity dates, ``datetime64[D]`` or dates, shape (n_bonds,); each must be after
        ``settlement``.
    settlement : settlement date of the valuation.
    issue_date : optional dated date (start of interest accrual) per bond, shape (n_bonds,) or a
        scalar; NaT = a regular bond. Only matters while settlement is before the first coupon:
        then the first coupon and the accrued interest are prorated by actual days
        [SRC 31 CFR 356 App. B I.A]. Settlement must not precede it (a when-issued trade
        settles on the issue date).
    first_coupon : optional first coupon date per bond (a regular coupon date). Default: the
        first coupon date after ``issue_date`` (a short or regular first period); pass the next
        one for a long first period (e.g. a 10-3/4% bond dated 2 Jul 1985, first paying
        15 Feb 1986).
    """
    cpn = np.atleast_1d(np.asarray(coupon, dtype=float))
    mat = _as_day_array(maturity)
    settle = np.datetime64(settlement, "D")
    if np.any(mat <= settle):
        raise ValueError("every bond must mature after settlement")
    back = coupon_dates_back(mat)  # (n, K) descending in time
    n_rem = (back > settle).sum(axis=1)  # remaining coupon dates (maturity included)
    if np.any(n_rem >= back.shape[1] - 1):
        raise ValueError(f"bonds longer than {MAX_PERIODS // 2 - 1} years are not supported")
    rows = np.arange(mat.size)
    prev_c = back[rows, n_rem]
    next_c = back[rows, n_rem - 1]
    w_elapsed = _days(prev_c, settle) / _days(prev_c, next_c)
    accrued_half = w_elapsed

    width = int(n_rem.max()) if mat.size else 1
    j = np.arange(width)
    valid = j[None, :] < n_rem[:, None]
    # ascending order: flow j is the coupon date k = n_rem - 1 - j
    k_idx = np.clip(n_rem[:, None] - 1 - j[None, :], 0, None)
    dates = np.where(valid, back[rows[:, None], k_idx], np.datetime64("NaT"))
    times = (np.minimum(j[None, :], n_rem[:, None] - 1) + (1.0 - w_elapsed)[:, None]) / 2.0
    half = np.where(valid, 1.0, 0.0)
    if issue_date is not None and mat.size:
        k_first, factor, in_first, odd_accrued = _odd_first_period(
            back, n_rem, settle, issue_date, first_coupon
        )
        k_first, factor = k_first[:, None], factor[:, None]
        odd = in_first[:, None] & valid
        half = np.where(odd & (k_idx > k_first), 0.0, half)
        half = np.where(odd & (k_idx == k_first), factor, half)
        accrued_half = np.where(in_first, odd_accrued, w_elapsed)
    amounts = PRICE_BASE * cpn[:, None] / 2.0 * half
    amounts[rows, n_rem - 1] += PRICE_BASE
    return CashflowArrays(
        times=times,
        amounts=amounts,
        dates=dates,
        accrued=PRICE_BASE * cpn / 2.0 * accrued_half,
        prev_coupon=prev_c,
        next_coupon=next_c,
        n_flows=n_rem,
        settlement=settlement,
    )


# ---------------------------------------------------------------------------------------------
# Yield analytics
# ---------------------------------------------------------------------------------------------


def _yield_vector(cf: CashflowArrays, yield_dec) -> np.ndarray:
    y = np.asarray(yield_dec, dtype=float)
    if y.ndim > 1 or (y.ndim == 1 and y.size not in (1, cf.n_bonds)):
        raise ValueError(f"yield_dec must be a scalar or shape ({cf.n_bonds},), got {y.shape}")
    y = np.broadcast_to(y.reshape(-1) if y.ndim else y, (cf.n_bonds,))
    if np.any(~np.isfinite(y)) or np.any(y <= -2.0):
        raise ValueError("yields must be finite and above -200% (1 + y/2 > 0)")
    return y


def _log_discount(cf: CashflowArrays, y: np.ndarray, first_period: str):
    """Discount factors D and the first two derivatives of ln D in y, shape (n_bonds, n_flows).

    With ``f`` the fraction of a period to the next coupon and ``j`` whole periods after it:
    compound ``D = (1+y/2)^-(f+j)``; simple (App. B) ``D = (1+y/2)^-j / (1 + f y/2)``.
    """
    if first_period not in FIRST_PERIOD_METHODS:
        raise ValueError(
            f"first_period must be one of {FIRST_PERIOD_METHODS}, not {first_period!r}"
        )
    f = 2.0 * cf.times[:, :1]
    j = np.rint(2.0 * cf.times - f)
    g = 1.0 + y[:, None] / 2.0
    if first_period == COMPOUND:
        e = f + j
        return g**-e, -e / (2.0 * g), e / (4.0 * g**2)
    s = 1.0 + f * y[:, None] / 2.0
    disc = g**-j / s
    return disc, -j / (2.0 * g) - (f / 2.0) / s, j / (4.0 * g**2) + (f / 2.0) ** 2 / s**2


def _price_and_derivs(cf: CashflowArrays, y: np.ndarray, first_period: str):
    disc, l1, l2 = _log_discount(cf, y, first_period)
    pv = cf.amounts * disc
    return pv.sum(axis=1), (pv * l1).sum(axis=1), (pv * (l1**2 + l2)).sum(axis=1)


def price_from_yield(cf: CashflowArrays, yield_dec, first_period: str = COMPOUND) -> np.ndarray:
    """Dirty price from yield to maturity (semiannual bond-equivalent).

    Parameters
    ----------
    cf : the bonds' cash flows at settlement (:func:`stack_cashflows`).
    yield_dec : yields [decimal], scalar or shape (n_bonds,).
    first_period : ``"compound"`` (street convention, default) or ``"simple"`` (31 CFR 356
        App. B); see the module docstring.

    Returns
    -------
    Dirty (full) prices [per 100 face], shape (n_bonds,): ``Σ amount / (1 + y/2)^(2 t)``.
    """
    return _price_and_derivs(cf, _yield_vector(cf, yield_dec), first_period)[0]


def clean_price_from_yield(
    cf: CashflowArrays, yield_dec, first_period: str = COMPOUND
) -> np.ndarray:
    """Clean price [per 100 face] = dirty price − accrued interest, shape (n_bonds,)."""
    return price_from_yield(cf, yield_dec, first_period) - cf.accrued


def dv01_from_yield(cf: CashflowArrays, yield_dec, first_period: str = COMPOUND) -> np.ndarray:
    """DV01 from the analytic yield derivative of the dirty price.

    Returns
    -------
    ``-dP_dirty/dy × 1 bp`` [USD per bp per 100 USD face], shape (n_bonds,): the gain of a long
    holding of 100 face when its yield falls 1 bp (positive for a long, as ``dv01_usd`` in
    :mod:`xmsim.units`). For a face of F USD, ``dv01_usd = dv01 × F / 100``.
    """
    return -_price_and_derivs(cf, _yield_vector(cf, yield_dec), first_period)[1] * BP


def modified_duration(cf: CashflowArrays, yield_dec, first_period: str = COMPOUND) -> np.ndarray:
    """Modified duration ``-(1/P) dP/dy`` on the dirty price [years], shape (n_bonds,)."""
    price, d1, _ = _price_and_derivs(cf, _yield_vector(cf, yield_dec), first_period)
    return -d1 / price


def convexity(cf: CashflowArrays, yield_dec, first_period: str = COMPOUND) -> np.ndarray:
    """Convexity ``(1/P) d²P/dy²`` on the dirty price [years²], shape (n_bonds,)."""
    price, _, d2 = _price_and_derivs(cf, _yield_vector(cf, yield_dec), first_period)
    return d2 / price


def yield_from_price(
    cf: CashflowArrays,
    clean_price,
    first_period: str = COMPOUND,
    tol: float = 1.0e-14,
    max_iter: int = 200,
) -> np.ndarray:
    """Yield to maturity [decimal] from clean prices, shape (n_bonds,).

    Safeguarded Newton, vectorised over bonds: each bond keeps a bracket ``[lo, hi]`` around its
    root (the dirty price falls strictly in y for positive flows) and a Newton step that leaves
    the bracket is replaced by bisection. Stops when every step is below ``tol`` [decimal].

    Parameters
    ----------
    clean_price : clean prices [per 100 face], scalar or shape (n_bonds,); positive.
    """
    clean = np.broadcast_to(np.asarray(clean_price, dtype=float).reshape(-1), (cf.n_bonds,))
    target = clean + cf.accrued
    if np.any(~np.isfinite(target)) or np.any(target <= 0.0):
        raise ValueError("prices must be finite and the dirty price positive")
    lo = np.full(cf.n_bonds, -1.0)
    hi = np.full(cf.n_bonds, 1.0)
    for _ in range(60):  # widen the bracket where needed (a few bonds at most)
        p_lo = _price_and_derivs(cf, lo, first_period)[0]
        p_hi = _price_and_derivs(cf, hi, first_period)[0]
        lo = np.where(p_lo < target, -2.0 + (lo + 2.0) / 4.0, lo)
        hi = np.where(p_hi > target, hi * 4.0, hi)
        if np.all(p_lo >= target) and np.all(p_hi <= target):
            break
    y = np.clip(np.full(cf.n_bonds, 0.04), lo, hi)
    for _ in range(max_iter):
        price, d1, _ = _price_and_derivs(cf, y, first_period)
        diff = price - target
        lo = np.where(diff > 0.0, y, lo)
        hi = np.where(diff < 0.0, y, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            y_new = y - diff / d1
        outside = ~((y_new > lo) & (y_new < hi))
        y_new = np.where(outside, 0.5 * (lo + hi), y_new)
        y_new = np.where(diff == 0.0, y, y_new)
        step = np.abs(y_new - y)
        y = y_new
        if np.all(step <= tol):
            return y
    raise RuntimeError(f"yield_from_price did not converge to {tol} in {max_iter} iterations")
