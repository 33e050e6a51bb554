"""Deliverable baskets of the Treasury futures and the month arithmetic they share with the
conversion factors (:mod:`xmsim.pricing.futures`).

Every window (remaining term from the first day of the delivery month, original-term limits) is
read from the contract table (``data/contracts.csv``) [SRC CME contract specs; METHODOLOGY §4].
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from xmsim import contracts, dates


def _treasury_spec(code: str) -> contracts.ContractSpec:
    spec = contracts.get_contract(code)
    if not spec.is_treasury:
        known = ", ".join(c for c, s in contracts.contract_table().items() if s.is_treasury)
        raise ValueError(f"{spec.code} is not a Treasury futures contract; use one of: {known}")
    return spec


def _first_of_month(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _add_months_array(days: np.ndarray, months: int) -> np.ndarray:
    """``datetime64[D]`` dates moved by whole calendar months, the day clamped to month length
    (vectorised :func:`xmsim.dates.add_months`)."""
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(int)
    target = month + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(int)
    return target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")


def _months_from(start_month: dt.date, days: np.ndarray) -> np.ndarray:
    """Whole calendar months from the first day of ``start_month``'s month to ``days``."""
    start = np.datetime64(_first_of_month(start_month), "M")
    return (days.astype("datetime64[M]") - start).astype(int)


def _fmt_term(months: int, days: int = 0) -> str:
    """``7y8m`` / ``7y8m14d`` / ``8y``: a term in whole months plus leftover days."""
    years, rem = divmod(int(months), 12)
    text = f"{years}y{rem}m" if rem or days else f"{years}y"
    return f"{text}{int(days)}d" if days else text


# ---------------------------------------------------------------------------------------------
# Deliverable basket
# ---------------------------------------------------------------------------------------------


def _term_text(start: dt.date, end: dt.date) -> str:
    """The term from ``start`` to ``end`` in whole months plus days, e.g. ``5y10m14d``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if dates.add_months(start, months) > end:
        months -= 1
    return _fmt_term(months, (end - dates.add_months(start, months)).days)


def _basket_failures(spec, maturities, delivery_month, issue_dates):
    """Each deliverability rule as ``(failing mask (n_bonds,), message(i) -> str)``.

    The one home of the basket rules; :func:`basket_mask` and :func:`deliverable_reason` both
    read it. Bounds are dates, so "at least 6y6m" means maturity ≥ first day + 78 months.
    """
    code = spec.code
    mat = np.atleast_1d(np.asarray(maturities, dtype="datetime64[D]"))
    first = _first_of_month(delivery_month)

    def remaining(i: int) -> str:
        return _term_text(first, mat[i].item())

    rules = []
    if spec.min_remaining_months is not None:
        low = spec.min_remaining_months
        bound = np.datetime64(dates.add_months(first, low), "D")
        rules.append(
            (
                mat < bound,
                lambda i: (
                    f"remaining term {remaining(i)} is below {code}'s minimum {_fmt_term(low)}"
                ),
            )
        )
    if spec.max_remaining_months is not None:
        high = spec.max_remaining_months
        bound = np.datetime64(dates.add_months(first, high), "D")
        if spec.max_remaining_exclusive:
            fails, words = mat >= bound, f"must be below {_fmt_term(high)}"
        else:
            fails, words = mat > bound, f"maximum {_fmt_term(high)}"
        rules.append(
            (fails, lambda i: f"remaining term {remaining(i)} is too long for {code} ({words})")
        )
    if spec.max_remaining_from_last_day_months is not None:
        k = spec.max_remaining_from_last_day_months
        target = dates.add_months(first, k)
        last_bound = dates.month_end(target.year, target.month)
        rules.append(
            (
                mat > np.datetime64(last_bound, "D"),
                lambda i: (
                    f"matures after {last_bound}, more than {_fmt_term(k)} from the last "
                    f"day of the delivery month ({code})"
                ),
            )
        )
    if issue_dates is not None:
        iss = np.broadcast_to(np.asarray(issue_dates, dtype="datetime64[D]"), mat.shape)
        known = ~np.isnat(iss)
        safe = np.where(known, iss, mat)

        def original(i: int) -> str:
            return _term_text(safe[i].item(), mat[i].item())

        if spec.max_original_months is not None:
            o_high = spec.max_original_months
            rules.append(
                (
                    known & (mat > _add_months_array(safe, o_high)),
                    lambda i: (
                        f"original term {original(i)} exceeds {code}'s maximum {_fmt_term(o_high)}"
                    ),
                )
            )
        if spec.min_original_months is not None:
            o_low = spec.min_original_months
            rules.append(
                (
                    known & (mat < _add_months_array(safe, o_low)),
                    lambda i: (
                        f"original term {original(i)} is below {code}'s minimum {_fmt_term(o_low)}"
                    ),
                )
            )
    return rules


def basket_mask(code: str, coupons, maturities, delivery_month: dt.date, issue_dates=None):
    """Which bonds are deliverable into a contract month, shape (n_bonds,) bool.

    Rules from the contract table [SRC CME contract specs]: remaining term from the first day
    of the delivery month within ``[min, max]`` (``max`` strict where the table says so), the
    2Y/3Y extra bound from the last day of the month, and the original-term bounds when
    ``issue_dates`` (original issue dates; NaT = unknown) are given. Coupons do not restrict
    deliverability; they are accepted for a uniform signature.
    """
    spec = _treasury_spec(code)
    mat = np.atleast_1d(np.asarray(maturities, dtype="datetime64[D]"))
    if np.atleast_1d(np.asarray(coupons, dtype=float)).shape != mat.shape:
        raise ValueError("coupons and maturities must have the same shape")
    ok = np.ones(mat.shape, dtype=bool)
    for fails, _ in _basket_failures(spec, mat, delivery_month, issue_dates):
        ok &= ~fails
    return ok


def deliverable_reason(
    code: str,
    coupon: float,
    maturity: dt.date,
    delivery_month: dt.date,
    issue_date: dt.date | None = None,
) -> str | None:
    """``None`` when the bond is deliverable, else the first rule it breaks, in words.

    Example: ``"remaining term 5y10m14d is below ZN's minimum 6y6m"`` (the term runs from the
    first day of the delivery month, in years, months and days).
    """
    spec = _treasury_spec(code)
    issue = None if issue_date is None else [issue_date]
    del coupon  # deliverability does not depend on the coupon
    for fails, message in _basket_failures(spec, [maturity], delivery_month, issue):
        if fails[0]:
            return message(0)
    return None
