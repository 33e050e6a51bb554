"""The portfolio upload loader (CSV, XLSX, pasted text or a DataFrame).

This module reads files, finds the header and collects the issues of every row. The format itself
(columns, template, samples, limits) is in :mod:`xmsim.upload.format`, the cell parsers are in
:mod:`xmsim.upload.cells` and the checks of one row are in :mod:`xmsim.upload.rows`; their public
names
are re-exported here (see ``__all__``), so ``from xmsim.upload.loader import ...`` is unchanged.

Data problems never raise: each is a :class:`RowIssue` naming the row, column, value and fix.
Rows with errors are left out of the portfolio; rows with warnings are kept unchanged.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from xmsim.portfolio import PRODUCTS, Portfolio, Position
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
from xmsim.upload.rows import ERROR, WARNING, RowIssue, parse_row

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

_HEADER_SCAN_ROWS = 20  # a title block above the header is tolerated within this many rows

# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A loaded portfolio (valid rows only, in file order) and every issue found."""

    portfolio: Portfolio
    issues: tuple[RowIssue, ...] = ()

    @property
    def errors(self) -> tuple[RowIssue, ...]:
        return tuple(i for i in self.issues if i.severity == ERROR)

    @property
    def warnings(self) -> tuple[RowIssue, ...]:
        return tuple(i for i in self.issues if i.severity == WARNING)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def rejected_rows(self) -> tuple[int, ...]:
        """Spreadsheet rows left out of the portfolio because of an error, ascending."""
        return tuple(sorted({i.row for i in self.errors if i.row is not None}))

    def summary(self) -> str:
        """One line: positions loaded, rows rejected, warnings."""
        return (
            f"{len(self.portfolio)} positions loaded, {len(self.rejected_rows)} rows rejected, "
            f"{len(self.errors)} errors, {len(self.warnings)} warnings"
        )

    def to_frame(self) -> pd.DataFrame:
        """Issues as a table: row, column, value, severity, message."""
        fields = ("row", "column", "value", "severity", "message")
        rows = [{f: getattr(i, f) for f in fields} for i in self.issues]
        frame = pd.DataFrame(rows, columns=list(fields))
        frame["row"] = frame["row"].astype("Int64")
        return frame


# ---------------------------------------------------------------------------- files


def _norm_header(text: object) -> str:
    text = re.sub(r"[(\[].*?[)\]]", "", show_cell(text))
    return re.sub(r"[\s_\-.]+", "", text).lower()


@cache
def _column_lookup() -> dict[str, str]:
    lookup = {}
    for column in COLUMNS:
        for name in (column.name, *column.aliases):
            lookup[_norm_header(name)] = column.name
    return lookup


def _count_known(cells: list) -> int:
    return len({_column_lookup().get(_norm_header(c)) for c in cells if not is_empty(c)} - {None})


def _find_header(records: list) -> int | None:
    counts = [_count_known(cells) for _, cells in records[:_HEADER_SCAN_ROWS]]
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))


