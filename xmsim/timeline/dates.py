"""Which dates a history run takes: the range checked against the history and the look-back,
and the dates picked (every day, or the last of each week or month)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from xmsim.market import YieldHistory
from xmsim.units import DAYS_PER_YEAR

EVERY = ("day", "week", "month")


def first_full_lookback(history: YieldHistory, lookback_years: float) -> dt.date:
    """The first date whose look-back lies wholly inside ``history``."""
    return history.start + dt.timedelta(days=round(lookback_years * DAYS_PER_YEAR))


def check_range(history: YieldHistory, start: dt.date, end: dt.date, lookback_years: float):
    """Raise ``ValueError`` with the fix when ``start..end`` cannot be run on ``history``."""
    if start > end:
        raise ValueError(f"the range is reversed: --from {start} is after --to {end}; swap them")
    if start < history.start or end > history.end:
        raise ValueError(
            f"the range {start} to {end} is outside the history ({history.start} to "
            f"{history.end}); pick dates inside it or load a longer history (--history)"
        )
    first = first_full_lookback(history, lookback_years)
    if start < first:
        raise ValueError(
            f"the history is too short for the look-back: with a {lookback_years:g}-year "
            f"look-back the first date with a full look-back is {first} (history starts "
            f"{history.start}); move --from to {first} or later, or shorten --var-lookback-years"
        )


def history_dates(history: YieldHistory, start: dt.date, end: dt.date, every: str):
    """The history's dates in ``start..end``: every one (``day``) or the last of each calendar
    week / month (``week`` / ``month``), as ``datetime.date``."""
    if every not in EVERY:
        raise ValueError(f"every must be one of {EVERY}, got {every!r}")
    d = history.dates
    sel = d[(d >= np.datetime64(start, "D")) & (d <= np.datetime64(end, "D"))]
    days = [x.astype(dt.date) for x in sel]
    if every == "day" or not days:
        return days
    key = (lambda x: x.isocalendar()[:2]) if every == "week" else (lambda x: (x.year, x.month))
    return [x for x, nxt in zip(days, [*days[1:], None], strict=True)
            if nxt is None or key(nxt) != key(x)]  # fmt: skip
