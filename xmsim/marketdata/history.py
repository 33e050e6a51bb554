"""Loaders for real Treasury yield histories -> :class:`~xmsim.market.YieldHistory`.

Three public formats are read, detected from the header row:

* **U.S. Treasury daily par yield curve CSV** (``Date,1 Mo,2 Mo,3 Mo,...,30 Yr``), as downloaded
  from home.treasury.gov or the shared 1990–2024 file: newest or oldest first, dates ``M/D/YY``
  (two-digit years 90–99 are 19xx, all others 20xx) or ``MM/DD/YYYY``; blank cells where a tenor was
  not published; rows blank in every tenor (e.g. 2010-10-11) are holiday rows and are dropped.
  Tenor columns the simulator does not model (``1.5 Month``, ``6 Wk`` ...) are ignored with a note.
* **Federal Reserve GSW fitted curve** ``feds200628.csv``: preamble lines, then a ``Date`` header;
  ISO dates; ``NA`` cells. The ``SVENPY01``..``SVENPY30`` par yields [%] give 1, 2, 3, 5, 7, 10, 20
  and 30 years; GSW publishes no bill tenors, so 1M–6M come from the fill rule below (flat
  extrapolation from the 1-year par yield) and are marked filled.
* **FRED** ``DGS*`` files (``observation_date,DGS10`` or ``DATE,DGS10``, ``.`` for missing): one
  file with several series, or several one-series files merged with :func:`load_fred`.

Fill rule (the same for every format)
-------------------------------------
On each day, a tenor that was not published is **linearly interpolated in maturity [years]**
between the nearest published tenors of that day; below the shortest or beyond the longest
published tenor it takes that tenor's yield (**flat extrapolation**). Days with **fewer than 3**
published tenors are dropped and reported. ``YieldHistory.filled`` marks every filled cell.
[ASSUMED: a documented convention, not a Treasury rule.]

Bad files raise :class:`HistoryFormatError`, whose message names the line and the fix.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from xmsim.market import TENOR_YEARS, TENORS, YieldHistory
from xmsim.units import pct_to_dec

MIN_PUBLISHED_TENORS = 3
"""Days with fewer published tenors than this are dropped [count]. [ASSUMED]"""

YIELD_RANGE_PCT = (-5.0, 30.0)
"""Plausible par yields [percent]; values outside are taken as a unit error. [ASSUMED]"""

FRED_SERIES: dict[str, str] = {
    "DGS1MO": "1M",
    "DGS2MO": "2M",
    "DGS3MO": "3M",
    "DGS4MO": "4M",
    "DGS6MO": "6M",
    "DGS1": "1Y",
    "DGS2": "2Y",
    "DGS3": "3Y",
    "DGS5": "5Y",
    "DGS7": "7Y",
    "DGS10": "10Y",
    "DGS20": "20Y",
    "DGS30": "30Y",
}
"""FRED constant-maturity series id -> tenor."""

GSW_PAR_COLUMNS: dict[str, str] = {f"SVENPY{int(t[:-1]):02d}": t for t in TENORS if t[-1] == "Y"}
"""GSW par-yield column -> tenor (1Y..30Y; GSW has no bill tenors)."""

_MISSING = ("", "NA", "N/A", ".", "NAN", "ND", "#N/A")
_TENOR_HEADER = re.compile(r"^(\d+(?:\.\d+)?)\s*(mo|mos|month|months|yr|yrs|year|years)$", re.I)
_FIX_DATE = "write dates as M/D/YY, MM/DD/YYYY or YYYY-MM-DD"
_FORMATS_HELP = (
    "expected a U.S. Treasury par yield curve CSV (header 'Date,1 Mo,...,30 Yr'), the Fed GSW "
    "feds200628.csv (header 'Date,...,SVENPY01,...') or FRED files ('observation_date,DGS10')"
)


class HistoryFormatError(ValueError):
    """A yield-history file could not be read; the message names the line and the fix."""


@dataclass(frozen=True, slots=True)
class HistoryLoad:
    """A loaded history with what the loader did to it.

    Attributes
    ----------
    history : the filled history, yields [decimal].
    notes : human-readable notes: dropped rows, ignored columns, filled tenors.
    file_format : ``"treasury"``, ``"gsw"`` or ``"fred"``.
    """

    history: YieldHistory
    notes: tuple[str, ...]
    file_format: str


@dataclass(slots=True)
class _Raw:
    """One parsed file before cleaning: values in percent, NaN where not published."""

    dates: np.ndarray  # datetime64[D], (n_rows,)
    values_pct: np.ndarray  # (n_rows, n_tenors)
    lines: np.ndarray  # 1-based file line of each row, (n_rows,)
    notes: list[str]
    name: str
    file_format: str


def load_history(
    source: str | os.PathLike | bytes | IO, *, name: str | None = None
) -> YieldHistory:
    """Load a Treasury, GSW or FRED yield-history file, detecting the format.

    Parameters
    ----------
    source : a path, the file's bytes, or an open file (e.g. an upload).
    name : label used in the source string; default the file name.

    Returns
    -------
    YieldHistory with yields [decimal], shape (n_days, n_tenors), dates ascending, gaps filled by
    the module's fill rule and flagged in ``filled``.

    Raises
    ------
    HistoryFormatError
        Malformed file; the message names the line number and the fix.
    """
    return read_history(source, name=name).history


def read_history(source: str | os.PathLike | bytes | IO, *, name: str | None = None) -> HistoryLoad:
    """Like :func:`load_history`, also returning the loader's notes and the detected format."""
    text, label = _read_text(source, name)
    raw = _parse(text, label)
    if raw.file_format == "fred" and np.isfinite(raw.values_pct).any(axis=0).sum() < 3:
        raise HistoryFormatError(
            f"{label}: a FRED file with one series cannot make a curve (at least "
            f"{MIN_PUBLISHED_TENORS} tenors are needed); pass several DGS files to "
            "xmsim.marketdata.history.load_fred([...]) or download them as one multi-series CSV"
        )
    return _finish(raw)


