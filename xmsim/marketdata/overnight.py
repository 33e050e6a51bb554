"""Loaders for daily overnight-rate series -> :class:`~xmsim.market.OvernightSeries`.

Two public layouts are read, detected from the header row:

* **FRED download** (``observation_date,SOFR`` / ``observation_date,DFF`` / ``...,EFFR``; also
  ``DATE,...``): ISO dates, a blank or ``.`` value on days without a publication (SIFMA
  holidays for SOFR). ``DFF`` (the 7-day effective fed funds series) and ``EFFR`` both load as
  EFFR.
* **New York Fed export** (``Date,Rate Type,Rate (%),1st Percentile (%),...``): ``MM/DD/YYYY``
  dates, newest first, the series named in ``Rate Type`` (``SOFR`` or ``EFFR``); all-comma
  lines are ignored.

Rates are in percent in the file and [decimal] in the series. Bad rows (a date not understood,
a repeated date, a rate that is not a number or not in percent, the wrong number of cells, a
second series in one file) are skipped and named in :attr:`OvernightLoad.notes` with line,
column, value and fix, as the curve loaders do; a file whose rows all fail, or without a usable
header, raises :class:`~xmsim.marketdata.history_read.HistoryFormatError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from xmsim.market import OvernightSeries
from xmsim.marketdata.history_read import (
    DATE_RANGE,
    MAX_HISTORY_BYTES,
    MAX_HISTORY_ROWS,
    MISSING,
    HistoryFormatError,
    SkippedRows,
    parse_history_date,
)
from xmsim.units import pct_to_dec
from xmsim.upload.table import LineProblem, TableError, decode, iter_records, read_source

RATE_RANGE_PCT = (-2.0, 25.0)
"""Plausible overnight rates [percent]; values outside are taken as a unit error. [ASSUMED]"""

FRED_OVERNIGHT: dict[str, str] = {"SOFR": "SOFR", "DFF": "EFFR", "EFFR": "EFFR"}
"""FRED series id -> basis factor."""

OVERNIGHT_HELP = (
    "expected a FRED download ('observation_date,SOFR' or 'observation_date,DFF') or a New "
    "York Fed export ('Date,Rate Type,Rate (%),...')"
)


@dataclass(frozen=True, slots=True)
class OvernightLoad:
    """A loaded series, the loader's notes (skipped rows: line, column, value, fix) and the
    detected layout (``"fred"`` or ``"nyfed"``)."""

    series: OvernightSeries
    notes: tuple[str, ...]
    file_format: str


def load_overnight(source: str | os.PathLike | bytes | IO, *, name: str | None = None):
    """Load a SOFR or EFFR daily file (FRED or New York Fed layout) as an OvernightSeries.

    Parameters
    ----------
    source : a path, the file's bytes, or an open binary file.
    name : label used in the source string; default the file name.

    Returns
    -------
    OvernightSeries with rates [decimal], dates ascending.
    """
    return read_overnight(source, name=name).series


def read_overnight(
    source: str | os.PathLike | bytes | IO, *, name: str | None = None
) -> OvernightLoad:
    """Like :func:`load_overnight`, also returning the notes and the detected layout."""
    if name:
        label = name
    elif isinstance(source, bytes | bytearray) or hasattr(source, "read"):
        label = Path(str(getattr(source, "name", "uploaded file"))).name
    else:
        label = Path(source).name
    try:
        text = decode(read_source(source, max_bytes=MAX_HISTORY_BYTES, what="overnight file"))
        records = iter_records(text, max_records=MAX_HISTORY_ROWS, what="overnight series")
        return _parse(records, label)
    except TableError as exc:
        if "not found" in str(exc):
            raise FileNotFoundError(str(exc)) from None
        raise HistoryFormatError(f"{label}: {exc}") from None


def _layout(header: list[str]) -> tuple[str, int, int | None, str | None]:
    """(layout, rate column, rate-type column, factor) of a header, or ("", ...) if unknown."""
    upper = [h.strip().strip('"').strip().upper() for h in header]
    fred = upper and upper[0] in ("OBSERVATION_DATE", "DATE") and len(upper) == 2
    if fred and upper[1] in FRED_OVERNIGHT:
        return "fred", 1, None, FRED_OVERNIGHT[upper[1]]
    if upper and upper[0] == "DATE" and "RATE TYPE" in upper and "RATE (%)" in upper:
        return "nyfed", upper.index("RATE (%)"), upper.index("RATE TYPE"), None
    return "", 0, None, None


def _parse(records, label: str) -> OvernightLoad:
    header = None
    rows = _Rows(label)
    for record in records:
        if isinstance(record, LineProblem):
            if header is not None:
                rows.skip(record.line, None, record.text, record.message)
            continue
        line, cells = record
        if header is None:
            layout, rate_col, type_col, factor = _layout(cells)
            if not layout:
                raise HistoryFormatError(f"{label}: line {line}: unknown header; {OVERNIGHT_HELP}")
            header = [c.strip() for c in cells]
            continue
        if any(c.strip() for c in cells):
            factor = rows.add(line, cells, header, rate_col, type_col, factor)
    if header is None:
        raise HistoryFormatError(f"{label}: line 1: empty file; {OVERNIGHT_HELP}")
    if not rows.dates:
        why = "; ".join(rows.messages[:3]) or "no data rows after the header"
        raise HistoryFormatError(f"{label}: no row could be read; {why}")
    order = np.argsort(np.array(rows.dates, dtype="datetime64[D]"), kind="stable")
    dates = np.array(rows.dates, dtype="datetime64[D]")[order]
    rates = pct_to_dec(np.array(rows.rates, dtype=float)[order])
    span = f"{dates[0]} to {dates[-1]}"
    series = OvernightSeries(factor, dates, rates, f"{label} ({factor}, {span})")
    notes = rows.summary()
    if rows.blank:
        notes.insert(0, f"{label}: {rows.blank} date(s) without a published rate (holidays)")
    return OvernightLoad(series, tuple(notes), layout)


class _Rows(SkippedRows):
    """The rows read so far and the messages of the rows skipped."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.dates: list = []
        self.rates: list[float] = []
        self.seen: dict = {}
        self.blank = 0

    def add(self, line, cells, header, rate_col, type_col, factor) -> str | None:
        """Read one data row; returns the series' factor (set by the first NY Fed row)."""
        if len(cells) != len(header):
            self.skip(line, None, ",".join(cells), f"{len(cells)} fields, the header has "
                      f"{len(header)}; give every row one value per column")  # fmt: skip
            return factor
        if type_col is not None:
            kind = cells[type_col].strip().upper()
            if kind not in ("SOFR", "EFFR") or (factor is not None and kind != factor):
                want = factor or "SOFR or EFFR"
                self.skip(line, header[type_col], cells[type_col].strip(),
                          f"not {want}; one series per file")  # fmt: skip
                return factor
            factor = kind
        raw = cells[0].strip().strip('"')
        day = parse_history_date(raw)
        if day is None or not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            self.skip(line, header[0], raw, "date not understood; write YYYY-MM-DD or MM/DD/YYYY")
        elif day in self.seen:
            self.skip(line, header[0], raw, f"date {day} appears twice (first on line "
                      f"{self.seen[day]}, which is kept); keep one row per date")  # fmt: skip
        else:
            self._rate(line, day, cells[rate_col].strip().strip('"'), header[rate_col])
        return factor

    def _rate(self, line: int, day, text: str, column: str) -> None:
        if text.upper() in MISSING:
            self.blank += 1
            return
        try:
            value = float(text)
        except ValueError:
            self.skip(line, column, text, "not a number; leave the cell blank when not published")
            return
        lo, hi = RATE_RANGE_PCT
        if not (np.isfinite(value) and lo <= value <= hi):
            self.skip(line, column, text, f"outside {lo:g}..{hi:g}; rates must be in percent "
                      "(5.33 = 5.33%), not decimals or bp")  # fmt: skip
            return
        self.seen[day] = line
        self.dates.append(day)
        self.rates.append(value)
