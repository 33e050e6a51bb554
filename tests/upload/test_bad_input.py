"""Regression tests of issue 19's failing classes 1-4: huge cells, huge numbers, unbalanced
quotes, XLSX damage, cover sheets and workbooks that expand to too much XML."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fuzzgen import HEADER, VALID_ROWS, csv_line, xlsx_bytes
from xmsim.upload import loader, xlsx
from xmsim.upload.loader import load_portfolio

ASOF = dt.date(2026, 7, 31)
HEAD = ",".join(HEADER)
ROWS = [csv_line(r) for r in VALID_ROWS[:2]]


def _load(text: str):
    return load_portfolio(text.encode(), asof=ASOF, filename="p.csv")


def _rows_with_issue(res, severity="error"):
    return {i.row for i in res.issues if i.severity == severity}


@pytest.mark.parametrize("where", [0, 1])
def test_a_huge_cell_costs_its_row_only(where):
    huge = csv_line([*VALID_ROWS[0][:-1], "x" * 200_000])
    lines = [HEAD, *ROWS]
    lines.insert(1 + where * 2, huge)
    res = _load("\n".join(lines))
    assert len(res.portfolio) == 2
    (issue,) = res.errors
    assert issue.row == 2 + where * 2 and issue.column == "label"
    assert "200,000 characters" in issue.message and "1,000" in issue.message


def test_a_huge_quoted_cell_in_the_first_lines_does_not_break_sniffing():
    text = f'{HEAD}\nHOUSE,UST,1e6,4,2034-08-15,,,,,,,"{"y" * 150_000}"\n{ROWS[1]}\n'
    res = _load(text)
    assert len(res.portfolio) == 1 and _rows_with_issue(res) == {2}


@pytest.mark.parametrize(
    "coupon", ["1" * 5000, "4" + "0" * 999, "1" * 4400 + "/8", "1 1/" + "9" * 5000]
)
def test_a_coupon_of_thousands_of_digits_is_a_row_error(coupon):
    res = _load(f"{HEAD}\nHOUSE,UST,1e6,{coupon},2034-08-15,,,,,,,\n{ROWS[1]}\n")
    assert len(res.portfolio) == 1
    (issue,) = res.errors
    assert issue.row == 2 and issue.column == "coupon"


def test_an_unbalanced_quote_costs_one_row_with_a_message():
    lines = [HEAD, ROWS[0] + ',"basis long', ROWS[1], ROWS[0], ROWS[1]]
    res = _load("\n".join(lines))
    assert [p.row for p in res.portfolio] == [3, 4, 5]
    (issue,) = res.errors
    assert issue.row == 2 and "quote" in issue.message and "close" in issue.message


def test_a_quoted_line_break_inside_a_label_still_loads():
    res = _load(f'{HEAD}\n{ROWS[0][: ROWS[0].rindex(",")]},"two\nlines"\n{ROWS[1]}\n')
    assert [p.label for p in res.portfolio] == ["two\nlines", "hedge"]
    assert not res.errors


def test_truncated_sheet_xml_is_a_clear_file_message():
    data = xlsx_bytes([("p", [list(HEADER), *map(list, VALID_ROWS)])], truncate=400)
    (issue,) = load_portfolio(data, asof=ASOF).issues
    assert issue.row is None and "damaged or cut short" in issue.message
    assert "save it again" in issue.message


def test_a_cover_sheet_with_name_and_type_cells_is_skipped():
    cover = [["Notes"], ["Name", "Type", "Notes"], ["desk", "rates", "see next sheet"]]
    data = xlsx_bytes([("cover", cover), ("book", [list(HEADER), *map(list, VALID_ROWS)])])
    res = load_portfolio(data, asof=ASOF)
    assert len(res.portfolio) == len(VALID_ROWS) and not res.errors


def test_a_workbook_expanding_past_the_xml_limit_stops_with_a_message(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_XML_BYTES", 200_000)
    rows = [list(HEADER)] + [list(VALID_ROWS[0])] * 5000  # ~1 MB of XML, a few kB zipped
    data = xlsx_bytes([("p", rows)])
    assert len(data) < 50_000
    (issue,) = load_portfolio(data, asof=ASOF).issues
    assert "expands to more than" in issue.message and "split" in issue.message


def test_the_xlsx_row_limit_is_checked_while_streaming(monkeypatch):
    monkeypatch.setattr(loader, "MAX_ROWS", 50)
    data = xlsx_bytes([("p", [list(HEADER)] + [list(VALID_ROWS[1])] * 500)])
    read = []
    rows = xlsx.Workbook.rows

    def counting(self, part):
        for record in rows(self, part):
            read.append(record)
            yield record

    monkeypatch.setattr(xlsx.Workbook, "rows", counting)
    (issue,) = load_portfolio(data, asof=ASOF).issues
    assert "more than 50 rows" in issue.message
    assert len(read) < 100  # stopped near the limit, not after the 500 rows


def test_the_csv_row_limit_is_checked_while_streaming(monkeypatch):
    monkeypatch.setattr(loader, "MAX_ROWS", 50)
    (issue,) = _load("\n".join([HEAD] + [ROWS[1]] * 500)).issues
    assert "more than" in issue.message and "split" in issue.message


def test_a_folder_as_the_portfolio_is_a_file_message(tmp_path):
    (issue,) = load_portfolio(tmp_path, asof=ASOF).issues
    assert "folder" in issue.message
