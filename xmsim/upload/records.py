"""Reading a portfolio source into records (line number, cells): CSV on disk in chunks, text,
bytes, XLSX or a DataFrame; the header found (a title block above it tolerated) and the
delimiter sniffed. The loader (:mod:`xmsim.upload.loader`) turns records into positions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from xmsim.upload.cells import CellError, is_empty, show_cell
from xmsim.upload.format import (
    COLUMNS,
)
from xmsim.upload.table import (
    check_text,
    decode,
    file_encoding,
    file_lines,
    iter_records,
    read_source,
    split_line,
)
from xmsim.upload.xlsx import Workbook


class Limits(NamedTuple):
    """File-level limits of one load [rows, bytes]."""

    max_rows: int
    max_bytes: int

    @property
    def mb(self) -> int:
        return self.max_bytes // 2**20

    @property
    def advice(self) -> str:
        return ("split the portfolio, or raise the limit (run --max-rows N / --max-mb N; the "
                "command line margins large books block by block)")  # fmt: skip


_HEADER_SCAN_ROWS = 20  # a title block above the header is tolerated within this many rows

# ---------------------------------------------------------------------------- files


def _norm_header(text: object) -> str:
    return _norm_text(text if isinstance(text, str) else show_cell(text))


@lru_cache(maxsize=4096)
def _norm_text(text: str) -> str:
    if len(text) > 200:  # no header is this long
        return ""
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


def _sniff_delimiter(text: str) -> str:
    head = [line for line in text[: 1 << 20].splitlines()[: _HEADER_SCAN_ROWS * 2] if line.strip()]
    best, delimiter = (-1, -1), ","
    for candidate in (",", "\t", ";", "|"):
        rows = [split_line(line, candidate) for line in head]
        score = (max(map(_count_known, rows), default=0), max(map(len, rows), default=0))
        if score > best:
            best, delimiter = score, candidate
    return delimiter


def _records_from_text(text: str, lim: Limits, lines: Iterator[str] | None = None) -> Iterator:
    """The records of a text; with ``lines`` (a file read in chunks), ``text`` is the file's
    head (:func:`_file_head`) and the records come from ``lines``."""
    if len(text) > lim.max_bytes:
        raise CellError(f"the text is larger than {lim.mb} MB: {lim.advice}")
    check_text(text)
    text = text.lstrip("\ufeff")
    delimiter = _sniff_delimiter(text)
    head = [(n, split_line(line, delimiter)) for n, line in enumerate(text.splitlines()[:40], 1)]
    at = _find_header([rec for rec in head if any(not is_empty(c) for c in rec[1])])
    width = len(head[at][1]) if at is not None else None
    limit = lim.max_rows + _HEADER_SCAN_ROWS + 1
    source = text if lines is None else lines
    return iter_records(source, delimiter=delimiter, width=width, max_records=limit, blank=False)


_HEAD_CHARS = 1 << 20  # the delimiter is sniffed in the first MB, the header in 40 lines


def _file_head(path: Path, encoding: str, errors: str) -> str:
    """The first MB of a text file (and on to the end of its 41st line): all that the binary
    check, the delimiter sniffing and the header search read of a whole text."""
    with open(path, encoding=encoding, errors=errors, newline="") as fh:
        head = fh.read(_HEAD_CHARS)
        while len(head.splitlines()) <= 41 and (more := fh.read(_HEAD_CHARS)):
            head += more
    return head


def _records_from_path(path: Path, filename: str, lim: Limits) -> tuple[Iterator, bool]:
    """The records of a file on disk, read as they are parsed (never held whole, so memory
    does not grow with its rows): a text file in chunks, an XLSX sheet from the zip."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic[:4] == b"PK\x03\x04":
        if path.stat().st_size > lim.max_bytes:
            raise CellError(f"the file is larger than {lim.mb} MB: {lim.advice}")
        return _records_from_xlsx(path, lim), False
    if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or path.suffix.lower() in (".xlsx", ".xlsm"):
        data = read_source(path, max_bytes=lim.max_bytes, what="portfolio file")
        return _records_from_bytes(data, filename, lim)
    encoding, errors = file_encoding(path)
    head = _file_head(path, encoding, errors)
    return _records_from_text(head, lim, file_lines(path, encoding, errors)), True