def load_fred(sources: Iterable[str | os.PathLike], *, name: str | None = None) -> YieldHistory:
    """Merge FRED ``DGS*`` files (one or more series each) into one history.

    Parameters
    ----------
    sources : paths of FRED CSV files, e.g. ``["DGS3MO.csv", "DGS2.csv", "DGS10.csv"]``;
        series ids are mapped by :data:`FRED_SERIES`.
    name : label; default the joined file names.

    Returns
    -------
    YieldHistory on the union of the files' dates, filled by the module's fill rule.
    """
    return read_fred(sources, name=name).history


def read_fred(sources: Iterable[str | os.PathLike], *, name: str | None = None) -> HistoryLoad:
    """Like :func:`load_fred`, also returning the loader's notes."""
    raws = []
    for src in sources:
        text, label = _read_text(src, None)
        raw = _parse(text, label)
        if raw.file_format != "fred":
            raise HistoryFormatError(f"{label}: line 1: not a FRED DGS file; {_FORMATS_HELP}")
        raws.append(raw)
    if not raws:
        raise HistoryFormatError("load_fred needs at least one file")
    frames = []
    for raw in raws:
        cols = np.flatnonzero(np.isfinite(raw.values_pct).any(axis=0))
        frame = pd.DataFrame(raw.values_pct[:, cols], index=raw.dates, columns=cols)
        clash = set(cols) & {c for f in frames for c in f.columns}
        if clash:
            dup = ", ".join(TENORS[c] for c in sorted(clash))
            raise HistoryFormatError(f"{raw.name}: tenor {dup} is in two files; pass it once")
        frames.append(frame)
    merged = pd.concat(frames, axis=1, join="outer").sort_index()
    values = np.full((len(merged), len(TENORS)), np.nan)
    values[:, merged.columns.to_numpy(int)] = merged.to_numpy(float)
    if np.isfinite(values).any(axis=0).sum() < MIN_PUBLISHED_TENORS:
        raise HistoryFormatError(
            f"FRED files give fewer than {MIN_PUBLISHED_TENORS} tenors; add more DGS series"
        )
    label = name or " + ".join(r.name for r in raws)
    notes = [n for r in raws for n in r.notes]
    dates = merged.index.to_numpy().astype("datetime64[D]")
    merged_raw = _Raw(dates, values, np.zeros(len(dates), int), notes, label, "fred")
    return _finish(merged_raw)


