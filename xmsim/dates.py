"""Business days on the U.S. government-securities calendar (SIFMA recommended closes).

Holidays come from the maintained ``holidays`` package (financial calendar ``XSIF``), never from a
hand-typed list. Early closes count as business days.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache

import holidays
import numpy as np

SIFMA_CALENDAR = "XSIF"


@cache
def _holiday_set(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.financial_holidays(SIFMA_CALENDAR, years=year).keys())


def is_business_day(day: dt.date) -> bool:
    """True on a weekday that is not a SIFMA full-day holiday."""
    return day.weekday() < 5 and day not in _holiday_set(day.year)


def add_business_days(day: dt.date, n: int) -> dt.date:
    """``day`` moved by ``n`` business days (n may be negative; n = 0 rolls nothing)."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = day
    while remaining:
        current += dt.timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


def following(day: dt.date) -> dt.date:
    """The first business day on or after ``day``."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def preceding(day: dt.date) -> dt.date:
    """The last business day on or before ``day``."""
    while not is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def settlement_date(trade_date: dt.date, lag_days: int = 1) -> dt.date:
    """Regular settlement of a Treasury trade: T+1 business day by default."""
    return add_business_days(preceding(trade_date), lag_days)


def month_end(year: int, month: int) -> dt.date:
    """The last calendar day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def last_business_day(year: int, month: int) -> dt.date:
    """The last business day of a month."""
    return preceding(month_end(year, month))


def first_business_day(year: int, month: int) -> dt.date:
    """The first business day of a month."""
    return following(dt.date(year, month, 1))


def third_wednesday(year: int, month: int) -> dt.date:
    """The IMM date of a month (third Wednesday)."""
    first = dt.date(year, month, 1)
    offset = (2 - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 14)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar month arithmetic, clamping the day to the target month's length."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def business_days_between(start: dt.date, end: dt.date) -> np.ndarray:
    """Business days in ``[start, end]`` as ``datetime64[D]`` [shape (n_days,)]."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    years = range(start.year, end.year + 1)
    hol = np.array(sorted(d for y in years for d in _holiday_set(y)), dtype="datetime64[D]")
    return days[np.is_busday(days, holidays=hol)]