def _is_portfolio_header(cells: list) -> bool:
    known = {_column_lookup().get(_norm_header(c)) for c in cells if not is_empty(c)}
    return {"product", "quantity"} <= known


def _records_from_xlsx(data: bytes | Path, lim: Limits) -> Iterator:
    """Rows of a workbook (its bytes, or its path) from the first sheet whose header names
    product and quantity (else the first sheet with any known column, else the first sheet),
    read up to the row limit."""
    book = Workbook(data)
    chosen = None
    for _, part in book.sheets:
        rows = book.rows(part)
        head = []
        for record in rows:
            head.append(record)
            if len(head) >= 2 * _HEADER_SCAN_ROWS:
                break
        filled = [rec for rec in head if any(not is_empty(c) for c in rec[1])]
        at = _find_header(filled)
        if at is not None and _is_portfolio_header(filled[at][1]):
            return _take_rows(head, rows, lim)
        if chosen is None and (at is not None or part == book.sheets[-1][1]):
            chosen = part
    return _take_rows([], book.rows(chosen or book.sheets[0][1]), lim)


def _take_rows(head: list, rows, lim: Limits) -> Iterator:
    yield from head
    count, limit = len(head), lim.max_rows + _HEADER_SCAN_ROWS + 1
    for record in rows:
        if any(not is_empty(c) for c in record[1]):
            count += 1
            if count > limit:
                raise CellError(f"more than {lim.max_rows:,} rows: {lim.advice}")
            yield record


def _records_from_bytes(data: bytes, filename: str | None, lim: Limits) -> tuple[Iterator, bool]:
    """The records of a file's bytes, and whether every cell is text (not an XLSX)."""
    if len(data) > lim.max_bytes:
        raise CellError(f"the file is larger than {lim.mb} MB: {lim.advice}")
    suffix = Path(filename).suffix.lower() if filename else ""
    if data[:4] == b"PK\x03\x04":
        return _records_from_xlsx(data, lim), False
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise CellError("old Excel .xls files are not read: save the sheet as .xlsx or .csv")
    if suffix in (".xlsx", ".xlsm"):
        raise CellError(f"the file is named {suffix} but is not an Excel workbook: save it again")
    return _records_from_text(decode(data), lim), True


def _records_from_frame(frame: pd.DataFrame, lim: Limits) -> list[tuple[int, list]]:
    if len(frame) > lim.max_rows:
        raise CellError(
            f"{len(frame):,} rows is beyond the {lim.max_rows:,}-row limit: {lim.advice}"
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


def _records_from_source(
    source: object, filename: str | None, lim: Limits
) -> tuple[Iterable, bool, bool]:
    """The records of ``source``, whether its header is the first record (a DataFrame) and
    whether every cell is text."""
    if isinstance(source, pd.DataFrame):
        return _records_from_frame(source, lim), True, False
    if isinstance(source, str) and not _looks_like_path(source):
        return _records_from_text(source, lim), False, True
    if not isinstance(source, bytes | bytearray | memoryview | str | Path) and not hasattr(
        source, "read"
    ):
        raise TypeError(f"cannot load a portfolio from a {type(source).__name__}")
    if hasattr(source, "read"):
        filename = filename or getattr(source, "name", None)
        if hasattr(source, "seek"):
            source.seek(0)  # re-reading an upload widget's buffer starts from the top
        first = source.read(0)
        if isinstance(first, str):
            return _records_from_text(source.read(lim.max_bytes + 1), lim), False, True
    elif isinstance(source, str | Path):
        filename = filename or Path(source).name
        path = Path(source)
        if path.is_file() and path.stat().st_size <= lim.max_bytes:
            records, text = _records_from_path(path, str(filename), lim)
            return records, False, text
    data = read_source(source, max_bytes=lim.max_bytes, what="portfolio file")
    records, text = _records_from_bytes(data, str(filename) if filename else None, lim)
    return records, False, text