def fill_curve_gaps(
    values: np.ndarray, maturities_years: np.ndarray = TENOR_YEARS
) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaN tenors day by day: linear in maturity inside, flat outside the published range.

    Parameters
    ----------
    values : yields (any unit), NaN where not published, shape (n_days, n_tenors).
    maturities_years : maturity of each column [years], ascending, shape (n_tenors,).

    Returns
    -------
    (filled, was_filled): filled yields, shape (n_days, n_tenors) (rows with no value stay NaN),
    and a bool mask of the cells that were filled.
    """
    v = np.asarray(values, dtype=float)
    have = np.isfinite(v)
    n_tenors = v.shape[1]
    idx = np.arange(n_tenors)
    left = np.maximum.accumulate(np.where(have, idx, -1), axis=1)
    right = np.minimum.accumulate(np.where(have, idx, n_tenors)[:, ::-1], axis=1)[:, ::-1]
    lo = np.clip(np.where(left < 0, right, left), 0, n_tenors - 1)
    hi = np.clip(np.where(right >= n_tenors, left, right), 0, n_tenors - 1)
    x = np.asarray(maturities_years, dtype=float)
    span = x[hi] - x[lo]
    weight = np.divide(x - x[lo], span, out=np.zeros_like(span), where=span > 0)
    v_lo = np.take_along_axis(v, lo, axis=1)
    v_hi = np.take_along_axis(v, hi, axis=1)
    return np.where(have, v, v_lo + weight * (v_hi - v_lo)), ~have


def history_summary(h: YieldHistory) -> dict:
    """Plain-value summary for the UI: size, dates, source and the filled share per tenor.

    Returns
    -------
    dict with ``n_days``, ``start``, ``end`` (``datetime.date``), ``source``, ``synthetic``,
    ``filled_share`` (tenor -> share of filled days [0..1]) and ``filled_share_total``.
    """
    share = h.filled.mean(axis=0) if h.dates.size else np.zeros(len(TENORS))
    return {
        "n_days": int(h.dates.size),
        "start": h.start if h.dates.size else None,
        "end": h.end if h.dates.size else None,
        "source": h.source,
        "synthetic": bool(h.synthetic),
        "filled_share": {t: float(s) for t, s in zip(TENORS, share, strict=True)},
        "filled_share_total": float(h.filled.mean()) if h.dates.size else 0.0,
    }


# ----------------------------------------------------------------------------------- parsing


def _read_text(source, name: str | None) -> tuple[str, str]:
    if isinstance(source, bytes | bytearray):
        data, label = bytes(source), name or "uploaded file"
    elif hasattr(source, "read"):
        data = source.read()
        label = name or Path(getattr(source, "name", "uploaded file")).name
    else:
        path = Path(source)
        data, label = path.read_bytes(), name or path.name
    if isinstance(data, str):
        return data, label
    try:
        return data.decode("utf-8-sig"), label
    except UnicodeDecodeError:
        return data.decode("latin-1"), label


def _parse(text: str, label: str) -> _Raw:
    lines = text.splitlines()
    header_at = None
    for i, line in enumerate(lines[:200]):
        first = line.split(",", 1)[0].strip().strip('"').strip().lower()
        if first in ("date", "observation_date") and "," in line:
            header_at = i
            break
    if header_at is None:
        raise HistoryFormatError(
            f"{label}: line 1: no header row starting with 'Date'; {_FORMATS_HELP}"
        )
    header = [h.strip().strip('"').strip() for h in next(csv.reader([lines[header_at]]))]
    file_format, mapping, ignored = _detect_columns(header, label, header_at + 1)
    notes = []
    if ignored:
        notes.append(f"{label}: ignored columns not modelled: {', '.join(ignored)}")
    if file_format == "gsw":
        notes.append(
            f"{label}: GSW has no 1M–6M tenors; filled flat from the 1-year par yield (fill rule)"
        )
    body = [(k, ln) for k, ln in enumerate(lines[header_at + 1 :], start=header_at + 2)]
    body = [(k, ln) for k, ln in body if ln.strip()]
    if not body:
        raise HistoryFormatError(f"{label}: line {header_at + 2}: no data rows after the header")
    line_no = np.array([k for k, _ in body], dtype=int)
    n_fields = np.array([_count_fields(ln) for _, ln in body])
    bad = np.flatnonzero(n_fields != len(header))
    if bad.size:
        i = bad[0]
        raise HistoryFormatError(
            f"{label}: line {line_no[i]}: {n_fields[i]} fields, the header on line "
            f"{header_at + 1} has {len(header)}; fix the row so every row has one value per column"
        )
    cols = sorted(mapping)
    table = pd.read_csv(
        io.StringIO("\n".join(ln for _, ln in body)),
        header=None,
        names=list(range(len(header))),
        usecols=[0, *cols],
        dtype={0: str},
        na_values=[*_MISSING, *(m.lower() for m in _MISSING)],
        keep_default_na=False,
        skipinitialspace=True,
    )
    dates = _parse_dates(table[0], line_no, label)
    values = np.full((len(body), len(TENORS)), np.nan)
    values[:, [mapping[j] for j in cols]] = _parse_numbers(
        table[cols], line_no, [header[j] for j in cols], label
    )
    return _Raw(dates, values, line_no, notes, label, file_format)


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
            f"columns; {_FORMATS_HELP}"
        )
    return "treasury", mapping, ignored


def _map_columns(upper: list[str], table: dict[str, str]) -> dict[int, int]:
    return {j: TENORS.index(table[h]) for j, h in enumerate(upper) if h in table}


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


def _count_fields(line: str) -> int:
    return len(next(csv.reader([line]))) if '"' in line else line.count(",") + 1


def _parse_dates(cells: pd.Series, line_no: np.ndarray, label: str) -> np.ndarray:
    s = cells.fillna("").astype(str).str.strip()
    two_digit = pd.to_datetime(s, format="%m/%d/%y", errors="coerce")
    # Two-digit years: 90-99 -> 1990s (the Treasury series starts in 1990), every other -> 20xx;
    # strptime's own pivot puts 69-89 in the 1900s, so move those a century on.
    early = (two_digit.dt.year < 1990).to_numpy()
    if early.any():
        moved = two_digit[early]
        two_digit[early] = pd.to_datetime(
            {"year": moved.dt.year + 100, "month": moved.dt.month, "day": moved.dt.day}
        )
    stamps = two_digit.fillna(pd.to_datetime(s, format="%m/%d/%Y", errors="coerce"))
    stamps = stamps.fillna(pd.to_datetime(s, format="%Y-%m-%d", errors="coerce"))
    bad = np.flatnonzero(stamps.isna().to_numpy())
    if bad.size:
        i = bad[0]
        raise HistoryFormatError(
            f"{label}: line {line_no[i]}: date {s.iloc[i]!r} not understood; {_FIX_DATE}"
        )
    return stamps.to_numpy().astype("datetime64[D]")


def _parse_numbers(
    table: pd.DataFrame, line_no: np.ndarray, names: list[str], label: str
) -> np.ndarray:
    for c, name in zip(table.columns, names, strict=True):
        if not pd.api.types.is_numeric_dtype(table[c]):
            text = table[c].astype(str).str.strip()
            hit = np.flatnonzero(pd.to_numeric(text, errors="coerce").isna() & table[c].notna())
            raise HistoryFormatError(
                f"{label}: line {line_no[hit[0]]}, column {name!r}: value {text.iloc[hit[0]]!r} "
                "is not a number; leave the cell blank (or NA / '.') when not published"
            )
    nums = table.to_numpy(dtype=float)
    lo, hi = YIELD_RANGE_PCT
    hit = np.argwhere(np.isfinite(nums) & ((nums < lo) | (nums > hi)))
    if hit.size:
        r, c = hit[0]
        raise HistoryFormatError(
            f"{label}: line {line_no[r]}, column {names[c]!r}: value {nums[r, c]:g} is outside "
            f"{lo:g}..{hi:g}; yields must be in percent (4.25 = 4.25%), not decimals or bp"
        )
    return nums


def _finish(raw: _Raw) -> HistoryLoad:
    order = np.argsort(raw.dates, kind="stable")
    dates, values, lines = raw.dates[order], raw.values_pct[order], raw.lines[order]
    dup = np.flatnonzero(dates[1:] == dates[:-1])
    if dup.size:
        i = dup[0]
        raise HistoryFormatError(
            f"{raw.name}: lines {lines[i]} and {lines[i + 1]}: date {dates[i]} appears twice; "
            "keep one row per date"
        )
    notes = list(raw.notes)
    published = np.isfinite(values).sum(axis=1)
    blank = published == 0
    thin = (published > 0) & (published < MIN_PUBLISHED_TENORS)
    if blank.any():
        notes.append(f"dropped {int(blank.sum())} holiday row(s) with no yields")
    if thin.any():
        shown = ", ".join(str(d) for d in dates[thin][:5]) + (" ..." if thin.sum() > 5 else "")
        notes.append(
            f"dropped {int(thin.sum())} day(s) with fewer than {MIN_PUBLISHED_TENORS} published "
            f"tenors: {shown}"
        )
    keep = ~(blank | thin)
    dates, values = dates[keep], values[keep]
    if dates.size == 0:
        raise HistoryFormatError(f"{raw.name}: no day has {MIN_PUBLISHED_TENORS} or more yields")
    filled_values, filled = fill_curve_gaps(values)
    share = filled.mean(axis=0)
    partly = [
        f"{t} {s:.1%}" if s >= 0.001 else f"{t} <0.1%"
        for t, s in zip(TENORS, share, strict=True)
        if s > 0
    ]
    if partly:
        notes.append("filled by the fill rule (share of days): " + ", ".join(partly))
    source = f"{raw.name}, {dates[0]} to {dates[-1]}"
    history = YieldHistory(dates, pct_to_dec(filled_values), source, filled=filled)
    return HistoryLoad(history, tuple(notes), raw.file_format)
