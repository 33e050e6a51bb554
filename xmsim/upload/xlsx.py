"""A streaming XLSX reader: sheet rows straight from the zip with ``iterparse``.

Nothing is expanded into memory beyond what is kept: every XML part is read through a counter
that stops at :data:`MAX_XML_BYTES` (a zip bomb stops there), a sheet is read only up to the
row limit, cells are converted as they are parsed (shared strings, inline strings, numbers,
booleans, error values, and numbers in a date style -> ``datetime``), and a damaged or truncated
part is a :class:`~xmsim.upload.table.TableError` with the fix, never a ``ParseError``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError, iterparse

from xmsim.upload.table import TableError

MAX_XML_BYTES = 512 * 2**20
"""Largest amount of XML read out of one workbook [bytes] (a 50 MB file holds at most this)."""

_BUILTIN_DATE_FORMATS = frozenset((*range(14, 23), 45, 46, 47))
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_REF = re.compile(r"([A-Z]{1,3})(\d*)")
_DAMAGED = "save it again from Excel as .xlsx (or as .csv)"


class _Counted(io.RawIOBase):
    """A zip member stream that stops once the workbook's XML budget is spent."""

    def __init__(self, raw, budget: list[int], name: str) -> None:
        self.raw, self.budget, self.name = raw, budget, name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(min(len(buffer), 1 << 16))
        self.budget[0] -= len(data)
        if self.budget[0] < 0:
            raise TableError(
                f"the workbook expands to more than {MAX_XML_BYTES // 2**20} MB of XML "
                f"(at {self.name}): split the portfolio or save it as .csv"
            )
        buffer[: len(data)] = data
        return len(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _column_index(ref: str | None, fallback: int) -> int:
    m = _REF.match(ref or "")
    if not m:
        return fallback
    index = 0
    for ch in m[1]:
        index = index * 26 + ord(ch) - 64
    return index - 1


class Workbook:
    """The sheets of an XLSX file, read lazily."""

    def __init__(self, data: bytes | str | os.PathLike) -> None:
        """``data``: the file's bytes, or its path (then read from disk as the rows are
        parsed, never held whole)."""
        try:
            source = data if isinstance(data, str | os.PathLike) else io.BytesIO(data)
            self.zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise TableError(
                f"cannot open the file as an Excel workbook ({exc}): {_DAMAGED}"
            ) from None
        self.budget = [MAX_XML_BYTES]
        self.date1904 = False
        self.sheets = self._sheets()
        self.shared = self._shared_strings()
        self.date_styles = self._date_styles()

    def _events(self, name: str, events=("end",)) -> Iterator[tuple[str, object]]:
        try:
            raw = self.zip.open(name)
        except KeyError:
            return
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError) as exc:
            raise TableError(f"cannot read {name} in the workbook ({exc}): {_DAMAGED}") from None
        stream = io.BufferedReader(_Counted(raw, self.budget, name))
        try:
            yield from iterparse(stream, events=events)
        except ParseError as exc:
            raise TableError(
                f"the workbook part {name} is damaged or cut short ({exc}): {_DAMAGED}"
            ) from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise TableError(f"cannot read {name} in the workbook ({exc}): {_DAMAGED}") from None

    def _sheets(self) -> list[tuple[str, str]]:
        targets = {}
        for _, el in self._events("xl/_rels/workbook.xml.rels"):
            if _local(el.tag) == "Relationship":
                target = el.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[el.get("Id")] = posixpath.normpath(path)
        sheets = []
        for _, el in self._events("xl/workbook.xml"):
            tag = _local(el.tag)
            if tag == "workbookPr":
                self.date1904 = el.get("date1904", "0").lower() in ("1", "true")
            elif tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                if rid in targets:
                    sheets.append((el.get("name", ""), targets[rid]))
        if not sheets:
            names = sorted(
                (n for n in self.zip.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)),
                key=lambda n: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", n)],
            )
            sheets = [(posixpath.basename(n)[:-4], n) for n in names]
        if not sheets:
            raise TableError(f"the workbook has no worksheet: {_DAMAGED}")
        return sheets

    def _shared_strings(self) -> list[str]:
        strings: list[str] = []
        for _, el in self._events("xl/sharedStrings.xml"):
            if _local(el.tag) == "si":
                strings.append("".join(t.text or "" for t in el.iter() if _local(t.tag) == "t"))
                el.clear()
        return strings

    def _date_styles(self) -> frozenset[int]:
        custom: dict[int, str] = {}
        formats: list[int] = []
        in_xfs = False
        for event, el in self._events("xl/styles.xml", ("start", "end")):
            tag = _local(el.tag)
            if tag == "cellXfs":
                in_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                custom[_int(el.get("numFmtId"))] = el.get("formatCode", "")
            elif event == "end" and tag == "xf" and in_xfs:
                formats.append(_int(el.get("numFmtId")))

        def is_date(fmt: int) -> bool:
            if fmt in _BUILTIN_DATE_FORMATS:
                return True
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", custom.get(fmt, "")).lower()
            return bool(re.search(r"[dmy]", code)) and "general" not in code

        return frozenset(i for i, fmt in enumerate(formats) if is_date(fmt))

    def rows(self, sheet: str) -> Iterator[tuple[int, list]]:
        """``(row number, cell values)`` of one sheet part, in file order."""
        cells: dict[int, object] = {}
        fallback_row = 0
        for _, el in self._events(sheet):
            tag = _local(el.tag)
            if tag == "c":
                cells[_column_index(el.get("r"), len(cells))] = self._value(el)
                el.clear()
            elif tag == "row":
                fallback_row += 1
                number = _int(el.get("r"), fallback_row)
                fallback_row = number
                width = max(cells, default=-1) + 1
                values = [None] * width
                for i, v in cells.items():
                    values[i] = v
                cells = {}
                el.clear()
                yield number, values

    def _value(self, el) -> object:
        kind = el.get("t", "n")
        v = next((c.text for c in el if _local(c.tag) == "v"), None)
        if kind == "inlineStr":
            return "".join(t.text or "" for t in el.iter() if _local(t.tag) == "t")
        if v is None:
            return None
        if kind == "s":
            index = _int(v, -1)
            return self.shared[index] if 0 <= index < len(self.shared) else None
        if kind in ("str", "e"):
            return v
        if kind == "b":
            return v.strip() == "1"
        if kind == "d":
            try:
                return dt.datetime.fromisoformat(v.strip())
            except ValueError:
                return v
        try:
            number = float(v)
        except ValueError:
            return v
        if _int(el.get("s")) in self.date_styles and 0 <= number < 2_958_466:
            return (_EPOCH_1904 if self.date1904 else _EPOCH_1900) + dt.timedelta(days=number)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
