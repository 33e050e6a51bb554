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
import itertools
from array import array
from collections.abc import Iterable
from operator import itemgetter

import numpy as np
import pandas as pd

from xmsim.frozen import readonly
from xmsim.portfolio import (
    FUTURE,
    HOUSE,
    OPTION,
    REPO,
    REVERSE_REPO,
    Portfolio,
    Position,
    PositionColumns,
    instrument_key,
    unit_position,
)
from xmsim.upload.cells import CellError, cell_text, is_empty, parse_number, parse_product
from xmsim.upload.format import MAX_CELL_CHARS, MAX_CONTRACTS, MAX_FACE_USD
from xmsim.upload.rows import WARNING, RowIssue, parse_row

_OWN = ("quantity", "account", "label", "side")
"""Columns that differ between rows of the same instrument; all others define the instrument.
A row with a side cell (BUY / SELL, which signs the quantity) is always parsed whole."""
CHUNK_ROWS = 8192
"""Rows of a text table read column by column at a time [rows]."""
_MIN_CLEAN_FACE_USD = 1000.0  # below this a cash quantity draws the "tiny" warning
_FACE, _CONTRACTS, _COLLATERAL = 0, 1, 2  # how a product's quantity is read


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


def _clean_quantities(kind: np.ndarray, q: np.ndarray) -> np.ndarray:
    """:func:`_quantity_is_clean` of each quantity ``q`` (NaN: none) of a product of ``kind``
    (``_FACE`` cash, ``_CONTRACTS`` futures and options, ``_COLLATERAL`` repos), shape of
    ``q``."""
    with np.errstate(invalid="ignore"):
        a = np.abs(q)
        contracts = (np.floor(q) == q) & (a <= MAX_CONTRACTS)
        face = (a >= _MIN_CLEAN_FACE_USD) & (a <= MAX_FACE_USD) & ~((kind == _COLLATERAL) & (q < 0))
        return (q != 0) & ~np.isnan(q) & np.where(kind == _CONTRACTS, contracts, face)


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
        self._own = tuple(self.idx.get(c) for c in _OWN)  # quantity, account, label, side
        self._last = max((i for i, _ in self.inst_cols), default=-1)
        self._get_key = (itemgetter(*[i for i, _ in self.inst_cols]) if self.inst_cols
                         else (lambda _: ()))  # fmt: skip
        self.positions: list[Position] = []
        self.issues: list[RowIssue] = []
        self.stray: list[int] = []
        self.n_rows = 0
        self._first_seen: dict[tuple, int] = {}  # the row-by-row path's duplicate check
        self._templates: dict[tuple, Position | None] = {}
        self._numbers: dict[object, float | None] = {}
        self._texts: dict[object, str] = {}
        self._accounts: dict[str, str] = {}  # account cell -> account (text tables)
        # columns of the positions read in chunks: instrument, quantity, account and label
        # (codes into _names), row; 8 bytes a position each
        self._cols = (array("q"), array("d"), array("q"), array("q"), array("q"))
        self._names: tuple[dict[str, int], dict[str, int]] = ({}, {})  # account, label -> code
        self._segments: list[tuple[int, int]] = []  # (first column index, issues before it)
        self._inst_of: dict[tuple, int] = {}  # instrument cells -> instrument, -1: not clean
        self._canon: dict[tuple, int] = {}  # instrument_key -> instrument
        self._units: list[Position] = []
        self._unit_kind = np.empty(0, np.int8)

    def read(self, data: Iterable[tuple[int, list]], unnamed: list[int]) -> None:
        """Parse the rows ``(row, cells)`` of ``data``; ``unnamed`` are the header's empty
        cells (values under them are reported once, as stray). A text table without unnamed
        cells is read :data:`CHUNK_ROWS` rows at a time, column by column
        (:meth:`_read_chunk`); other tables row by row."""
        if self.text and not unnamed:
            start = len(self._cols[0])
            it = iter(data)
            while chunk := list(itertools.islice(it, CHUNK_ROWS)):
                self._read_chunk(chunk)
            self._flag_duplicates(start)
            return
        for row, cells in data:
            self.n_rows += 1
            position, issues = self._row(row, cells, unnamed)
            self.issues.extend(issues)
            if position is not None:
                self._add(position, row, instrument_key(position))

    def _row(self, row: int, cells: list, unnamed: list[int]) -> tuple[Position | None, list]:
        """One row: its position (None if left out) and its issues, the duplicate check
        apart."""
        width = self.header_width
        n = len(cells)
        if (unnamed or n > width) and any(
            not is_empty(c) for c in [cells[i] for i in unnamed if i < n] + cells[width:]
        ):
            self.stray.append(row)
        if self.text:
            whole = max(map(len, cells), default=0) > MAX_CELL_CHARS
        else:
            whole = any(type(c) is str and len(c) > MAX_CELL_CHARS for c in cells)
        i_qty, i_acc, i_lab, i_side = self._own
        if not whole and i_side is not None and i_side < n:
            whole = not is_empty(cells[i_side])  # the side signs the quantity
        if not whole:
            if self.text and n > self._last:
                key = self._get_key(cells)
            else:
                key = tuple(_key(cells[i]) if i < n else None for i, _ in self.inst_cols)
            template = self._templates.get(key, False)
            if template is False:
                template = self._templates[key] = self._template(cells, n)
            if template is not None:
                q = self._number(cells[i_qty]) if i_qty is not None and i_qty < n else None
                if q is not None and _quantity_is_clean(template.product, q):
                    return self._copy(template, q, cells, n, i_acc, i_lab, row), []
        values = {col: cells[i] for i, col in self.mapping.items() if i < n}
        if all(is_empty(v) for v in values.values()):
            return None, [RowIssue(
                row, None, "", "the row has values only in unknown columns; ignored", WARNING,
            )]  # fmt: skip
        return parse_row(row, values, self.asof)

    def _read_chunk(self, chunk: list[tuple[int, list[str]]]) -> None:
        """Rows of a text table without unnamed cells, column by column, into columns
        (:meth:`portfolio`): the rows as wide as the header whose instrument cells parsed
        cleanly, with a clean quantity, no side and no over-long cell, are their instrument's
        template with their own quantity, account, label and row; every other row goes
        through :meth:`_row`. Positions, issues and duplicates in row order, as row by row."""
        self.n_rows += len(chunk)
        width = self.header_width
        fast = [k for k, (_, cells) in enumerate(chunk) if len(cells) == width]
        whole = np.ones(len(chunk), bool)
        whole[fast] = False
        if fast:
            cols = list(zip(*[chunk[k][1] for k in fast], strict=True))
            fast_a = np.asarray(fast)
            for col in cols:
                if max(map(len, col)) > MAX_CELL_CHARS:
                    whole[fast_a[[len(v) > MAX_CELL_CHARS for v in col]]] = True
            i_qty, i_acc, i_lab, i_side = self._own
            if i_side is not None:  # the side signs the quantity
                whole[fast_a[[bool(v) and not v.isspace() for v in cols[i_side]]]] = True
            keys = list(zip(*[cols[i] for i, _ in self.inst_cols], strict=True))
            inst_of = self._inst_of
            for j, key in enumerate(keys):
                if key not in inst_of:
                    inst_of[key] = self._template_id(key, chunk[fast[j]][1])
            inst = np.fromiter(map(inst_of.__getitem__, keys), np.int64, len(keys))
            numbers = self._numbers
            for raw in set(cols[i_qty]).difference(numbers):
                self._number(raw)
            qs = [numbers[raw] for raw in cols[i_qty]]
            q = np.array([np.nan if v is None else v for v in qs])
            kind = np.append(self._unit_kind, _FACE)[inst]  # -1 (no clean template): any kind
            clean = _clean_quantities(kind, q) & (inst >= 0)
            whole[fast_a[~clean]] = True
            accounts = (self._stripped(cols[i_acc], self._accounts) if i_acc is not None
                        else [HOUSE] * len(fast))  # fmt: skip
            labels = self._stripped(cols[i_lab], self._texts) if i_lab is not None else None
            labels = labels or [""] * len(fast)
        if not whole.any():  # every row a copy of its template: the columns as they are
            rows = [r for r, _ in chunk]
            self._take(inst.tolist(), q.tolist(), accounts, labels, rows)
            return
        parsed: dict[int, tuple[Position | None, list]] = {
            k: self._row(*chunk[k], []) for k in np.flatnonzero(whole).tolist()
        }
        at = {k: j for j, k in enumerate(fast)}
        cols_out: tuple[list, ...] = ([], [], [], [], [])
        for k, (row, _) in enumerate(chunk):
            if not whole[k]:
                j = at[k]
                for c, v in zip(cols_out, (int(inst[j]), qs[j], accounts[j], labels[j], row),
                                strict=True):  # fmt: skip
                    c.append(v)
                continue
            position, issues = parsed[k]
            self._take(*cols_out)
            cols_out = ([], [], [], [], [])
            self.issues.extend(issues)
            if position is not None:
                self._take([self._canonical(position)], [position.quantity], [position.account],
                           [position.label], [row])  # fmt: skip
        self._take(*cols_out)

    def _take(self, inst: list, qty: list, accounts: list, labels: list, rows: list) -> None:
        """Append positions to the columns (the duplicate check runs on the columns once the
        table is read: :meth:`_flag_duplicates`)."""
        if not rows:
            return
        self._segments.append((len(self._cols[0]), len(self.issues)))
        codes = [self._codes(accounts, self._names[0]), self._codes(labels, self._names[1])]
        for c, v in zip(self._cols, (inst, qty, *codes, rows), strict=True):
            c.extend(v)

    @staticmethod
    def _codes(names: list[str], memo: dict[str, int]):
        """The code of each name, new names numbered in order of first appearance."""
        for name in dict.fromkeys(names):  # each distinct name once, in order
            if name not in memo:
                memo[name] = len(memo)
        return map(memo.__getitem__, names)

    def _flag_duplicates(self, start: int) -> None:
        """A warning for each position from column ``start`` on that equals an earlier one
        (instrument, quantity, account, label) but for its row, naming the earlier row,
        placed where the row-by-row check would have put it: after the row's own issues.
        Found with hash factorisations of the columns (8 bytes a position), not a dict of
        every position (~175 bytes a position)."""
        segments, self._segments = self._segments, []  # the next read starts its own
        if len(self._cols[0]) <= start:
            return
        inst, qty, acc, lab, rows = (np.frombuffer(c, t) for c, t in
                                     zip(self._cols, "qdqqq", strict=True))  # fmt: skip
        code = inst  # views of the columns, gone when this returns (columns can grow again)
        quantity = pd.factorize(qty + 0.0, use_na_sentinel=False)[0]  # -0.0 == 0.0, as in a dict
        for other in (quantity, acc, lab):
            code = pd.factorize(code * (int(other.max()) + 1) + other)[0]
        # codes number the keys in order of first appearance: a key's first position is
        # where its code exceeds every code before it
        first = np.ones(len(code), bool)
        first[1:] = code[1:] > np.maximum.accumulate(code)[:-1]
        dup = np.flatnonzero(~first[start:]) + start
        if not len(dup):
            return
        first_rows = rows[np.flatnonzero(first)[code[dup]]]
        seg_start = np.array([s for s, _ in segments])
        seg_issues = np.array([k for _, k in segments])
        at = seg_issues[np.searchsorted(seg_start, dup, side="right") - 1]
        issues, done = [], 0
        for k, row, earlier in zip(at.tolist(), rows[dup].tolist(), first_rows.tolist(),
                                   strict=True):  # fmt: skip
            issues.extend(self.issues[done:k])
            done = max(done, k)
            issues.append(RowIssue(
                row, None, "", f"row {row} is identical to row {earlier}; both are kept: "
                "delete one if it was entered twice", WARNING,
            ))  # fmt: skip
        issues.extend(self.issues[done:])
        self.issues = issues

    def _template_id(self, key: tuple, cells: list) -> int:
        """The instrument of the template of ``key`` (a row's instrument cells), -1 when its
        instrument cells raise any issue."""
        template = self._templates.get(key, False)
        if template is False:
            template = self._templates[key] = self._template(cells, len(cells))
        return -1 if template is None else self._canonical(template)

    def _canonical(self, p: Position) -> int:
        """Index of the instrument of ``p`` among the reader's distinct instruments."""
        ik = instrument_key(p)
        i = self._canon.get(ik)
        if i is None:
            i = self._canon[ik] = len(self._units)
            self._units.append(unit_position(p))
            kind = (_CONTRACTS if p.product in (FUTURE, OPTION)
                    else _COLLATERAL if p.product in (REPO, REVERSE_REPO) else _FACE)  # fmt: skip
            self._unit_kind = np.append(self._unit_kind, kind)
        return i

    def _stripped(self, col: tuple[str, ...], memo: dict[str, str]) -> list[str]:
        """The text of each cell of a text column (stripped; an account cell that is empty
        is ``HOUSE``), each distinct cell once."""
        empty = HOUSE if memo is self._accounts else ""
        for raw in set(col).difference(memo):
            memo[raw] = raw.strip() or empty
        return list(map(memo.__getitem__, col))

    def portfolio(self) -> Portfolio:
        """The positions read: as columns (:class:`~xmsim.portfolio.PositionColumns`) for a
        text table read in chunks, else as position objects."""
        if not self._units and not self._cols[0]:
            return Portfolio(tuple(self.positions))
        inst, qty, acc, lab, rows = self._cols
        return Portfolio.from_columns(PositionColumns(
            units=tuple(self._units), inst=readonly(inst, np.int64), quantity=readonly(qty),
            account=readonly(acc, np.int64), accounts=tuple(self._names[0]),
            label=readonly(lab, np.int64), labels=tuple(self._names[1]),
            row=readonly(rows, np.int64),
        ))  # fmt: skip

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

    def _add(self, p: Position, row: int, instrument: tuple) -> None:
        """Keep ``p`` (of ``row``); a position equal to an earlier one but for its row draws
        a warning. ``instrument``: :func:`instrument_key` of ``p``."""
        key = (instrument, p.quantity, p.account, p.label)
        first = self._first_seen.setdefault(key, row)
        if first != row:
            self.issues.append(RowIssue(
                row, None, "", f"row {row} is identical to row {first}; both are kept: delete "
                "one if it was entered twice", WARNING,
            ))  # fmt: skip
        self.positions.append(p)


__all__ = ["RowReader"]
