"""Reading a yield-history file row by row into raw values (the formats are described in
:mod:`xmsim.marketdata.history`).

The text comes through the one reading path (:mod:`xmsim.upload.table`: size limit before
reading, any encoding, raised field limit, unbalanced quotes cost one line). Each data row is
parsed on its own: a row with a bad date, a date outside :data:`DATE_RANGE`, a repeated date, a
non-finite or implausible yield, or the wrong number of cells is skipped and named in a note
(line, column, value, fix); the file is rejected only when no row can be read.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np

from xmsim.market import TENOR_YEARS, TENORS
from xmsim.upload.table import LineProblem, TableError, iter_records

MIN_PUBLISHED_TENORS = 3
"""Days with fewer published tenors than this are dropped [count]. [ASSUMED]"""

YIELD_RANGE_PCT = (-5.0, 30.0)
"""Plausible par yields [percent]; values outside are taken as a unit error. [ASSUMED]"""

DATE_RANGE = (dt.date(1950, 1, 1), dt.date(2099, 12, 31))
"""Dates a yield history may hold (Treasury constant-maturity series start in 1953). [ASSUMED]"""

MAX_HISTORY_BYTES = 64 * 2**20
"""Largest history file read [bytes] (the full GSW file is about 20 MB). [ASSUMED]"""

MAX_HISTORY_ROWS = 100_000
"""Largest number of rows read from one history file [rows] (daily since 1950: ~19,000)."""

MAX_NOTED_ROWS = 20
"""Skipped rows named one by one in the notes; the rest are counted [rows]."""

FRED_SERIES: dict[str, str] = {
    "DGS1MO": "1M", "DGS2MO": "2M", "DGS3MO": "3M", "DGS4MO": "4M", "DGS6MO": "6M",
    "DGS1": "1Y", "DGS2": "2Y", "DGS3": "3Y", "DGS5": "5Y", "DGS7": "7Y", "DGS10": "10Y",
    "DGS20": "20Y", "DGS30": "30Y",
}  # fmt: skip
"""FRED constant-maturity series id -> tenor."""

GSW_PAR_COLUMNS: dict[str, str] = {f"SVENPY{int(t[:-1]):02d}": t for t in TENORS if t[-1] == "Y"}
"""GSW par-yield column -> tenor (1Y..30Y; GSW has no bill tenors)."""

MISSING = frozenset(("", "NA", "N/A", ".", "NAN", "ND", "#N/A"))
_TENOR_HEADER = re.compile(r"^(\d+(?:\.\d+)?)\s*(mo|mos|month|months|yr|yrs|year|years)$", re.I)
_FIX_DATE = "write dates as M/D/YY, MM/DD/YYYY or YYYY-MM-DD"
FORMATS_HELP = (
    "expected a U.S. Treasury par yield curve CSV (header 'Date,1 Mo,...,30 Yr'), the Fed GSW "
    "feds200628.csv (header 'Date,...,SVENPY01,...') or FRED files ('observation_date,DGS10')"
)


class HistoryFormatError(ValueError):
    """A yield-history file could not be read; the message names the line and the fix."""


@dataclass(slots=True)
class Raw:
    """One parsed file before cleaning: values in percent, NaN where not published."""

    dates: np.ndarray  # datetime64[D], (n_rows,)
    values_pct: np.ndarray  # (n_rows, n_tenors)
    lines: np.ndarray  # 1-based file line of each row, (n_rows,)
    notes: list[str]
    name: str
    file_format: str


def parse_history(text: str, label: str) -> Raw:
    """Rows of a history file's text -> :class:`Raw`; skipped rows are named in ``notes``."""
    try:
        return _parse(text, label)
    except TableError as exc:
        raise HistoryFormatError(f"{label}: {exc}") from None


