"""Per-account results written block by block (CSV or JSON lines), so a whole book's result
table never has to be held, or written, at once.

The CSV has the columns of :meth:`ArrangementResult.to_frame` plus a final ``TOTAL`` row, like
``run --format csv``; JSON lines are one header object (as-of, arrangement, history, settings),
one object per account (the ``accounts`` entries of ``run --format json``) and a last
``{"totals": ...}`` object.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import NamedTuple, TextIO

import pandas as pd

from xmsim.arrangement.crossmargin import (
    TOTAL_KEYS,
    AccountResult,
    ArrangementResult,
    account_dict,
    account_row,
)

STREAM_FORMATS = ("csv", "jsonl")


def results_frame(result: ArrangementResult) -> pd.DataFrame:
    """The results CSV as one table: :meth:`ArrangementResult.to_frame` plus the ``TOTAL`` row
    (the :data:`TOTAL_KEYS` among its columns), exactly what :class:`ResultStream` writes block
    by block. ``run --format csv`` and the app's results download both write this table."""
    frame = result.to_frame()
    totals = {"account": "TOTAL", **{k: v for k, v in result.totals.items() if k in frame.columns}}
    return pd.concat([frame, pd.DataFrame([totals])], ignore_index=True)


class Totals:
    """Running sums of :data:`TOTAL_KEYS` over accounts, in account order [USD] (the same
    additions, in the same order, as :attr:`ArrangementResult.totals`)."""

    def __init__(self) -> None:
        self.sums = dict.fromkeys(TOTAL_KEYS, 0)
        self.accounts = 0

    def add_values(self, values: dict[str, list[float]]) -> None:
        """Add each account's :data:`TOTAL_KEYS` values (one list per key, in account
        order)."""
        for k in TOTAL_KEYS:
            column = values[k]
            total = self.sums[k]
            for v in column:
                total += v
            self.sums[k] = total
        self.accounts += len(values[TOTAL_KEYS[0]])

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.sums.items()}


def total_values(results: tuple[AccountResult, ...]) -> dict[str, list[float]]:
    """Each account's :data:`TOTAL_KEYS` values, one list per key, in account order."""
    return {k: [getattr(a, k) for a in results] for k in TOTAL_KEYS}


class RenderedBlock(NamedTuple):
    """A block of accounts as the stream writes them: ``text`` their lines (JSON lines, or CSV
    rows without the header), ``columns`` the CSV header ("" for JSON lines or no account),
    ``totals`` their :func:`total_values`. Small to send: a Dask worker renders its block and
    the client only writes it."""

    text: str
    columns: tuple[str, ...]
    totals: dict[str, list[float]]

    @property
    def n_accounts(self) -> int:
        return len(self.totals[TOTAL_KEYS[0]])


def render_block(results: Iterable[AccountResult], fmt: str) -> RenderedBlock:
    """The lines of ``results`` in stream format ``fmt`` (``csv`` or ``jsonl``)."""
    if fmt not in STREAM_FORMATS:
        raise ValueError(f"stream format must be one of {STREAM_FORMATS}, got {fmt!r}")
    results = tuple(results)
    if fmt == "jsonl":
        text = "".join([json.dumps(account_dict(a)) + "\n" for a in results])
        return RenderedBlock(text, (), total_values(results))
    rows = [account_row(a) for a in results]
    columns = tuple(rows[0]) if rows else ()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writerows(rows)
    return RenderedBlock(out.getvalue(), columns, total_values(results))


class ResultStream:
    """Writes accounts to ``fh`` as they arrive; :meth:`close` writes the totals."""

    def __init__(self, fh: TextIO, fmt: str, header: ArrangementResult) -> None:
        if fmt not in STREAM_FORMATS:
            raise ValueError(f"stream format must be one of {STREAM_FORMATS}, got {fmt!r}")
        self.fh, self.fmt, self.totals = fh, fmt, Totals()
        self._columns: tuple[str, ...] = ()  # the CSV header, once written
        if fmt == "jsonl":
            fh.write(json.dumps(header.header()) + "\n")

    def write(self, results: Iterable[AccountResult]) -> None:
        self.write_rendered(render_block(results, self.fmt))

    def write_rendered(self, block: RenderedBlock) -> None:
        """Write a block rendered by :func:`render_block` (in this process or on a worker)."""
        self.totals.add_values(block.totals)
        if self.fmt == "csv" and block.columns and not self._columns:
            self._columns = block.columns
            csv.writer(self.fh, lineterminator="\n").writerow(block.columns)
        self.fh.write(block.text)

    def close(self) -> None:
        totals = self.totals.as_dict()
        if self.fmt == "jsonl":
            self.fh.write(json.dumps({"totals": totals}) + "\n")
        elif self._columns:
            cols = self._columns
            csv.DictWriter(self.fh, fieldnames=list(cols), lineterminator="\n").writerow(
                {"account": "TOTAL", **{k: v for k, v in totals.items() if k in cols}}
            )
        self.fh.flush()
