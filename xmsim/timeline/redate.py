"""Re-dating a portfolio to another as-of date, so the same book is asked the same question.

Rule (stated in every history output, :data:`REDATING_RULE`):

* cash positions (notes, bonds, repos, ineligible cash) keep their **time to maturity**: every
  date of the position (maturity, issue date, repo close) moves by the number of calendar days
  between the book date and the new as-of; coupon, face and account are kept;
* futures keep their **place in the strip**: a contract month ``k`` months after the front month
  on the book date (front = 0, the second quarterly month = 3, ...) becomes the month ``k`` months
  after the front month on the new as-of (:func:`xmsim.contracts.front_month`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from xmsim import contracts, dates
from xmsim.portfolio import Portfolio, Position

REDATING_RULE = (
    "re-dated to each as-of: cash positions keep their time to maturity (every date moves by "
    "the days since the book date), futures keep their place in the strip (months after the "
    "front month)"
)
_DATE_FIELDS = ("maturity", "issue_date", "end_date")
_SLOTS = tuple(f.name for f in dataclasses.fields(Position))


def months_between(first: dt.date, later: dt.date) -> int:
    """Whole calendar months from the month of ``first`` to the month of ``later``."""
    return (later.year - first.year) * 12 + later.month - first.month


def strip_place(position: Position, book_date: dt.date) -> int:
    """Months after the front month of a future's contract month on ``book_date`` (front = 0)."""
    front = contracts.front_month(position.contract, book_date)
    return months_between(front, position.expiry)


def strip_label(code: str, place: int) -> str:
    """``front``, ``2nd``, ``3rd``... for a place in months after the front month."""
    step = contracts.get_contract(code).listing_months
    n = place // step + 1
    if place % step:
        return f"front + {place} months"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")
    return "front" if n == 1 else f"{n}{suffix}"


def _moved(p: Position, dates_moved: dict[str, dt.date]) -> Position:
    """``p`` with some dates replaced: a field copy, no re-validation (moving the dates of a
    valid position keeps it valid; this runs for every position on every date)."""
    q = object.__new__(Position)
    for name in _SLOTS:
        object.__setattr__(q, name, dates_moved.get(name, getattr(p, name)))
    return q


class Redater:
    """A portfolio stated on ``book_date``, re-dated to any as-of by :data:`REDATING_RULE`.

    The strip places are computed once; :meth:`at` is a cheap copy per date.
    """

    def __init__(self, portfolio: Portfolio, book_date: dt.date) -> None:
        self.portfolio = portfolio
        self.book_date = book_date
        self.places = tuple(strip_place(p, book_date) if p.is_future else None for p in portfolio)

    def at(self, asof: dt.date) -> Portfolio:
        """The portfolio re-dated to ``asof``."""
        shift = asof - self.book_date
        fronts: dict[tuple[str, int], dt.date] = {}
        out = []
        for p, place in zip(self.portfolio, self.places, strict=True):
            if place is not None:
                key = (p.contract, place)
                if key not in fronts:
                    front = contracts.front_month(p.contract, asof)
                    fronts[key] = dates.add_months(front, place)
                out.append(_moved(p, {"expiry": fronts[key]}))
            else:
                moved = {n: getattr(p, n) + shift for n in _DATE_FIELDS if getattr(p, n)}
                out.append(_moved(p, moved))
        return Portfolio(tuple(out))

    def strip_table(self) -> list[dict]:
        """Each future's place in the strip on the book date (for the output's rule note)."""
        rows = []
        for p, place in zip(self.portfolio, self.places, strict=True):
            if place is not None:
                rows.append({"row": p.row, "contract": p.contract, "expiry": str(p.expiry),
                             "place": strip_label(p.contract, place)})  # fmt: skip
        return rows
