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

Bad rows (a date not understood or outside :data:`DATE_RANGE`, a repeated date, a yield that is
not a finite number or not in percent, the wrong number of cells, an unclosed quote) are skipped
and named in :attr:`HistoryLoad.notes` with line, column, value and fix; a file whose rows all
fail, or that has no usable header, raises :class:`HistoryFormatError` (reading:
:mod:`xmsim.marketdata.history_read`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from xmsim.market import TENOR_YEARS, TENORS, YieldHistory
from xmsim.marketdata.history_read import (
    DATE_RANGE,
    FORMATS_HELP,
    FRED_SERIES,
    GSW_PAR_COLUMNS,
    MAX_HISTORY_BYTES,
    MAX_HISTORY_ROWS,
    MIN_PUBLISHED_TENORS,
    YIELD_RANGE_PCT,
    HistoryFormatError,
    Raw,
    parse_history,
)
from xmsim.units import pct_to_dec
from xmsim.upload.table import TableError, decode, read_source

__all__ = [
    "DATE_RANGE",
    "FRED_SERIES",
    "GSW_PAR_COLUMNS",
    "MAX_HISTORY_BYTES",
    "MAX_HISTORY_ROWS",
    "MIN_PUBLISHED_TENORS",
    "YIELD_RANGE_PCT",
    "HistoryFormatError",
    "HistoryLoad",
    "fill_curve_gaps",
    "history_summary",
    "load_fred",
    "load_history",
    "read_fred",
    "read_history",
]


@dataclass(frozen=True, slots=True)
class HistoryLoad:
    """A loaded history with what the loader did to it.

    Attributes
    ----------
    history : the filled history, yields [decimal].
    notes : human-readable notes: skipped rows (line, column, value, fix), ignored columns,
        filled tenors.
    file_format : ``"treasury"``, ``"gsw"`` or ``"fred"``.
    """

    history: YieldHistory
    notes: tuple[str, ...]
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
    raw = parse_history(text, label)
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
        raw = parse_history(text, label)
        if raw.file_format != "fred":
            raise HistoryFormatError(f"{label}: line 1: not a FRED DGS file; {FORMATS_HELP}")
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
    merged_raw = Raw(dates, values, np.zeros(len(dates), int), notes, label, "fred")
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


# ----------------------------------------------------------------------------------- reading


def _read_text(source, name: str | None) -> tuple[str, str]:
    if isinstance(source, bytes | bytearray):
        label = name or "uploaded file"
    elif hasattr(source, "read"):
        label = name or Path(str(getattr(source, "name", "uploaded file"))).name
    else:
        label = name or Path(source).name
    if hasattr(source, "read") and isinstance(source.read(0), str):
        text = source.read(MAX_HISTORY_BYTES + 1)
        if len(text) > MAX_HISTORY_BYTES:
            raise HistoryFormatError(f"{label}: larger than {MAX_HISTORY_BYTES // 2**20} MB")
        return text, label
    try:
        data = read_source(source, max_bytes=MAX_HISTORY_BYTES, what="history file")
    except TableError as exc:
        if "not found" in str(exc):
            raise FileNotFoundError(str(exc)) from None
        raise HistoryFormatError(f"{label}: {exc}") from None
    return decode(data), label


def _finish(raw: Raw) -> HistoryLoad:
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
