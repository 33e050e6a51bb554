"""The portfolio upload loader (CSV, XLSX, pasted text or a DataFrame).

This module turns a source's records into positions and collects the issues of every row. Reading
the source and finding its header is :mod:`xmsim.upload.records`; the format itself (columns,
template, samples, limits) is in :mod:`xmsim.upload.format`, the cell parsers are in
:mod:`xmsim.upload.cells` and the checks of one row are in :mod:`xmsim.upload.rows`; their public
names are re-exported here (see ``__all__``), so ``from xmsim.upload.loader import ...`` is
unchanged.

Data problems never raise: each is a :class:`RowIssue` naming the row, column, value and fix.
Rows with errors are left out of the portfolio; rows with warnings are kept unchanged.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator

from xmsim.heap import gc_paused
from xmsim.portfolio import PRODUCTS, Portfolio
from xmsim.upload.batch import RowReader
from xmsim.upload.cells import CellError, is_empty, parse_expiry, show_cell
from xmsim.upload.format import (
    COLUMN_NAMES,
    COLUMNS,
    MAX_BYTES,
    MAX_CONTRACTS,
    MAX_COUPON_PCT,
    MAX_FACE_USD,
    MAX_ROWS,
    MAX_YEARS_TO_MATURITY,
    SAMPLE_ASOF,
    SAMPLES,
    TEMPLATE_CSV,
    Column,
    format_table_markdown,
    portfolio_to_frame,
    sample_dir,
    sample_paths,
)
from xmsim.upload.records import (
    _HEADER_SCAN_ROWS,
    Limits,
    _column_lookup,
    _count_known,
    _find_header,
    _norm_header,
    _records_from_source,
    _records_from_text,
)
from xmsim.upload.rows import ERROR, WARNING, LoadResult, RowIssue
from xmsim.upload.table import (
    LineProblem,
    TableError,
)

__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "ERROR",
    "MAX_BYTES",
    "MAX_CONTRACTS",
    "MAX_COUPON_PCT",
    "MAX_FACE_USD",
    "MAX_ROWS",
    "MAX_YEARS_TO_MATURITY",
    "PRODUCTS",
    "SAMPLES",
    "SAMPLE_ASOF",
    "TEMPLATE_CSV",
    "WARNING",
    "Column",
    "LoadResult",
    "RowIssue",
    "format_table_markdown",
    "load_portfolio",
    "load_portfolio_text",
    "parse_expiry",
    "portfolio_to_frame",
    "sample_dir",
    "sample_paths",
]


def _warning(
    message: str, row: int | None = None, column: str | None = None, value: str = ""
) -> RowIssue:
    return RowIssue(row, column, value, message, WARNING)


def _filled(records: Iterable, problems: list[RowIssue], text: bool) -> Iterator:
    """The records holding a value, in order; lines that could not be split are appended to
    ``problems``. Text records (``text``) come without blank ones
    (:func:`~xmsim.upload.table.iter_records` with ``blank=False``)."""
    for r in records:
        if isinstance(r, LineProblem):
            problems.append(RowIssue(r.line, None, show_cell(r.text), r.message, ERROR))
        elif text or any(not is_empty(c) for c in r[1]):
            yield r


def _limited(data: Iterator, lim: Limits) -> Iterator:
    """``data`` up to the row limit; one row past it is a file-level error."""
    for n, record in enumerate(data, 1):
        if n > lim.max_rows:
            raise CellError(f"more than {lim.max_rows:,} rows: {lim.advice}")
        yield record


def _fail(message: str, rest: Iterator) -> None:
    """Raise ``message`` once the rest of the file is read (a row limit met on the way is the
    file's first problem, as when the file is read whole)."""
    for _ in rest:
        pass
    raise CellError(message)


def _load_records(
    records: Iterable, asof: dt.date, fixed_header: bool, lim: Limits, text: bool = False
) -> LoadResult:
    """Records ``(row, cells)`` (or :class:`LineProblem`) -> portfolio and issues, streamed:
    the header is found in the first rows, then the data rows are parsed as they are read
    (``text``: every cell is a str)."""
    problems: list[RowIssue] = []
    stream = _filled(records, problems, text)
    head = list(itertools.islice(stream, _HEADER_SCAN_ROWS))
    if not head and problems:
        return LoadResult(Portfolio(), tuple(problems))
    if not head:
        raise CellError(
            "the file is empty: start from the template (a header row, then one row per position)"
        )
    at = 0 if fixed_header else _find_header(head)
    if at is None or _count_known(head[at][1]) == 0:
        _fail(
            "no recognisable columns: the first row must be a header naming at least "
            f"product and quantity (known columns: {', '.join(COLUMN_NAMES)}); start "
            "from the template",
            stream,
        )
    header_row, header = head[at]
    issues: list[RowIssue] = []
    if at:
        issues.append(_warning(f"rows above the header (row {header_row}) were ignored"))
    mapping: dict[int, str] = {}
    aliases: list[tuple[str, str]] = []
    for i, name in enumerate(header):
        column = _column_lookup().get(_norm_header(name))
        if column is None and not is_empty(name):
            issues.append(
                _warning(
                    f"unknown column '{show_cell(name)}' "
                    f"ignored (known columns: {', '.join(COLUMN_NAMES)})",
                    value=show_cell(name),
                )
            )
        elif column in mapping.values():
            issues.append(
                _warning(
                    f"column '{show_cell(name)}' repeats '{column}'; only the first one is used",
                    column=column,
                    value=show_cell(name),
                )
            )
        elif column is not None:
            mapping[i] = column
            if _norm_header(name) != _norm_header(column):
                aliases.append((show_cell(name), column))
    missing = [c for c in ("product", "quantity") if c not in mapping.values()]
    if missing:
        _fail(
            f"no {' or '.join(missing)} column: every upload needs product and quantity "
            "columns; start from the template",
            stream,
        )
    unnamed = [i for i, name in enumerate(header) if is_empty(name)]
    reader = RowReader(mapping, len(header), asof, text=text)
    with gc_paused():  # the rows make no reference cycles for the collector to find
        reader.read(_limited(itertools.chain(head[at + 1 :], stream), lim), unnamed)
    issues = problems + issues
    if not reader.n_rows and problems:
        return LoadResult(Portfolio(), tuple(issues), tuple(aliases))
    if not reader.n_rows:
        raise CellError("no positions below the header row: add one row per position")
    issues.extend(reader.issues)
    if reader.stray:
        stray = reader.stray
        shown = ", ".join(map(str, stray[:5])) + (" ..." if len(stray) > 5 else "")
        issues.insert(
            0,
            _warning(
                f"values under no column name (rows {shown}) "
                "were ignored: give the column a header or delete the values"
            ),
        )
    return LoadResult(reader.portfolio(), tuple(issues), tuple(aliases))


# ---------------------------------------------------------------------------- public API


def load_portfolio(
    source: object,
    *,
    asof: dt.date,
    filename: str | None = None,
    max_rows: int | None = None,
    max_bytes: int | None = None,
) -> LoadResult:
    """Load a portfolio upload and report every problem.

    Parameters
    ----------
    source : a path (``str`` or ``Path``), ``bytes``, a binary or text file-like object (read
        from its start), a ``pandas.DataFrame`` (its columns are the header; NaN = empty), or the
        text of a table. CSV vs XLSX is decided by magic bytes, then by the file name.
    asof : the valuation date; matured bonds and expired futures are errors.
    filename : the upload's name, when ``source`` is bytes or a file object.
    max_rows, max_bytes : the file-level limits [rows, bytes] (default :data:`MAX_ROWS`,
        :data:`MAX_BYTES`); a larger file is one clear issue naming the limit.

    Returns
    -------
    LoadResult with the valid rows in file order (``Position.row`` = spreadsheet row) and the
    issues. File-level problems (empty, binary, no recognisable columns, over 50 MB or 200,000
    rows) give one issue with ``row=None`` and an empty portfolio. Never raises on user data.
    """
    if not isinstance(asof, dt.date):
        raise TypeError(f"asof must be a datetime.date, got {type(asof).__name__}")
    asof = asof.date() if isinstance(asof, dt.datetime) else asof
    try:
        lim = Limits(max_rows or MAX_ROWS, max_bytes or MAX_BYTES)
        records, fixed_header, text = _records_from_source(source, filename, lim)
        return _load_records(records, asof, fixed_header, lim, text)
    except (CellError, TableError) as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))


def load_portfolio_text(text: str, *, asof: dt.date) -> LoadResult:
    """Load text pasted in the app: CSV, or tab-, semicolon- or pipe-separated cells."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(asof, dt.date):
        raise TypeError(f"asof must be a datetime.date, got {type(asof).__name__}")
    try:
        lim = Limits(MAX_ROWS, MAX_BYTES)
        return _load_records(_records_from_text(text, lim), asof, False, lim, True)
    except (CellError, TableError) as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))