def _find_header(text: str, label: str) -> tuple[int, list[str]]:
    for record in iter_records(text, max_records=200):
        if isinstance(record, LineProblem):
            continue
        line, cells = record
        first = cells[0].strip().strip('"').strip().lower() if cells else ""
        if first in ("date", "observation_date") and len(cells) > 1:
            return line, [h.strip().strip('"').strip() for h in cells]
        if line >= 200:
            break
    raise HistoryFormatError(f"{label}: line 1: no header row starting with 'Date'; {FORMATS_HELP}")


def _parse(text: str, label: str) -> Raw:
    header_line, header = _find_header(text, label)
    file_format, mapping, ignored = _detect_columns(header, label, header_line)
    notes = []
    if ignored:
        notes.append(f"{label}: ignored columns not modelled: {', '.join(ignored)}")
    if file_format == "gsw":
        notes.append(
            f"{label}: GSW has no 1M–6M tenors; filled flat from the 1-year par yield (fill rule)"
        )
    rows = _Rows(label, header, mapping)
    records = iter_records(text, width=len(header), max_records=MAX_HISTORY_ROWS, what="history")
    for record in records:
        if isinstance(record, LineProblem):
            if record.line > header_line:
                rows.skip(record.line, None, record.text, record.message)
        elif record[0] > header_line and any(c.strip() for c in record[1]):
            rows.add(*record)
    if not rows.dates:
        if rows.skipped:
            raise HistoryFormatError(
                f"{label}: no row could be read; " + "; ".join(rows.messages[:3])
            )
        raise HistoryFormatError(f"{label}: line {header_line + 1}: no data rows after the header")
    notes.extend(rows.summary())
    values = np.full((len(rows.dates), len(TENORS)), np.nan)
    values[:, [mapping[j] for j in sorted(mapping)]] = np.array(rows.values, dtype=float)
    dates = np.array(rows.dates, dtype="datetime64[D]")
    return Raw(dates, values, np.array(rows.lines, dtype=int), notes, label, file_format)


