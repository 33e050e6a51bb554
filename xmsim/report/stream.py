"""Per-account results written block by block (CSV or JSON lines), so a whole book's result
table never has to be held, or written, at once.

The CSV has the columns of :meth:`ArrangementResult.to_frame` plus a final ``TOTAL`` row, like
``run --format csv``; JSON lines are one header object (as-of, arrangement, history, settings),
one object per account (the ``accounts`` entries of ``run --format json``) and a last
``{"totals": ...}`` object.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

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

    def add(self, results: Iterable[AccountResult]) -> None:
        for a in results:
            self.accounts += 1
            for k in TOTAL_KEYS:
                self.sums[k] += getattr(a, k)

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.sums.items()}


class ResultStream:
    """Writes accounts to ``fh`` as they arrive; :meth:`close` writes the totals."""

    def __init__(self, fh: TextIO, fmt: str, header: ArrangementResult) -> None:
        if fmt not in STREAM_FORMATS:
            raise ValueError(f"stream format must be one of {STREAM_FORMATS}, got {fmt!r}")
        self.fh, self.fmt, self.totals = fh, fmt, Totals()
        self._csv = None
        if fmt == "jsonl":
            fh.write(json.dumps(header.header()) + "\n")

    def write(self, results: Iterable[AccountResult]) -> None:
        results = tuple(results)
        self.totals.add(results)
        if self.fmt == "jsonl":
            self.fh.writelines(json.dumps(account_dict(a)) + "\n" for a in results)
            return
        for a in results:
            row = account_row(a)
            if self._csv is None:
                self._csv = csv.DictWriter(self.fh, fieldnames=list(row), lineterminator="\n")
                self._csv.writeheader()
            self._csv.writerow(row)

    def close(self) -> None:
        totals = self.totals.as_dict()
        if self.fmt == "jsonl":
            self.fh.write(json.dumps({"totals": totals}) + "\n")
        elif self._csv is not None:
            cols = self._csv.fieldnames
            self._csv.writerow(
                {"account": "TOTAL", **{k: v for k, v in totals.items() if k in cols}}
            )
        self.fh.flush()
