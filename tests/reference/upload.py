"""The slow twin of :class:`xmsim.upload.batch.RowReader`: every row through ``parse_row``.

This is the loader's row loop as it stood before the memo of instrument cells (one
``parse_row`` per row, duplicates found on ``dataclasses.replace(position, row=0)``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from xmsim.portfolio import Portfolio, Position
from xmsim.upload.cells import is_empty
from xmsim.upload.rows import WARNING, RowIssue, parse_row


class SlowRowReader:
    """Same interface as ``RowReader``: ``read(data, unnamed)``, then ``positions``,
    ``issues``, ``stray`` and ``n_rows``."""

    def __init__(self, mapping: dict[int, str], header_width: int, asof: dt.date, text=False):
        self.mapping, self.width, self.asof = mapping, header_width, asof
        self.positions: list[Position] = []
        self.issues: list[RowIssue] = []
        self.stray: list[int] = []
        self.n_rows = 0
        self._first_seen: dict[Position, int] = {}

    def read(self, data, unnamed: list[int]) -> None:
        for row, cells in data:
            self.n_rows += 1
            extra = [cells[i] for i in unnamed if i < len(cells)] + cells[self.width :]
            if any(not is_empty(c) for c in extra):
                self.stray.append(row)
            values = {col: cells[i] for i, col in self.mapping.items() if i < len(cells)}
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
            first = self._first_seen.setdefault(dataclasses.replace(position, row=0), row)
            if first != row:
                self.issues.append(RowIssue(
                    row, None, "", f"row {row} is identical to row {first}; both are kept: "
                    "delete one if it was entered twice", WARNING,
                ))  # fmt: skip
            self.positions.append(position)

    def portfolio(self) -> Portfolio:
        return Portfolio(tuple(self.positions))
