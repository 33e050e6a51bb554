"""The portfolio upload loader (CSV, XLSX, pasted text or a DataFrame).

This module reads files, finds the header, checks each row and reports issues. The format itself
(columns, template, samples, limits) is in :mod:`xmsim.upload_format` and the cell parsers are in
:mod:`xmsim.cells`; their public names are re-exported here (see ``__all__``), so
``from xmsim.loader import ...`` is unchanged.

Data problems never raise: each is a :class:`RowIssue` naming the row, column, value and fix.
Rows with errors are left out of the portfolio; rows with warnings are kept unchanged.
"""

# Over the ~400-line house limit: the row checks (_Row, _parse_row, _check_*) can move to their
# own module in a follow-up (this split was limited to three files).

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

from xmsim.cells import (
    _Bad,
    _is_empty,
    _parse_contract,
    _parse_coupon,
    _parse_cusip,
    _parse_date,
    _parse_expiry,
    _parse_number,
    _parse_price,
    _parse_product,
    _show,
    _text,
    parse_expiry,
)
from xmsim.contracts import last_trade_date
from xmsim.cusip import TREASURY_PREFIX
from xmsim.portfolio import (
    AGENCY,
    BILL,
    CASH_PRODUCTS,
    FUTURE,
    HOUSE,
    MBS,
    OPTION,
    PRODUCTS,
    REPO,
    REVERSE_REPO,
    STRIPS,
    TIPS,
    UST,
    Portfolio,
    Position,
)
from xmsim.upload_format import (
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
    sample_dir,
    sample_paths,
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

ERROR = "error"
WARNING = "warning"

_HEADER_SCAN_ROWS = 20  # a title block above the header is tolerated within this many rows
_TREASURY_LIKE = (*CASH_PRODUCTS, TIPS, STRIPS, BILL)
_CASH_FIELDS = ("coupon", "maturity", "cusip", "issue_date", "price")
_RELEVANT = {p: _CASH_FIELDS for p in (UST, TIPS, STRIPS, BILL, AGENCY, MBS)} | {
    REPO: (*_CASH_FIELDS, "end_date"),
    REVERSE_REPO: (*_CASH_FIELDS, "end_date"),
    FUTURE: ("contract", "expiry"),
    OPTION: ("contract", "expiry"),
}

# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class RowIssue:
    """One problem found in an upload.

    Attributes
    ----------
    row : spreadsheet row (header = 1, first data row = 2); ``None`` for a file-level issue.
    column : canonical column name (or the header as written, for an unknown column).
    value : the offending value as text (``''`` when missing).
    message : what is wrong and how to fix it.
    severity : ``"error"`` (row rejected) or ``"warning"`` (row kept).
    """

    row: int | None
    column: str | None
    value: str
    message: str
    severity: str

    def __post_init__(self) -> None:
        if self.severity not in (ERROR, WARNING):
            raise ValueError(f"severity must be {ERROR!r} or {WARNING!r}, got {self.severity!r}")


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


# ---------------------------------------------------------------------------- rows


class _Row:
    """Issues of one data row; parses its cells one by one so every bad cell is reported."""

    __slots__ = ("cells", "issues", "row")

    def __init__(self, row: int, cells: dict[str, object]) -> None:
        self.row, self.cells, self.issues = row, cells, []

    def add(self, column: str | None, message: str, severity: str = ERROR) -> None:
        value = _show(self.cells.get(column)) if column else ""
        self.issues.append(RowIssue(self.row, column, value, message, severity))

    def get(self, column: str, parser, missing: str | None = None, soft: bool = False):
        raw = self.cells.get(column)
        if _is_empty(raw):
            if missing:
                self.add(column, missing)
            return None
        try:
            return parser(raw)
        except _Bad as exc:
            self.add(column, f"{exc} (ignored)" if soft else str(exc), WARNING if soft else ERROR)
            return None

    @property
    def failed(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)


_MISSING = {
    "coupon": (CASH_PRODUCTS, "the coupon in percent, e.g. 4.25"),
    "maturity": (CASH_PRODUCTS, "the maturity date, e.g. 2034-11-15"),
    "end_date": ((REPO, REVERSE_REPO), "the repo close date, e.g. 2026-08-31"),
    "expiry": ((FUTURE,), "the contract month, e.g. 2026-12 or ZNZ6"),
}


@cache
def _last_trade(code: str, year: int, month: int) -> dt.date:
    return last_trade_date(code, dt.date(year, month, 1))


def _parse_row(row: int, cells: dict[str, object], asof: dt.date) -> tuple[Position | None, list]:
    r = _Row(row, cells)
    product = r.get(
        "product",
        _parse_product,
        "product is missing: enter UST, REPO, "
        "REVERSE_REPO or FUTURE (or TIPS, STRIPS, BILL, AGENCY, MBS, OPTION)",
    )
    quantity = r.get(
        "quantity",
        _parse_number,
        "quantity is missing: enter the face in USD "
        "(cash and repos) or the number of contracts (futures)",
    )
    parsers = {
        "coupon": _parse_coupon,
        "maturity": _parse_date,
        "cusip": _parse_cusip,
        "issue_date": _parse_date,
        "price": _parse_price,
        "end_date": _parse_date,
        "contract": _parse_contract,
        "expiry": lambda raw: _parse_expiry(raw, asof),
    }
    relevant = _RELEVANT[product] if product else tuple(parsers)
    values: dict[str, object] = {}
    for col, parser in parsers.items():
        if col not in relevant:
            if not _is_empty(cells.get(col)):
                r.add(col, f"{col} is not used for {product} rows and was ignored", WARNING)
            continue
        products, what = _MISSING.get(col, ((), ""))
        missing = f"{col} is missing: a {product} row needs {what}" if product in products else None
        values[col] = r.get(col, parser, missing, soft=product == OPTION)
    if product is not None and quantity is not None:
        _check_quantity(r, product, quantity)
    _check_dates(r, values, asof)
    if product in (FUTURE, OPTION):
        _check_future(r, product, values, asof)
    cusip = values.get("cusip")
    if cusip and product in _TREASURY_LIKE and not cusip.startswith(TREASURY_PREFIX):
        r.add(
            "cusip",
            f"not a U.S. Treasury CUSIP (those start with {TREASURY_PREFIX}); "
            "kept, but check it belongs to this bond",
            WARNING,
        )
    if r.failed:
        return None, r.issues
    expiry = values.get("expiry")
    try:
        position = Position(
            product=product,
            quantity=quantity,
            account=_text(cells.get("account")) or HOUSE,
            coupon_pct=values.get("coupon"),
            maturity=values.get("maturity"),
            issue_date=values.get("issue_date"),
            cusip=cusip,
            price=values.get("price"),
            end_date=values.get("end_date"),
            contract=values.get("contract"),
            expiry=expiry[0] if expiry else None,
            label=_text(cells.get("label")),
            row=row,
        )
    except ValueError as exc:  # a safety net: the checks above should have caught it
        r.add(None, f"{exc}: correct the row")
        return None, r.issues
    return position, r.issues


def _check_quantity(r: _Row, product: str, quantity: float) -> None:
    if product in (FUTURE, OPTION):
        if not quantity.is_integer():
            r.add(
                "quantity", "futures and options trade in whole contracts: round to a whole number"
            )
        if abs(quantity) > MAX_CONTRACTS:
            r.add(
                "quantity",
                f"{abs(quantity):,.0f} contracts is beyond the {MAX_CONTRACTS:,} "
                "limit: check the quantity (it counts contracts, not face)",
            )
    else:
        if abs(quantity) > MAX_FACE_USD:
            r.add(
                "quantity",
                f"a face of {abs(quantity):,.0f} USD is beyond the 100bn limit: "
                "check the quantity (face in USD, e.g. 5mm)",
            )
        elif 0 < abs(quantity) < 1000:
            r.add(
                "quantity",
                f"cash quantities are face in USD, and {quantity:g} USD is tiny: "
                f"did you mean {quantity:g}mm? (kept as entered)",
                WARNING,
            )
        if product == REPO and quantity < 0:
            r.add(
                "quantity",
                "a REPO quantity is the collateral face and is positive; to lend "
                "cash against a bond (forward sale) use product REVERSE_REPO",
            )
        if product == REVERSE_REPO and quantity < 0:
            r.add(
                "quantity",
                "a REVERSE_REPO quantity is the collateral face and is positive; "
                "to borrow cash against a bond (forward purchase) use product REPO",
            )
    if quantity == 0:
        r.add("quantity", "quantity is zero: the row is kept but carries no risk", WARNING)


def _latest_maturity(asof: dt.date) -> dt.date:
    return asof.replace(year=asof.year + MAX_YEARS_TO_MATURITY, day=min(asof.day, 28))


def _check_dates(r: _Row, values: dict, asof: dt.date) -> None:
    maturity, issue, end = values.get("maturity"), values.get("issue_date"), values.get("end_date")
    if maturity and maturity <= asof:
        r.add(
            "maturity",
            f"the bond matured on {maturity}, on or before the as-of date {asof}: "
            "remove the row or correct the maturity",
        )
    elif maturity and maturity > _latest_maturity(asof):
        r.add(
            "maturity",
            f"{maturity} is more than {MAX_YEARS_TO_MATURITY} years after the as-of date {asof}; "
            "no Treasury that long exists: correct the maturity or the as-of date",
        )
    if issue and maturity and issue >= maturity:
        r.add("issue_date", f"issue date {issue} is not before maturity {maturity}: correct one")
    if end and end < asof:
        r.add(
            "end_date",
            f"the repo closed on {end}, before the as-of date {asof}: remove the "
            "row or correct end_date",
        )
    elif end and maturity and end > maturity:
        r.add(
            "end_date",
            f"the repo closes after its collateral matures ({maturity}): correct "
            "end_date or maturity",
        )


def _check_future(r: _Row, product: str, values: dict, asof: dt.date) -> None:
    contract, parsed = values.get("contract"), values.get("expiry")
    expiry, code = parsed if parsed else (None, None)
    severity = WARNING if product == OPTION else ERROR
    if code and contract and code != contract:
        r.add(
            "expiry",
            f"the code names {code} but the contract column says {contract}: make them agree",
            severity,
        )
        return
    if contract is None and code is not None:
        values["contract"] = contract = code
    if product == OPTION or (contract is None and not _is_empty(r.cells.get("contract"))):
        return  # options are only displayed; a bad contract cell is already reported
    if contract is None:
        r.add(
            "contract",
            "contract is missing: enter a code such as ZN, or a full CME code "
            "such as ZNZ6 in expiry",
        )
    elif expiry is not None:
        last = _last_trade(contract, expiry.year, expiry.month)
        if asof > last:
            r.add(
                "expiry",
                f"{contract} {expiry:%b-%y} stopped trading on {last}, before the "
                f"as-of date {asof}: roll to a later contract month",
            )
        elif expiry.year > asof.year + 10:
            r.add(
                "expiry",
                f"{contract} {expiry:%b-%y} is more than ten years ahead and is not "
                "listed: check the year",
            )


# ---------------------------------------------------------------------------- files


def _norm_header(text: object) -> str:
    text = re.sub(r"[(\[].*?[)\]]", "", _show(text))
    return re.sub(r"[\s_\-.]+", "", text).lower()


@cache
def _column_lookup() -> dict[str, str]:
    lookup = {}
    for column in COLUMNS:
        for name in (column.name, *column.aliases):
            lookup[_norm_header(name)] = column.name
    return lookup


def _count_known(cells: list) -> int:
    return len({_column_lookup().get(_norm_header(c)) for c in cells if not _is_empty(c)} - {None})


def _find_header(records: list) -> int | None:
    counts = [_count_known(cells) for _, cells in records[:_HEADER_SCAN_ROWS]]
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))


