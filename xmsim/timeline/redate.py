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


_SET = tuple(Position.__dict__[name].__set__ for name in _SLOTS)  # slot descriptors
_EXPIRY = _SLOTS.index("expiry")


def _position(values: list) -> Position:
    q = object.__new__(Position)
    for setter, value in zip(_SET, values, strict=True):
        setter(q, value)  # the slot descriptor: past the frozen __setattr__
    return q


class Redater:
    """A portfolio stated on ``book_date``, re-dated to any as-of by :data:`REDATING_RULE`.

    The strip places and each position's fields are read once; :meth:`at` is a cheap copy per
    date (a future is reused while its re-dated contract month stays the same).
    """

    def __init__(self, portfolio: Portfolio, book_date: dt.date) -> None:
        self.portfolio = portfolio
        self.book_date = book_date
        self.places = tuple(strip_place(p, book_date) if p.is_future else None for p in portfolio)
        self._values = [[getattr(p, n) for n in _SLOTS] for p in portfolio]
        self._dated = [
            [i for i, n in enumerate(_SLOTS) if n in _DATE_FIELDS and getattr(p, n)]
            for p in portfolio
        ]
        self._futures: dict[tuple[int, dt.date], Position] = {}

    def at(self, asof: dt.date) -> Portfolio:
        """The portfolio re-dated to ``asof``."""
        shift = asof - self.book_date
        fronts: dict[tuple[str, int], dt.date] = {}
        out = []
        for k, (p, place) in enumerate(zip(self.portfolio, self.places, strict=True)):
            if place is not None:
                key = (p.contract, place)
                if key not in fronts:
                    front = contracts.front_month(p.contract, asof)
                    fronts[key] = dates.add_months(front, place)
                expiry = fronts[key]
                q = self._futures.get((k, expiry))
                if q is None:
                    values = list(self._values[k])
                    values[_EXPIRY] = expiry
                    q = self._futures.setdefault((k, expiry), _position(values))
                out.append(q)
            else:
                values = list(self._values[k])
                for i in self._dated[k]:
                    values[i] = values[i] + shift
                out.append(_position(values))
        return Portfolio(tuple(out))

    def strip_table(self) -> list[dict]:
        """Each future's place in the strip on the book date (for the output's rule note)."""
        rows = []
        for p, place in zip(self.portfolio, self.places, strict=True):
            if place is not None:
                rows.append({"row": p.row, "contract": p.contract, "expiry": str(p.expiry),
                             "place": strip_label(p.contract, place)})  # fmt: skip
        return rows
