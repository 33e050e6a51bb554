"""The one reading path of every delimited text input: portfolios, yield histories, SPAN
parameter files.

* :func:`read_source` takes a path, bytes or an open file and returns its bytes, checking the
  size limit before reading (a path's size, or one byte past the limit of a stream).
* :func:`decode` turns bytes into text: UTF-16 by BOM, then UTF-8 (BOM dropped), then cp1252,
  then latin-1 (which reads any byte), so no encoding error ever reaches the user.
* :func:`iter_records` streams the text line by line into ``(line, cells)`` records, with the
  csv field limit raised deliberately to the file-size limit, and stops at a record limit
  before memory is spent. A quoted cell may span lines (Excel writes line breaks in cells that
  way), but when a quote is never closed, or its continuation lines look like rows of their
  own, the opening line is reported as a :class:`LineProblem` and reading resumes on the next
  line: an unbalanced quote costs one row, never the rest of the file.

File-level problems raise :class:`TableError`, whose message says what is wrong and the fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from xmsim.upload.format import MAX_BYTES

MAX_CELL_LINES = 20
"""A quoted cell may span at most this many lines before its quote counts as unbalanced."""

csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))  # one cell may be a whole file


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TableError(ValueError):
    """A whole file that cannot be read; the message says why and how to fix it."""


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line that could not be split into cells (the rest of the file is still read)."""

    line: int
    text: str
    message: str


def read_source(source: object, *, max_bytes: int = MAX_BYTES, what: str = "file") -> bytes:
    """The bytes of a path, a bytes object or an open (binary or text) file.

    Raises
    ------
    TableError
        Missing file, a directory, or more than ``max_bytes`` [bytes].
    """
    limit = f"the {what} is larger than {max_bytes / 2**20:g} MB: split it into smaller files"
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(max_bytes + 1)
        data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            raise TableError(f"{path} is a folder, not a {what}: name the file inside it")
        if not path.is_file():
            raise TableError(f"{what} not found: {path}")
        if path.stat().st_size > max_bytes:
            raise TableError(limit)
        try:
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise TableError(f"cannot read {path} ({exc.strerror or exc}): check it") from None
    else:
        raise TypeError(f"cannot read a {what} from a {type(source).__name__}")
    if len(data) > max_bytes:
        raise TableError(limit)
    return data


def decode(data: bytes) -> str:
    """Text of a file's bytes: UTF-16 (BOM), UTF-8 (BOM dropped), cp1252, else latin-1."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def check_text(text: str, what: str = "file") -> None:
    """Raise :class:`TableError` when the text holds binary data rather than a table."""
    head = text[:65536]
    controls = len(_CONTROL.findall(head))
    if controls > max(8, len(head) // 50):  # a few stray NULs in cells cost only their rows
        raise TableError(
            f"this does not look like a table (the {what} holds binary data): save it as CSV "
            "text (or .xlsx for a portfolio)"
        )


def split_line(line: str, delimiter: str = ",") -> list[str]:
    """The cells of one line read alone (an open quote runs to the end of the line)."""
    if '"' not in line:
        return line.split(delimiter)
    return next(csv.reader([line], delimiter=delimiter), [])


def _closed(text: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True), [])
    except csv.Error:
        return None


def _lines(text: str | Iterable[str]) -> Iterator[str]:
    for line in io.StringIO(text, newline="") if isinstance(text, str) else text:
        yield line.rstrip("\r\n")


READ_CHUNK_BYTES = 1 << 20
"""A text file is read this many bytes at a time [bytes]."""


def file_encoding(path: str | os.PathLike) -> tuple[str, str]:
    """(encoding, errors) with which :func:`decode` would read the file's bytes, found by
    streaming it through incremental decoders (the file is never held whole)."""
    with open(path, "rb") as fh:
        if fh.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16", "replace"
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(READ_CHUNK_BYTES):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding, "strict"
        except UnicodeDecodeError:
            continue
    return "latin-1", "strict"


def file_lines(path: str | os.PathLike, encoding: str, errors: str) -> Iterator[str]:
    """The lines of a text file (line ends kept, leading BOMs dropped), read in chunks."""
    with open(path, encoding=encoding, errors=errors, newline="") as fh:
        first = True
        for line in fh:
            yield line.lstrip("\ufeff") if first else line
            first = False


def iter_records(
    text: str | Iterable[str],
    *,
    delimiter: str = ",",
    width: int | None = None,
    max_records: int | None = None,
    what: str = "file",
    blank: bool = True,
) -> Iterator[tuple[int, list[str]] | LineProblem]:
    """Records of a delimited text, streamed: ``(first line, cells)`` or a :class:`LineProblem`.

    Parameters
    ----------
    text : the decoded file, or its lines (line ends kept: :func:`file_lines`).
    delimiter : the cell separator.
    width : cells of a full row (the header's); a quoted cell whose continuation lines hold
        at least half as many cells is an unbalanced quote. ``None``: quoted cells never span
        lines.
    max_records : raise :class:`TableError` once more non-blank records than this were read.
    blank : yield blank records (every cell empty or spaces) too; False: only the others.
    """
    lines = _lines(text)
    pending: list[str] = []
    line_no, count = 0, 0
    row_like = max(2, (width or 0) // 2)
    while True:
        line = pending.pop(0) if pending else next(lines, None)
        if line is None:
            return
        line_no += 1
        if '"' not in line:
            cells = line.split(delimiter)
        elif (cells := _closed(line, delimiter)) is None:
            cells, used = _join(line, lines, pending, delimiter, width, row_like)
            if cells is None:
                yield LineProblem(
                    line_no,
                    line,
                    'a quote (") opens a cell and is never closed, so this row could not be '
                    "split into cells: close the quote or remove it",
                )
                continue
            start, line_no = line_no, line_no + used
            if blank or any(map(str.strip, cells)):
                yield start, cells
            count += 1
            continue
        if any(map(str.strip, cells)):
            count += 1
            if max_records is not None and count > max_records:
                raise TableError(
                    f"the {what} has more than {max_records:,} rows: split it into smaller files"
                )
        elif not blank:
            continue
        yield line_no, cells


def _join(
    first: str,
    lines: Iterator[str],
    pending: list[str],
    delimiter: str,
    width: int | None,
    row_like: int,
) -> tuple[list[str] | None, int]:
    """Cells of a quoted cell spanning lines and the number of extra lines, or (None, 0)."""
    if width is None:
        return None, 0
    taken: list[str] = []
    while len(taken) < MAX_CELL_LINES:
        nxt = pending[len(taken)] if len(taken) < len(pending) else next(lines, None)
        if nxt is None:
            break
        if len(taken) >= len(pending):
            pending.append(nxt)
        taken.append(nxt)
        cells = _closed("\n".join([first, *taken]), delimiter)
        if cells is not None and len(cells) < width + row_like:
            del pending[: len(taken)]
            return cells, len(taken)
        if cells is not None or len(split_line(nxt, delimiter)) >= row_like:
            break  # the "continuation" is a row of its own: the quote is unbalanced
    return None, 0