def _check_text(text: str) -> None:
    head = text[:65536]
    controls = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f")
    if "\x00" in head or controls > max(2, len(head) // 200):
        raise _Bad(
            "this does not look like a table (it holds binary data): upload a .csv or "
            ".xlsx file, or paste the cells as text"
        )
    if len(text) > MAX_BYTES:
        raise _Bad(f"the text is larger than {MAX_BYTES // 2**20} MB: split the portfolio")


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
        raise _Bad(f"cannot read the text as a table ({exc}): save it again as CSV") from None


def _records_from_xlsx(data: bytes) -> list[tuple[int, list]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any parser failure on user bytes is a file problem
        raise _Bad(
            f"cannot open the file as an Excel workbook ({type(exc).__name__}): save it "
            "again as .xlsx or .csv"
        ) from None
    try:
        for sheet in book.worksheets:
            head = [
                (n, list(v)) for n, v in enumerate(sheet.iter_rows(max_row=40, values_only=True), 1)
            ]
            if _find_header([rec for rec in head if any(not _is_empty(c) for c in rec[1])]) is None:
                continue
            rows = sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 100, values_only=True)
            return [(n, list(values)) for n, values in enumerate(rows, 1)]
        return []
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _Bad(f"cannot read the Excel workbook ({exc}): save it again as .xlsx") from None
    finally:
        book.close()


def _records_from_bytes(data: bytes, filename: str | None) -> list[tuple[int, list]]:
    if len(data) > MAX_BYTES:
        raise _Bad(f"the file is larger than {MAX_BYTES // 2**20} MB: split the portfolio")
    suffix = Path(filename).suffix.lower() if filename else ""
    if data[:4] == b"PK\x03\x04":
        return _records_from_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _Bad("old Excel .xls files are not read: save the sheet as .xlsx or .csv")
    if suffix in (".xlsx", ".xlsm"):
        raise _Bad(f"the file is named {suffix} but is not an Excel workbook: save it again")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _records_from_text(data.decode("utf-16", errors="replace"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return _records_from_text(text)


def _records_from_frame(frame: pd.DataFrame) -> list[tuple[int, list]]:
    if len(frame) > MAX_ROWS:
        raise _Bad(f"{len(frame):,} rows is beyond the {MAX_ROWS:,}-row limit: split the portfolio")
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
            raise _Bad(f"file not found: {path}")
        if path.stat().st_size > MAX_BYTES:
            raise _Bad(f"the file is larger than {MAX_BYTES // 2**20} MB: split the portfolio")
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


def _load_records(records: list, asof: dt.date, fixed_header: bool) -> LoadResult:
    records = [(n, cells) for n, cells in records if any(not _is_empty(c) for c in cells)]
    if not records:
        raise _Bad(
            "the file is empty: start from the template (a header row, then one row per position)"
        )
    at = 0 if fixed_header else _find_header(records)
    if at is None or _count_known(records[at][1]) == 0:
        raise _Bad(
            "no recognisable columns: the first row must be a header naming at least "
            f"product and quantity (known columns: {', '.join(COLUMN_NAMES)}); start "
            "from the template"
        )
    header_row, header = records[at]
    issues: list[RowIssue] = []
    if at:
        issues.append(
            RowIssue(
                None, None, "", f"rows above the header (row {header_row}) were ignored", WARNING
            )
        )
    mapping: dict[int, str] = {}
    for i, name in enumerate(header):
        column = _column_lookup().get(_norm_header(name))
        if column is None and not _is_empty(name):
            issues.append(
                RowIssue(
                    None,
                    None,
                    _show(name),
                    f"unknown column '{_show(name)}' "
                    f"ignored (known columns: {', '.join(COLUMN_NAMES)})",
                    WARNING,
                )
            )
        elif column in mapping.values():
            issues.append(
                RowIssue(
                    None,
                    column,
                    _show(name),
                    f"column '{_show(name)}' repeats '{column}'; only the first one is used",
                    WARNING,
                )
            )
        elif column is not None:
            mapping[i] = column
    missing = [c for c in ("product", "quantity") if c not in mapping.values()]
    if missing:
        raise _Bad(
            f"no {' or '.join(missing)} column: every upload needs product and quantity "
            "columns; start from the template"
        )
    data = records[at + 1 :]
    if not data:
        raise _Bad("no positions below the header row: add one row per position")
    if len(data) > MAX_ROWS:
        raise _Bad(f"more than {MAX_ROWS:,} rows: split the portfolio into smaller files")
    unnamed = [i for i, name in enumerate(header) if _is_empty(name)]
    stray: list[int] = []
    positions: list[Position] = []
    first_seen: dict[Position, int] = {}
    for row, cells in data:
        if any(
            not _is_empty(c)
            for c in [cells[i] for i in unnamed if i < len(cells)] + cells[len(header) :]
        ):
            stray.append(row)
        values = {col: cells[i] for i, col in mapping.items() if i < len(cells)}
        if all(_is_empty(v) for v in values.values()):
            issues.append(
                RowIssue(
                    row, None, "", "the row has values only in unknown columns; ignored", WARNING
                )
            )
            continue
        position, row_issues = _parse_row(row, values, asof)
        issues.extend(row_issues)
        if position is None:
            continue
        first = first_seen.setdefault(dataclasses.replace(position, row=0), row)
        if first != row:
            issues.append(
                RowIssue(
                    row,
                    None,
                    "",
                    f"row {row} is identical to row {first}; both "
                    "are kept: delete one if it was entered twice",
                    WARNING,
                )
            )
        positions.append(position)
    if stray:
        shown = ", ".join(map(str, stray[:5])) + (" ..." if len(stray) > 5 else "")
        issues.insert(
            0,
            RowIssue(
                None,
                None,
                "",
                f"values under no column name (rows {shown}) "
                "were ignored: give the column a header or delete the values",
                WARNING,
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
    except _Bad as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))


def load_portfolio_text(text: str, *, asof: dt.date) -> LoadResult:
    """Load text pasted in the app: CSV, or tab-, semicolon- or pipe-separated cells."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not isinstance(asof, dt.date):
        raise TypeError(f"asof must be a datetime.date, got {type(asof).__name__}")
    try:
        return _load_records(_records_from_text(text), asof, False)
    except _Bad as exc:
        return LoadResult(Portfolio(), (RowIssue(None, None, "", str(exc), ERROR),))


def portfolio_to_frame(portfolio: Portfolio) -> pd.DataFrame:
    """A portfolio in the upload format (columns :data:`COLUMN_NAMES`, dates as ISO text).

    The frame loads back (as a DataFrame, CSV or XLSX) to the same positions.
    """

    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    rows = [
        {
            "account": p.account,
            "product": p.product,
            "quantity": p.quantity,
            "coupon": p.coupon_pct,
            "maturity": iso(p.maturity),
            "cusip": p.cusip,
            "issue_date": iso(p.issue_date),
            "price": p.price,
            "end_date": iso(p.end_date),
            "contract": p.contract,
            "expiry": f"{p.expiry:%Y-%m}" if p.expiry else None,
            "label": p.label or None,
        }
        for p in portfolio
    ]
    return pd.DataFrame(rows, columns=list(COLUMN_NAMES))
