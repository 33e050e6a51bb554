"""Generators of good and bad input files, shared by the fuzz test and benchmarks/fuzz_inputs.py.

Each generator returns ``(bytes, expected)`` where ``expected`` maps every data row the file holds
(spreadsheet row / file line) to ``True`` when the row is valid as written, so a test can check
that every row is either loaded or named in a message.
"""

from __future__ import annotations

import io
import random
import zipfile
from xml.sax.saxutils import escape

VALID_ROWS = (
    ("HOUSE", "UST", "10,000,000", "3.875", "2034-08-15", "", "", "", "", "", "", "10y"),
    ("HOUSE", "FUTURE", "-95", "", "", "", "", "", "", "ZN", "2026-12", "hedge"),
    ("CUST_A", "REPO", "5000000", "4.625", "2055-02-15", "", "", "", "2026-08-14", "", "", "r"),
    ("HOUSE", "UST", "2mm", "4.25", "11/15/2030", "", "", "99-16+", "", "", "", ""),
    ("CUST_B", "FUTURE", "20", "", "", "", "", "", "", "", "SR3Z6", "strip"),
)
HEADER = ("account", "product", "quantity", "coupon", "maturity", "cusip", "issue_date", "price",
          "end_date", "contract", "expiry", "label")  # fmt: skip

_BAD_CELLS = ("nan", "inf", "1e999", "-1e999", "9" * 5000, "x" * 140_000, "=HYPERLINK(1)",
              "2034-02-30", "1000-01-01", "9999-12-31", "(5", "1,0,0", "\x00", "\ufeff",
              "5m", "ZZZ", "", "NaN", "-0", "1e-400")  # fmt: skip
_BAD_COLUMNS = (1, 2, 3, 4, 7, 8, 9, 10)  # product .. expiry: a bad value there is an error


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell


def csv_line(cells) -> str:
    """One CSV line, quoting only the cells that need it."""
    return ",".join(_quote(c) for c in cells)


def portfolio_rows(rng: random.Random, n: int) -> tuple[list[list[str]], dict[int, bool]]:
    """``n`` data rows (valid, or one cell replaced by a bad value) and row -> valid."""
    rows, valid = [], {}
    for i in range(n):
        row = list(rng.choice(VALID_ROWS))
        ok = rng.random() < 0.6
        if not ok:
            row[rng.choice(_BAD_COLUMNS)] = rng.choice(_BAD_CELLS[:-4])
        rows.append(row)
        valid[i + 2] = ok
    return rows, valid


def portfolio_csv(rng: random.Random) -> tuple[bytes, dict[int, bool]]:
    """A portfolio CSV with bad cells, possibly an unbalanced quote, a BOM or cp1252 text."""
    rows, valid = portfolio_rows(rng, rng.randint(1, 12))
    lines = [csv_line(HEADER)] + [csv_line(row) for row in rows]
    if rng.random() < 0.3:  # an unbalanced quote in one label
        k = rng.randrange(1, len(lines))
        lines[k] += ',"never closed'
        valid[k + 1] = False
    text = ("\r\n" if rng.random() < 0.3 else "\n").join(lines) + "\n"
    encoding = rng.choice(("utf-8", "utf-8-sig", "cp1252", "utf-16"))
    return text.encode(encoding, errors="replace"), valid


def xlsx_bytes(sheets: list[tuple[str, list[list[object]]]], truncate: int | None = None) -> bytes:
    """A minimal XLSX (inline strings, numbers) with the given sheets; optionally cut short."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        entries = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _) in enumerate(sheets, 1)
        )
        ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
        z.writestr("xl/workbook.xml", f"<workbook {ns} {rns}><sheets>{entries}</sheets></workbook>")
        rels = "".join(
            f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" Type="ws"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr("xl/_rels/workbook.xml.rels", f"<Relationships>{rels}</Relationships>")
        for i, (_, rows) in enumerate(sheets, 1):
            body = "".join(
                f'<row r="{r}">' + "".join(_xlsx_cell(v) for v in row) + "</row>"
                for r, row in enumerate(rows, 1)
            )
            xml = f"<worksheet {ns}><sheetData>{body}</sheetData></worksheet>"
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml[:truncate] if truncate else xml)
    return buf.getvalue()


def _xlsx_cell(value: object) -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, int | float):
        return f"<c><v>{value!r}</v></c>"
    text = escape("".join(ch for ch in str(value) if ch >= " " or ch in "\t\n"))
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def portfolio_xlsx(rng: random.Random) -> tuple[bytes, dict[int, bool]]:
    """An XLSX portfolio, sometimes behind a cover sheet with Notes/Name/Type cells."""
    rows, valid = portfolio_rows(rng, rng.randint(1, 10))
    sheets = [("positions", [list(HEADER), *rows])]
    if rng.random() < 0.4:
        sheets.insert(0, ("cover", [["Notes"], ["Name", "Type"], ["desk", "rates"]]))
    return xlsx_bytes(sheets), valid


TREASURY_HEADER = "Date,1 Mo,2 Mo,3 Mo,4 Mo,6 Mo,1 Yr,2 Yr,3 Yr,5 Yr,7 Yr,10 Yr,20 Yr,30 Yr"
_YIELDS = "5.5,5.5,5.4,5.4,5.3,4.8,4.3,4.1,3.9,3.9,3.9,4.2,4.1"
_BAD_YIELDS = ("inf", "1e999", "abc", "430", "-1e999", "x" * 140_000, '"open')
_BAD_DATES = ("1000-01-01", "9999-12-31", "13/45/24", "x/4/24", "", "2024-02-30")


def history_csv(rng: random.Random) -> tuple[bytes, dict[int, bool]]:
    """A Treasury par-yield CSV with bad yields, bad or repeated dates; line -> valid."""
    lines, valid = [TREASURY_HEADER], {}
    for i in range(rng.randint(1, 15)):
        date = f"{1 + i // 28}/{1 + i % 28}/24"
        cells = _YIELDS.split(",")
        ok = rng.random() < 0.6
        if not ok:
            if rng.random() < 0.5:
                cells[rng.randrange(len(cells))] = rng.choice(_BAD_YIELDS)
            else:
                date = rng.choice(_BAD_DATES)
        lines.append(",".join([date, *cells]))
        valid[len(lines)] = ok
    return "\n".join(lines).encode(rng.choice(("utf-8", "latin-1"))), valid


def span_csv(rng: random.Random, good_lines: list[str]) -> tuple[bytes, dict[int, bool]]:
    """The shipped SPAN parameter file with some values replaced by bad ones; line -> valid."""
    lines, valid = list(good_lines), {}
    header = next(k for k, line in enumerate(lines) if line.startswith("table,"))
    for k in range(header + 1, len(lines)):
        if '"' not in lines[k] and not lines[k].startswith("#") and rng.random() < 0.08:
            cells = lines[k].split(",")
            bad = rng.choice(("inf", "1e308", "nan", "abc", "-5", "x" * 140_000, '"q'))
            if bad != cells[3]:  # inf is the last bucket's own max_years
                cells[3] = bad
                lines[k] = ",".join(cells)
                valid[k + 1] = False
    return "\n".join(lines).encode(rng.choice(("utf-8", "latin-1"))), valid
