"""The daily margin cycle of the cross-margining arrangement, in Eastern Time (the app's
operations panel).

Every event cites the CME cross-margining FAQ (June 2026, ``../shared/reference``) question it
comes from [SRC FAQ Q7, Q16–Q21]. Business days follow :mod:`xmsim.dates` (SIFMA calendar).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from xmsim import dates

EASTERN = ZoneInfo("America/New_York")

TWO_POT_REMINDER: tuple[str, ...] = (
    "Two pots: margin for the CME-cleared positions is posted to CME, margin for the "
    "FICC-cleared positions is posted to FICC (Cross-Margining Customer Margin, held at FICC in "
    "omnibus segregation). [FAQ Q7]",
    "Each CCP reduces only the margin on the positions it clears, by the same (lower) "
    "percentage; no cash moves between the two pots. [FAQ Q6, Q18]",
    "No extra fees and no change to either CCP's collateral schedule. [FAQ Q14, Q15]",
    "Reductions apply in both intraday and end-of-day cycles; FICC's noon intraday cycle looks "
    "at all novated, unsettled positions, including new trades. [FAQ Q20]",
    "If the cross-margin calculation is disrupted, a CCP may apply the prior day's reduction "
    "when the combined portfolio's risk is the same or lower; no reduction is guaranteed. "
    "[FAQ Q21]",
)
"""Plain-English reminders shown next to the timeline."""


@dataclass(frozen=True, slots=True)
class CycleEvent:
    """One step of the margin cycle.

    start / end : Eastern-Time instants (``end`` ``None`` for a point in time).
    ccp : ``"FICC"``, ``"CME"`` or ``"FICC + CME"``.
    approximate : True when the FAQ says "approximately".
    """

    start: dt.datetime
    end: dt.datetime | None
    ccp: str
    event: str
    source: str
    approximate: bool = False

    @property
    def when(self) -> str:
        """``Fri 31 Jul 2026, 8:00 p.m. ET`` (``~`` when approximate, a range when ``end``)."""

        def clock(t: dt.datetime) -> str:
            text = t.strftime("%I:%M %p").lstrip("0")
            return text.replace("AM", "a.m.").replace("PM", "p.m.")

        day = self.start.strftime("%a %d %b %Y")
        span = clock(self.start) + (f"–{clock(self.end)}" if self.end else "")
        return f"{day}, {'~' if self.approximate else ''}{span} ET"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=EASTERN)


def cycle_day(asof: dt.date) -> dt.date:
    """The business day whose cycle covers ``asof`` (the last business day on or before it)."""
    return dates.preceding(asof)


def margin_cycle(asof: dt.date) -> tuple[CycleEvent, ...]:
    """The margin cycle for positions held on ``asof``, in time order.

    Day T is :func:`cycle_day` (``asof`` itself on a business day); T+1 is the next business
    day on the SIFMA calendar. [SRC FAQ Q16–Q20]
    """
    t0 = cycle_day(asof)
    t1 = dates.add_business_days(t0, 1)
    return (
        CycleEvent(
            _at(t0, 12),
            None,
            "FICC",
            "Noon intraday cycle: all novated, unsettled positions (new trades included) "
            "are considered for cross-margining",
            "FAQ Q20",
        ),
        CycleEvent(
            _at(t0, 20),
            None,
            "FICC + CME",
            "End-of-day calculation: FICC computes the Cross-Margining Customer Margin "
            "Requirement; CME margins the eligible positions in the cross-margin account "
            "at 8:00 p.m.",
            "FAQ Q16, Q17",
        ),
        CycleEvent(
            _at(t0, 22, 30),
            None,
            "CME",
            "CME publishes its end-of-day margin report: CME's end-of-day requirement, "
            "not subject to change in the normal course of business",
            "FAQ Q17, Q18",
            approximate=True,
        ),
        CycleEvent(
            _at(t1, 2),
            _at(t1, 3),
            "FICC",
            "FICC intraday call on fresh market data after the end-of-day call",
            "FAQ Q16",
        ),
        CycleEvent(
            _at(t1, 9, 30),
            None,
            "FICC",
            "Payment due: one net amount = T's end-of-day call + T+1's early-morning intraday call",
            "FAQ Q16",
        ),
    )


def cycle_frame(asof: dt.date) -> pd.DataFrame:
    """The cycle as a display table: when (ET), CCP, event, source."""
    events = margin_cycle(asof)
    return pd.DataFrame(
        {
            "when (ET)": [e.when for e in events],
            "CCP": [e.ccp for e in events],
            "event": [e.event for e in events],
            "source": [e.source for e in events],
        }
    )


def cycle_note(asof: dt.date) -> str:
    """One line on which days the cycle uses (and a note when ``asof`` is not a business day)."""
    t0 = cycle_day(asof)
    t1 = dates.add_business_days(t0, 1)
    note = f"Cycle day T = {t0:%a %d %b %Y}; next business day T+1 = {t1:%a %d %b %Y} (SIFMA)."
    if t0 != asof:
        note += f" {asof:%a %d %b %Y} is not a business day: the last business day is used."
    return note