def _check_text(text: str) -> None:
    head = text[:65536]
    controls = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f")
    if "\x00" in head or controls > max(2, len(head) // 200):
        raise CellError(
            "this does not look like a table (it holds binary data): upload a .csv or "
            ".xlsx file, or paste the cells as text"
        )
    if len(text) > MAX_BYTES:
        raise CellError(f"the text is larger than {MAX_BYTES // 2**20} MB: split the portfolio")


def _records_from_text(text: str) -> list[tuple[int, list]]:
    _check_text(text)
    text = text.lstrip("\ufeff")
    lines = [line for line in text.splitlines()[: _HEADER_SCAN_ROWS * 2] if line.strip()]
    best, delimiter = (-1, -1), ","
    for candidate in (",", "\t", ";", "|"):
        rows = list(csv.reader(lines, delimiter=candidate))
        score = (max(map(_count_known, rows), default=0), max(map(len, rows), default=0))
        if score > best:
            best, delimiter = score, candidate
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [(n, cells) for n, cells in enumerate(reader, 1) if n <= MAX_ROWS + 100]
    except csv.Error as exc:
        raise CellError(f"cannot read the text as a table ({exc}): save it again as CSV") from None


def _records_from_xlsx(data: bytes) -> list[tuple[int, list]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any parser failure on user bytes is a file problem
        raise CellError(
            f"cannot open the file as an Excel workbook ({type(exc).__name__}): save it "
            "again as .xlsx or .csv"
        ) from None
    try:
        for sheet in book.worksheets:
            head = [
                (n, list(v)) for n, v in enumerate(sheet.iter_rows(max_row=40, values_only=True), 1)
            ]
            if _find_header([rec for rec in head if any(not is_empty(c) for c in rec[1])]) is None:
                continue
            rows = sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 100, values_only=True)
            return [(n, list(values)) for n, values in enumerate(rows, 1)]
        return []
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CellError(f"cannot read the Excel workbook ({exc}): save it again as .xlsx") from None
    finally:
        book.close()


def _records_from_bytes(data: bytes, filename: str | None) -> list[tuple[int, list]]:
    if len(data) > MAX_BYTES:
        raise CellError(f"the file is larger than {MAX_BYTES // 2**20} MB: split the portfolio")
    suffix = Path(filename).suffix.lower() if filename else ""
    if data[:4] == b"PK\x03\x04":
        return _records_from_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise CellError("old Excel .xls files are not read: save the sheet as .xlsx or .csv")
    if suffix in (".xlsx", ".xlsm"):
        raise CellError(f"the file is named {suffix} but is not an Excel workbook: save it again")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _records_from_text(data.decode("utf-16", errors="replace"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return _records_from_text(text)


def _records_from_frame(frame: pd.DataFrame) -> list[tuple[int, list]]:
    if len(frame) > MAX_ROWS:
        raise CellError(
            f"{len(frame):,} rows is beyond the {MAX_ROWS:,}-row limit: split the portfolio"
        )
    rows = frame.astype(object).itertuples(index=False, name=None)
    records = [(1, [str(c) for c in frame.columns])]
    records += [
        (n, [v.item() if isinstance(v, np.generic) else v for v in row])
        for n, row in enumerate(rows, 2)
    ]
    return records


def _looks_like_path(text: str) -> bool:
    if "\n" in text or len(text) > 1024:
        return False
    try:
        path = Path(text)
        return (
            path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
            or path.is_file()
        )
    except (OSError, ValueError):
        return False


def _records_from_source(source: object, filename: str | None) -> tuple[list, bool]:
    if isinstance(source, pd.DataFrame):
        return _records_from_frame(source), True
    if isinstance(source, bytes | bytearray | memoryview):
        return _records_from_bytes(bytes(source), filename), False
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        if not path.is_file():
            raise CellError(f"file not found: {path}")
        if path.stat().st_size > MAX_BYTES:
            raise CellError(f"the file is larger than {MAX_BYTES // 2**20} MB: split the portfolio")
        return _records_from_bytes(path.read_bytes(), filename or path.name), False
    if isinstance(source, str):
        return _records_from_text(source), False
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)  # re-reading an upload widget's buffer starts from the top
        data = source.read(MAX_BYTES + 1)
        name = filename or getattr(source, "name", None)
        if isinstance(data, str):
            return _records_from_text(data), False
        return _records_from_bytes(bytes(data), str(name) if name else None), False
    raise TypeError(f"cannot load a portfolio from a {type(source).__name__}")


def _warning(
    message: str, row: int | None = None, column: str | None = None, value: str = ""
) -> RowIssue:
    return RowIssue(row, column, value, message, WARNING)


def _load_records(records: list, asof: dt.date, fixed_header: bool) -> LoadResult:
    records = [(n, cells) for n, cells in records if any(not is_empty(c) for c in cells)]
    if not records:
        raise CellError(
            "the file is empty: start from the template (a header row, then one row per position)"
        )
    at = 0 if fixed_header else _find_header(records)
    if at is None or _count_known(records[at][1]) == 0:
        raise CellError(
            "no recognisable columns: the first row must be a header naming at least "
            f"product and quantity (known columns: {', '.join(COLUMN_NAMES)}); start "
            "from the template"
        )
    header_row, header = records[at]
    issues: list[RowIssue] = []
    if at:
        issues.append(_warning(f"rows above the header (row {header_row}) were ignored"))
    mapping: dict[int, str] = {}
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
    missing = [c for c in ("product", "quantity") if c not in mapping.values()]
    if missing:
        raise CellError(
            f"no {' or '.join(missing)} column: every upload needs product and quantity "
            "columns; start from the template"
        )
    data = records[at + 1 :]
    if not data:
        raise CellError("no positions below the header row: add one row per position")
    if len(data) > MAX_ROWS:
        raise CellError(f"more than {MAX_ROWS:,} rows: split the portfolio into smaller files")
    unnamed = [i for i, name in enumerate(header) if is_empty(name)]
    stray: list[int] = []
    positions: list[Position] = []
    first_seen: dict[Position, int] = {}
    for row, cells in data:
        if any(
            not is_empty(c)
            for c in [cells[i] for i in unnamed if i < len(cells)] + cells[len(header) :]
        ):
            stray.append(row)
        values = {col: cells[i] for i, col in mapping.items() if i < len(cells)}
        if all(is_empty(v) for v in values.values()):
            issues.append(_warning("the row has values only in unknown columns; ignored", row))
            continue
        position, row_issues = parse_row(row, values, asof)
        issues.extend(row_issues)
        if position is None:
            continue
        first = first_seen.setdefault(dataclasses.replace(position, row=0), row)
        if first != row:
            issues.append(
                _warning(
                    f"row {row} is identical to row {first}; both "
                    "are kept: delete one if it was entered twice",
                    row,
                )
            )
        positions.append(position)
    if stray:
        shown = ", ".join(map(str, stray[:5])) + (" ..." if len(stray) > 5 else "")
        issues.insert(
            0,
            _warning(
                f"values under no column name (rows {shown}) "
                "were ignored: give the column a header or delete the values"
            ),
        )
    return LoadResult(Portfolio(tuple(positions)), tuple(issues))


# ---------------------------------------------------------------------------- public API


def load_portfolio(source: object, *, asof: dt.date, filename: str | None = None) -> LoadResult:
    """Load a portfolio upload and report every problem.

    Parameters
    ----------
    source : a path (``str`` or ``Path``), ``bytes``, a binary or text file-like object (read
        from its start), a ``pandas.DataFrame`` (its columns are the header; NaN = empty), or the
        text of a table. CSV vs XLSX is decided by magic bytes, then by the file name.
    asof : the valuation date; matured bonds and expired futures are errors.
    filename : the upload's name, when ``source`` is bytes or a file object.

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
        records, fixed_header = _records_from_source(source, filename)
        return _load_records(records, asof, fixed_header)
    except CellError as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))


def load_portfolio_text(text: str, *, asof: dt.date) -> LoadResult:
    """Load text pasted in the app: CSV, or tab-, semicolon- or pipe-separated cells."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(asof, dt.date):
        raise TypeError(f"asof must be a datetime.date, got {type(asof).__name__}")
    try:
        return _load_records(_records_from_text(text), asof, False)
    except CellError as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))