class SkippedRows:
    """The messages of the rows a history-like reader skipped (line, column, value, fix); the
    first :data:`MAX_NOTED_ROWS` are kept word for word, the rest counted."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.messages: list[str] = []
        self.skipped = 0

    def skip(self, line: int, column: str | None, value: str, message: str) -> None:
        self.skipped += 1
        if len(self.messages) < MAX_NOTED_ROWS:
            where = f"line {line}" + (f", column {column!r}" if column else "")
            shown = value if len(value) <= 40 else value[:37] + "..."
            self.messages.append(f"{where}: value {shown!r}: {message}; row skipped")

    def summary(self) -> list[str]:
        if not self.skipped:
            return []
        more = self.skipped - len(self.messages)
        tail = [f"... and {more} more row(s) skipped"] if more > 0 else []
        head = f"{self.label}: skipped {self.skipped} unreadable row(s)"
        return [head, *(f"{self.label}: {m}" for m in self.messages), *tail]


class _Rows(SkippedRows):
    """The rows read so far and the messages of the rows skipped."""

    def __init__(self, label: str, header: list[str], mapping: dict[int, int]) -> None:
        super().__init__(label)
        self.header, self.cols = header, sorted(mapping)
        self.dates: list[dt.date] = []
        self.values: list[list[float]] = []
        self.lines: list[int] = []
        self.seen: dict[dt.date, int] = {}

    def add(self, line: int, cells: list[str]) -> None:
        if len(cells) != len(self.header):
            self.skip(
                line, None, ",".join(cells)[:40],
                f"{len(cells)} fields, the header has {len(self.header)}; give every row one "
                "value per column",
            )  # fmt: skip
            return
        raw_date = cells[0].strip().strip('"')
        day = parse_history_date(raw_date)
        if day is None:
            self.skip(line, self.header[0], raw_date, f"date not understood; {_FIX_DATE}")
            return
        if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            lo, hi = DATE_RANGE
            self.skip(line, self.header[0], raw_date, f"date outside {lo}..{hi}; check the year")
            return
        if day in self.seen:
            self.skip(
                line, self.header[0], raw_date,
                f"date {day} appears twice (first on line {self.seen[day]}, which is kept); "
                "keep one row per date",
            )  # fmt: skip
            return
        values = []
        for j in self.cols:
            value, problem = _parse_yield(cells[j])
            if problem:
                self.skip(line, self.header[j], cells[j].strip(), problem)
                return
            values.append(value)
        self.seen[day] = line
        self.dates.append(day)
        self.values.append(values)
        self.lines.append(line)


def _parse_yield(text: str) -> tuple[float, str | None]:
    s = text.strip().strip('"').strip()
    if s.upper() in MISSING:
        return math.nan, None
    if len(s) > 40:
        return math.nan, f"a {len(s):,}-character cell is not a yield; enter the yield in percent"
    try:
        value = float(s)
    except ValueError:
        return math.nan, "not a number; leave the cell blank (or NA / '.') when not published"
    if not math.isfinite(value):
        return math.nan, "not a finite number; enter the yield, or leave the cell blank"
    lo, hi = YIELD_RANGE_PCT
    if not lo <= value <= hi:
        return math.nan, (
            f"outside {lo:g}..{hi:g}; yields must be in percent (4.25 = 4.25%), not decimals or bp"
        )
    return value, None


_DATE_FORMATS = (
    re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2})"),
    re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"),
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
)


def parse_history_date(text: str) -> dt.date | None:
    """A history date (M/D/YY with 90-99 -> 19xx, else 20xx; MM/DD/YYYY; YYYY-MM-DD) or None."""
    s = text.strip()
    for k, pattern in enumerate(_DATE_FORMATS):
        if m := pattern.fullmatch(s):
            if k == 2:
                year, month, day = int(m[1]), int(m[2]), int(m[3])
            else:
                month, day, year = int(m[1]), int(m[2]), int(m[3])
                if k == 0:
                    year += 1900 if year >= 90 else 2000
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def _detect_columns(
    header: list[str], label: str, header_line: int
) -> tuple[str, dict[int, int], list[str]]:
    """(format, file column -> tenor index, ignored column names) from the header row."""
    upper = [h.upper() for h in header]
    if any(h in GSW_PAR_COLUMNS or h.startswith("SVENY") for h in upper):
        mapping = _map_columns(upper, GSW_PAR_COLUMNS)
        if not mapping:
            raise HistoryFormatError(
                f"{label}: line {header_line}: GSW file without SVENPY01..SVENPY30 par-yield "
                "columns; download the full feds200628.csv (it holds both SVENY and SVENPY)"
            )
        return "gsw", mapping, []  # BETA/TAU/SVENY/SVENF columns are other representations
    if any(h.startswith("DGS") for h in upper[1:]):
        mapping = _map_columns(upper, FRED_SERIES)
        return "fred", mapping, [header[j] for j in range(1, len(header)) if j not in mapping]
    mapping, ignored = _map_treasury_columns(header)
    if len(mapping) < MIN_PUBLISHED_TENORS:
        raise HistoryFormatError(
            f"{label}: line {header_line}: header has {len(mapping)} recognised tenor "
            f"columns; {FORMATS_HELP}"
        )
    return "treasury", mapping, ignored


def _map_columns(upper: list[str], table: dict[str, str]) -> dict[int, int]:
    mapping: dict[int, int] = {}
    for j, h in enumerate(upper):
        if h in table and TENORS.index(table[h]) not in mapping.values():
            mapping[j] = TENORS.index(table[h])
    return mapping


def _map_treasury_columns(header: list[str]) -> tuple[dict[int, int], list[str]]:
    by_years = {round(float(y), 6): i for i, y in enumerate(TENOR_YEARS)}
    mapping, ignored = {}, []
    for j, col in enumerate(header[1:], start=1):
        m = _TENOR_HEADER.match(col)
        years = None
        if m:
            years = float(m.group(1)) / (12.0 if m.group(2).lower().startswith("mo") else 1.0)
        tenor = by_years.get(round(years, 6)) if years is not None else None
        if tenor is None or tenor in mapping.values():
            ignored.append(col)
        else:
            mapping[j] = tenor
    return mapping, ignored
