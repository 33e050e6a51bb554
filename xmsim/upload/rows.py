"""Row checks of the portfolio upload: one data row's cells -> a Position and its issues.

:func:`parse_row` parses every cell with the parsers of :mod:`xmsim.upload.cells`, so every bad
cell is
reported, then checks the row as a whole (quantity limits, dates against the as-of date, futures
contract and month). Each problem is a :class:`RowIssue`; rows with an error give no position.
Reading files and finding the header is in :mod:`xmsim.upload.loader`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import pandas as pd

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
    REPO,
    REVERSE_REPO,
    STRIPS,
    TIPS,
    UST,
    Portfolio,
    Position,
)
from xmsim.upload.cells import (
    CellError,
    cell_text,
    is_empty,
    parse_contract,
    parse_coupon,
    parse_cusip,
    parse_date,
    parse_expiry_cell,
    parse_number,
    parse_price,
    parse_product,
    parse_side,
    show_cell,
)
from xmsim.upload.format import (
    MAX_CELL_CHARS,
    MAX_CONTRACTS,
    MAX_FACE_USD,
    MAX_YEARS_TO_MATURITY,
)

__all__ = ["ERROR", "WARNING", "LoadResult", "RowIssue", "parse_row"]

ERROR = "error"
WARNING = "warning"

_TREASURY_LIKE = (*CASH_PRODUCTS, TIPS, STRIPS, BILL)
_CASH_FIELDS = ("coupon", "maturity", "cusip", "issue_date", "price")
_RELEVANT = {p: _CASH_FIELDS for p in (UST, TIPS, STRIPS, BILL, AGENCY, MBS)} | {
    REPO: (*_CASH_FIELDS, "end_date"),
    REVERSE_REPO: (*_CASH_FIELDS, "end_date"),
    FUTURE: ("contract", "expiry"),
    OPTION: ("contract", "expiry"),
}


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
    aliases: tuple[tuple[str, str], ...] = ()
    """(header as written, column it was read as) for every header that is not the column's
    own name (``Par Value`` -> ``quantity``), in file order."""

    def alias_notes(self) -> tuple[str, ...]:
        """``read column 'Par Value' as quantity``, one per alias applied."""
        return tuple(f"read column '{h}' as {c}" for h, c in self.aliases)

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


class _Row:
    """Issues of one data row; parses its cells one by one so every bad cell is reported."""

    __slots__ = ("cells", "issues", "row")

    def __init__(self, row: int, cells: dict[str, object]) -> None:
        self.row, self.cells, self.issues = row, cells, []

    def add(self, column: str | None, message: str, severity: str = ERROR) -> None:
        value = show_cell(self.cells.get(column)) if column else ""
        self.issues.append(RowIssue(self.row, column, value, message, severity))

    def get(self, column: str, parser, missing: str | None = None, soft: bool = False):
        raw = self.cells.get(column)
        if is_empty(raw):
            if missing:
                self.add(column, missing)
            return None
        try:
            return parser(raw)
        except CellError as exc:
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


def parse_row(row: int, cells: dict[str, object], asof: dt.date) -> tuple[Position | None, list]:
    long = {c: len(v) for c, v in cells.items() if isinstance(v, str) and len(v) > MAX_CELL_CHARS}
    if long:
        issues = [
            RowIssue(
                row, c, show_cell(cells[c]),
                f"the cell holds {n:,} characters, beyond the {MAX_CELL_CHARS:,}-character "
                "limit: shorten it (a stray quote can also merge cells)", ERROR,
            )
            for c, n in long.items()
        ]  # fmt: skip
        return None, issues
    r = _Row(row, cells)
    product = r.get(
        "product",
        parse_product,
        "product is missing: enter UST, REPO, "
        "REVERSE_REPO or FUTURE (or TIPS, STRIPS, BILL, AGENCY, MBS, OPTION)",
    )
    quantity = r.get(
        "quantity",
        parse_number,
        "quantity is missing: enter the face in USD "
        "(cash and repos) or the number of contracts (futures)",
    )
    side = r.get("side", parse_side)
    if side is not None and quantity is not None and product is not None:
        quantity = _apply_side(r, product, quantity, side)
    parsers = {
        "coupon": parse_coupon,
        "maturity": parse_date,
        "cusip": parse_cusip,
        "issue_date": parse_date,
        "price": parse_price,
        "end_date": parse_date,
        "contract": parse_contract,
        "expiry": lambda raw: parse_expiry_cell(raw, asof),
    }
    relevant = _RELEVANT[product] if product else tuple(parsers)
    values: dict[str, object] = {}
    for col, parser in parsers.items():
        if col not in relevant:
            if not is_empty(cells.get(col)):
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
            account=cell_text(cells.get("account")) or HOUSE,
            coupon_pct=values.get("coupon"),
            maturity=values.get("maturity"),
            issue_date=values.get("issue_date"),
            cusip=cusip,
            price=values.get("price"),
            end_date=values.get("end_date"),
            contract=values.get("contract"),
            expiry=expiry[0] if expiry else None,
            label=cell_text(cells.get("label")),
            row=row,
        )
    except ValueError as exc:  # a safety net: the checks above should have caught it
        r.add(None, f"{exc}: correct the row")
        return None, r.issues
    return position, r.issues


def _apply_side(r: _Row, product: str, quantity: float, side: float) -> float | None:
    """The signed quantity from a side cell (BUY +, SELL -); None (an error) when they clash."""
    if product in (REPO, REVERSE_REPO):
        r.add(
            "side",
            f"side is not used for {product} rows: the product is the direction "
            "(REPO = cash borrower, long the bond; REVERSE_REPO = short); leave side empty",
        )
        return None
    if quantity < 0 and side > 0:
        r.add(
            "side",
            f"quantity {quantity:,.0f} is negative but side is BUY: give the size "
            "unsigned with BUY or SELL",
        )
        return None
    return side * abs(quantity)


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
    if product == OPTION or (contract is None and not is_empty(r.cells.get("contract"))):
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
