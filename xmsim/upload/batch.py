"""The data rows of an upload -> positions and issues, each distinct instrument parsed once.

A whole book holds a few hundred instruments in hundreds of thousands of rows, so the cells that
define an instrument (product, coupon, maturity, CUSIP, price, repo close, contract, month)
repeat. :class:`RowReader` parses each distinct combination of those cells once with
:func:`xmsim.upload.rows.parse_row` and keeps the result; a row whose instrument cells parsed
without any issue, whose quantity is clean for its product (see :func:`_quantity_is_clean`) and
whose cells are within the length limit is then a copy of that template with its own quantity,
account, label and row. Every other row goes through :func:`parse_row` whole, so the issues,
their wording and their order are exactly those of the row-by-row reader (the quantity checks
are the only checks that read the quantity, and a clean row raises none).

``tests/upload/test_batch.py`` checks this against ``parse_row`` row by row on the fuzzed
files and the samples.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from operator import itemgetter

from xmsim.portfolio import FUTURE, HOUSE, OPTION, REPO, REVERSE_REPO, Position
from xmsim.upload.cells import CellError, cell_text, is_empty, parse_number, parse_product
from xmsim.upload.format import MAX_CELL_CHARS, MAX_CONTRACTS, MAX_FACE_USD
from xmsim.upload.rows import WARNING, RowIssue, parse_row

_OWN = ("quantity", "account", "label", "side")
"""Columns that differ between rows of the same instrument; all others define the instrument.
A row with a side cell (BUY / SELL, which signs the quantity) is always parsed whole."""
_MIN_CLEAN_FACE_USD = 1000.0  # below this a cash quantity draws the "tiny" warning


def _key(raw: object) -> object:
    """``raw`` as a memo key: empty cells are one key; other non-text cells carry their type
    (``True == 1`` in Python, but a TRUE cell is not a number)."""
    if type(raw) is str:
        return raw if raw.strip() else None
    return None if is_empty(raw) else (type(raw), raw)


def _quantity_is_clean(product: str, q: float) -> bool:
    """True when :func:`xmsim.upload.rows._check_quantity` raises nothing for ``q``."""
    if q == 0:
        return False
    if product in (FUTURE, OPTION):
        return q.is_integer() and abs(q) <= MAX_CONTRACTS
    if product in (REPO, REVERSE_REPO) and q < 0:
        return False
    return _MIN_CLEAN_FACE_USD <= abs(q) <= MAX_FACE_USD


class RowReader:
    """Reads data rows of one table (``mapping``: cell index -> canonical column) as of
    ``asof``; :meth:`read` may be called chunk by chunk, the memo and the duplicate check
    running over the whole table."""

    def __init__(
        self, mapping: dict[int, str], header_width: int, asof: dt.date, text: bool = False
    ) -> None:
        self.asof = asof
        self.text = text  # every cell is a str (a text file): raw cells are their own keys
        self.mapping = mapping
        self.header_width = header_width
        self.inst_cols = [(i, c) for i, c in mapping.items() if c not in _OWN]
        self.idx = {c: i for i, c in mapping.items()}
        self.positions: list[Position] = []
        self.issues: list[RowIssue] = []
        self.stray: list[int] = []
        self.n_rows = 0
        self._first_seen: dict[tuple, int] = {}
        self._templates: dict[tuple, Position | None] = {}
        self._numbers: dict[object, float | None] = {}
        self._texts: dict[object, str] = {}

    def read(self, data: Iterable[tuple[int, list]], unnamed: list[int]) -> None:
        """Parse the rows ``(row, cells)`` of ``data``; ``unnamed`` are the header's empty
        cells (values under them are reported once, as stray)."""
        width = self.header_width
        mapping = self.mapping
        i_qty, i_acc, i_lab, i_side = (self.idx.get(c) for c in _OWN)
        inst_cols = self.inst_cols
        last = max((i for i, _ in inst_cols), default=-1)
        get_key = itemgetter(*[i for i, _ in inst_cols]) if inst_cols else (lambda _: ())
        for row, cells in data:
            self.n_rows += 1
            n = len(cells)
            if (unnamed or n > width) and any(
                not is_empty(c) for c in [cells[i] for i in unnamed if i < n] + cells[width:]
            ):
                self.stray.append(row)
            position = None
            if self.text:
                whole = max(map(len, cells), default=0) > MAX_CELL_CHARS
            else:
                whole = any(type(c) is str and len(c) > MAX_CELL_CHARS for c in cells)
            if not whole and i_side is not None and i_side < n:
                whole = not is_empty(cells[i_side])  # the side signs the quantity
            if not whole:
                if self.text and n > last:
                    key = get_key(cells)
                else:
                    key = tuple(_key(cells[i]) if i < n else None for i, _ in inst_cols)
                template = self._templates.get(key, False)
                if template is False:
                    template = self._template(cells, n)
                    self._templates[key] = template
                if template is not None:
                    q = self._number(cells[i_qty]) if i_qty is not None and i_qty < n else None
                    if q is not None and _quantity_is_clean(template.product, q):
                        position = self._copy(template, q, cells, n, i_acc, i_lab, row)
            if position is None:
                values = {col: cells[i] for i, col in mapping.items() if i < n}
                if all(is_empty(v) for v in values.values()):
                    self.issues.append(RowIssue(
                        row, None, "", "the row has values only in unknown columns; ignored",
                        WARNING,
                    ))  # fmt: skip
                    continue
                position, row_issues = parse_row(row, values, self.asof)
                self.issues.extend(row_issues)
                if position is None:
                    continue
            self._add(position, row)

    def _template(self, cells: list, n: int) -> Position | None:
        """The instrument of a row with a clean stand-in quantity, or None when its
        instrument cells raise any issue."""
        values = {c: (cells[i] if i < n else None) for i, c in self.inst_cols}
        try:
            product = parse_product(values.get("product"))
        except CellError:
            return None
        values["quantity"] = 1.0 if product in (FUTURE, OPTION) else 1e6
        position, issues = parse_row(0, values, self.asof)
        return position if not issues else None

    def _number(self, raw: object) -> float | None:
        """The quantity of a cell, None when empty or unreadable (the row is then parsed
        whole)."""
        key = raw if self.text else _key(raw)
        try:
            return self._numbers[key]
        except KeyError:
            pass
        value = None
        if key is not None and (not self.text or raw.strip()):
            with contextlib.suppress(CellError):
                value = parse_number(raw)
        self._numbers[key] = value
        return value

    def _text(self, raw: object) -> str:
        if self.text:
            return raw.strip()  # cell_text of a str
        key = _key(raw)
        if key is None:
            return ""
        out = self._texts.get(key)
        if out is None:
            out = self._texts[key] = cell_text(raw)
        return out

    def _copy(self, t: Position, q: float, cells, n, i_acc, i_lab, row) -> Position:
        account = self._text(cells[i_acc]) if i_acc is not None and i_acc < n else ""
        label = self._text(cells[i_lab]) if i_lab is not None and i_lab < n else ""
        return Position(t.product, q, account or HOUSE, t.coupon_pct, t.maturity, t.issue_date,
                        t.cusip, t.price, t.end_date, t.contract, t.expiry, label, row)  # fmt: skip

    def _add(self, p: Position, row: int) -> None:
        key = (p.product, p.quantity, p.account, p.coupon_pct, p.maturity, p.issue_date,
               p.cusip, p.price, p.end_date, p.contract, p.expiry, p.label)  # fmt: skip
        first = self._first_seen.setdefault(key, row)
        if first != row:
            self.issues.append(RowIssue(
                row, None, "", f"row {row} is identical to row {first}; both are kept: delete "
                "one if it was entered twice", WARNING,
            ))  # fmt: skip
        self.positions.append(p)


__all__ = ["RowReader"]
