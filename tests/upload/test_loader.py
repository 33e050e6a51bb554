"""The upload format and loader: fixtures with exact expected issues, file-level problems,
round trips (DataFrame, CSV, XLSX), cell formats, CUSIPs and property-based robustness."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xmsim.cusip import check_digit, cusip_problem, is_treasury_cusip, is_valid_cusip
from xmsim.portfolio import FUTURE, HOUSE, Portfolio, Position
from xmsim.upload import loader
from xmsim.upload.format import WRITTEN_COLUMNS
from xmsim.upload.loader import (
    COLUMN_NAMES,
    ERROR,
    TEMPLATE_CSV,
    WARNING,
    LoadResult,
    RowIssue,
    load_portfolio,
    load_portfolio_text,
    parse_expiry,
    portfolio_to_frame,
)

ASOF = dt.date(2026, 7, 31)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "loader"
E, W = ERROR, WARNING


def keys(result: LoadResult) -> Counter:
    return Counter((i.row, i.column, i.severity) for i in result.issues)


# ------------------------------------------------------------------------- fixtures, exactly

EXPECTED = {
    "bad_cash.csv": (
        [2, 9, 10, 17, 21, 22],
        [(3, "coupon", E), (4, "maturity", E), (5, "coupon", E), (6, "maturity", E),
         (7, "cusip", E), (8, "coupon", E), (9, "quantity", W), (10, "quantity", W),
         (11, "quantity", E), (12, "end_date", E), (13, "end_date", E), (14, "maturity", E),
         (15, "price", E), (16, "issue_date", E), (18, "quantity", E), (19, "quantity", E),
         (19, "coupon", E), (19, "maturity", E), (20, "cusip", E), (21, "cusip", W),
         (22, "end_date", W)],
    ),
    "bad_futures.csv": (
        [2, 10, 11, 13, 16, 18],
        [(3, "contract", E), (4, "expiry", E), (5, "expiry", E), (6, "expiry", E),
         (7, "contract", E), (8, "quantity", E), (9, "quantity", E), (12, "expiry", E),
         (14, "expiry", E), (15, "expiry", E), (17, "expiry", E), (19, "expiry", E)],
    ),
    "missing_fields.csv": (
        [8],
        [(2, "product", E), (3, "product", E), (4, "coupon", E), (4, "maturity", E),
         (5, "end_date", E), (6, "expiry", E), (6, "contract", E), (7, "quantity", E),
         (8, "coupon", W)],
    ),
    "quantities.csv": (
        [2, 3, 4, 5, 6, 7, 8, 13],
        [(7, None, W), (8, None, W), (9, "quantity", E), (10, "quantity", E),
         (11, "quantity", E), (12, "quantity", E)],
    ),
    "duplicates.csv": ([2, 3, 4, 5, 6], [(3, None, W), (4, None, W), (6, None, W)]),
    "ineligible.csv": ([2, 3, 4, 5, 6, 7, 8], [(8, "contract", W), (9, "maturity", E)]),
    "messy_headers.csv": (
        [5, 7],
        [(None, None, W), (None, None, W), (None, None, W), (8, "product", E),
         (8, "quantity", E)],
    ),
    "semicolon.csv": ([2], [(3, "coupon", E)]),
    "tab_pasted.txt": ([2, 3], []),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_issues_are_exactly_the_expected_ones(name):
    rows, issues = EXPECTED[name]
    result = load_portfolio(FIXTURES / name, asof=ASOF)
    assert keys(result) == Counter(issues)
    assert [p.row for p in result.portfolio] == rows
    assert set(result.rejected_rows).isdisjoint(rows)
    for issue in result.issues:
        assert len(issue.message) > 25  # says what is wrong and what to do


def test_every_fixture_is_in_the_table():
    assert {p.name for p in FIXTURES.iterdir()} == set(EXPECTED)


def test_fixture_values_are_parsed_as_written():
    quantities = load_portfolio(FIXTURES / "quantities.csv", asof=ASOF).portfolio
    assert [p.quantity for p in quantities] == [1e6, -5e6, 5e6, 250e3, 2e9, 1e6, 1e6, 1.5e6]
    assert quantities.positions[-1].coupon_pct == 4.25
    futures = load_portfolio(FIXTURES / "bad_futures.csv", asof=ASOF).portfolio
    got = [(p.contract, p.expiry) for p in futures]
    assert got == [("ZN", dt.date(2026, 12, 1)), ("ZN", dt.date(2026, 12, 1)),
                   ("ZN", dt.date(2026, 12, 1)), ("SR3", dt.date(2027, 3, 1)),
                   ("ZN", dt.date(2026, 9, 1)), ("ZN", dt.date(2026, 12, 1))]  # fmt: skip
    messy = load_portfolio(FIXTURES / "messy_headers.csv", asof=ASOF).portfolio
    assert [(p.account, p.product, p.quantity) for p in messy] == [
        ("CUST_A", "UST", 5e6), ("CUST_B", "REVERSE_REPO", 5e6)]  # fmt: skip
    cash = load_portfolio(FIXTURES / "bad_cash.csv", asof=ASOF).portfolio
    assert cash.positions[0] == Position("UST", 1e7, HOUSE, 4.25, dt.date(2034, 11, 15),
                                         label="valid row 2", row=2)  # fmt: skip
    assert cash.positions[0].price is None
    assert cash.positions[-1].end_date is None  # ignored with a warning


def test_messages_name_value_and_fix():
    result = load_portfolio(FIXTURES / "bad_cash.csv", asof=ASOF)
    by_row = {(i.row, i.column): i for i in result.issues}
    assert by_row[(7, "cusip")].value == "91282CLF7"
    assert "should be 6" in by_row[(7, "cusip")].message
    assert "REVERSE_REPO" in by_row[(11, "quantity")].message
    assert by_row[(3, "coupon")].value == ""
    frame = result.to_frame()
    assert list(frame.columns) == ["row", "column", "value", "severity", "message"]
    assert len(frame) == len(result.issues)
    assert not result.ok and result.errors and result.warnings
    assert "rejected" in result.summary()


# ------------------------------------------------------------------------- file-level problems


def _too_many_rows() -> str:
    return "product,quantity\n" + "FUTURE,1\n" * (loader.MAX_ROWS + 1)


FILE_PROBLEMS = {
    "empty bytes": b"",
    "empty text": "",
    "blank lines": "\n\n  \n",
    "binary": bytes(range(256)) * 8,
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
    "old xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "broken xlsx": b"PK\x03\x04 this is not really a zip file",
    "no known columns": "foo,bar\n1,2\n",
    "header only": "product,quantity,coupon\n",
    "no quantity column": "product,coupon\nUST,4.25\n",
    "too many rows": _too_many_rows(),
}


@pytest.mark.parametrize("name", sorted(FILE_PROBLEMS))
def test_file_level_problem_gives_exactly_one_issue(name):
    result = load_portfolio(FILE_PROBLEMS[name], asof=ASOF)
    assert len(result.issues) == 1
    issue = result.issues[0]
    assert (issue.row, issue.severity) == (None, ERROR)
    assert len(result.portfolio) == 0 and not result.ok


def test_oversize_bytes_and_missing_path(monkeypatch, tmp_path):
    monkeypatch.setattr(loader, "MAX_BYTES", 100)
    big = tmp_path / "big.csv"
    big.write_text("product,quantity\n" + "FUTURE,1\n" * 50)
    for source in (big, str(big), big.read_bytes()):
        (issue,) = load_portfolio(source, asof=ASOF).issues
        assert "MB" in issue.message
    (issue,) = load_portfolio(tmp_path / "nope.csv", asof=ASOF).issues
    assert "not found" in issue.message


def test_programmer_errors_raise():
    with pytest.raises(TypeError):
        load_portfolio(TEMPLATE_CSV, asof="2026-07-31")
    with pytest.raises(TypeError):
        load_portfolio(12345, asof=ASOF)
    with pytest.raises(ValueError):
        RowIssue(1, "x", "", "m", "fatal")


# ------------------------------------------------------------------------- sources, round trips


def test_template_has_every_column_and_loads_clean():
    result = load_portfolio_text(TEMPLATE_CSV, asof=ASOF)
    assert result.issues == ()
    assert TEMPLATE_CSV.splitlines()[0].split(",") == list(WRITTEN_COLUMNS)
    assert [c for c in COLUMN_NAMES if c not in WRITTEN_COLUMNS] == ["side"]  # read, not written
    assert {p.product for p in result.portfolio} == set(loader.PRODUCTS)


BROKER = """\
Account ID,Type,Side,Par Value,Coupon %,Maturity Date,Symbol,Contract Month
CUST_A,UST,BUY,"1,000,000",4.25,2034-11-15,,
CUST_A,FUTURE,SELL,50,,,ZN,2026-12
CUST_A,FUTURE,S,-50,,,ZN,2026-12
CUST_A,FUTURE,BUY,-50,,,ZN,2026-12
CUST_A,FUTURE,HOLD,5,,,ZN,2026-12
CUST_A,REPO,SELL,5000000,4.25,2034-11-15,,
CUST_A,FUTURE,long,7,,,ZN,2026-12
"""


def test_broker_headers_are_reported_as_read_and_side_signs_quantities():
    result = load_portfolio_text(BROKER, asof=ASOF)
    assert result.alias_notes() == (
        "read column 'Account ID' as account",
        "read column 'Type' as product",
        "read column 'Par Value' as quantity",
        "read column 'Coupon %' as coupon",
        "read column 'Maturity Date' as maturity",
        "read column 'Symbol' as contract",
        "read column 'Contract Month' as expiry",
    )  # "Side" is the column's own name: nothing to report
    assert [(p.row, p.quantity) for p in result.portfolio] == [
        (2, 1_000_000.0), (3, -50.0), (4, -50.0), (8, 7.0)
    ]  # fmt: skip
    errors = {(i.row, i.column): i.message for i in result.errors}
    assert "negative but side is BUY" in errors[(5, "side")]
    assert errors[(6, "side")].startswith("unknown side 'HOLD': use BUY or SELL")
    assert "side is not used for REPO rows" in errors[(7, "side")]
    assert loader.portfolio_to_frame(result.portfolio).columns.tolist() == list(WRITTEN_COLUMNS)


def test_format_table_lists_every_column():
    table = loader.format_table_markdown()
    assert table.count("\n") == len(COLUMN_NAMES) + 2
    for name in COLUMN_NAMES:
        assert f"| `{name}` |" in table


def _template() -> Portfolio:
    return load_portfolio_text(TEMPLATE_CSV, asof=ASOF).portfolio


def test_dataframe_csv_and_file_objects_round_trip(tmp_path):
    portfolio = _template()
    frame = portfolio_to_frame(portfolio)
    assert list(frame.columns) == list(WRITTEN_COLUMNS)
    text = frame.to_csv(index=False)
    path = tmp_path / "p.csv"
    path.write_text(text)
    bom = ("\ufeff" + text).encode("utf-8")
    sources = [frame, text, text.encode(), path, str(path), io.BytesIO(text.encode()),
               io.StringIO(text), bom, text.encode("utf-16")]  # fmt: skip
    for source in sources:
        result = load_portfolio(source, asof=ASOF)
        assert result.issues == ()
        assert result.portfolio == portfolio


def test_xlsx_round_trip(tmp_path):
    portfolio = _template()
    path = tmp_path / "p.xlsx"
    portfolio_to_frame(portfolio).to_excel(path, index=False)
    for source in (path, path.read_bytes(), io.BytesIO(path.read_bytes())):
        result = load_portfolio(source, asof=ASOF)
        assert result.issues == () and result.portfolio == portfolio


def test_xlsx_with_date_cells_title_rows_and_second_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active["A1"] = "nothing here"
    sheet = book.create_sheet("positions")
    sheet.append(["Exported from the risk system"])
    sheet.append([])
    sheet.append(["Product", "Quantity", "Coupon", "Maturity", "Contract", "Expiry"])
    sheet.append(["UST", 1_000_000, 4.25, dt.datetime(2034, 11, 15), None, None])
    sheet.append(["FUTURE", -5, None, None, "ZN", dt.datetime(2026, 12, 1)])
    sheet.append(["UST", 1_000_000, 4.25, 46000.0, None, None])  # an Excel serial: 2025-12-09
    path = tmp_path / "dates.xlsx"
    book.save(path)
    result = load_portfolio(path, asof=ASOF)
    assert keys(result) == Counter({(None, None, W): 1, (6, "maturity", E): 1})
    assert [(p.row, p.maturity or p.expiry) for p in result.portfolio] == [
        (4, dt.date(2034, 11, 15)), (5, dt.date(2026, 12, 1))]  # fmt: skip


def test_dealer_book_round_trips_through_xlsx(tmp_path):
    path = loader.sample_paths()["dealer_book"]
    portfolio = load_portfolio(path, asof=ASOF).portfolio
    xlsx = tmp_path / "dealer.xlsx"
    portfolio_to_frame(portfolio).to_excel(xlsx, index=False)
    assert load_portfolio(xlsx, asof=ASOF).portfolio == portfolio


def test_pasted_text_separators():
    for sep in (",", "\t", ";", "|"):
        text = sep.join(["product", "quantity", "contract", "expiry"]) + "\n"
        text += sep.join(["FUTURE", "-5", "ZN", "2026-12"]) + "\n"
        result = load_portfolio_text(text, asof=ASOF)
        assert result.issues == ()
        assert result.portfolio.positions[0] == Position(
            FUTURE, -5.0, contract="ZN", expiry=dt.date(2026, 12, 1), row=2
        )


# ------------------------------------------------------------------------- cell formats

DATES = {
    "2034-08-15": dt.date(2034, 8, 15), "2034/8/15": dt.date(2034, 8, 15),
    "08/15/2034": dt.date(2034, 8, 15), "8/15/2034": dt.date(2034, 8, 15),
    "20340815": dt.date(2034, 8, 15), "15-Aug-2034": dt.date(2034, 8, 15),
    "15 August 2034": dt.date(2034, 8, 15), "Aug 15, 2034": dt.date(2034, 8, 15),
    "15.08.2034": dt.date(2034, 8, 15), "2034-08-15 00:00:00": dt.date(2034, 8, 15),
    "2034-08-15T00:00:00": dt.date(2034, 8, 15),
}  # fmt: skip


@pytest.mark.parametrize("text", sorted(DATES))
def test_date_formats(text):
    result = load_portfolio_text(
        f'product,quantity,coupon,maturity\nUST,1e6,4,"{text}"\n', asof=ASOF
    )
    assert result.issues == ()
    assert result.portfolio.positions[0].maturity == DATES[text]


EXPIRIES = {
    "2026-12": (dt.date(2026, 12, 1), None), "202612": (dt.date(2026, 12, 1), None),
    "12/2026": (dt.date(2026, 12, 1), None), "Dec-26": (dt.date(2026, 12, 1), None),
    "DEC 2026": (dt.date(2026, 12, 1), None), "2026-12-15": (dt.date(2026, 12, 1), None),
    "ZNZ6": (dt.date(2026, 12, 1), "ZN"), "znz26": (dt.date(2026, 12, 1), "ZN"),
    "Z26": (dt.date(2026, 12, 1), None), "Z6": (dt.date(2026, 12, 1), None),
    "ZNH6": (dt.date(2026, 3, 1), "ZN"), "TYU7": (dt.date(2027, 9, 1), "ZN"),
    "Z3NZ6": (dt.date(2026, 12, 1), "Z3N"), "SR3H7": (dt.date(2027, 3, 1), "SR3"),
    "TWEZ6": (dt.date(2026, 12, 1), "TWE"), "SR3H5": (dt.date(2025, 3, 1), "SR3"),
    "SR3H4": (dt.date(2034, 3, 1), "SR3"), "ZQF2027": (dt.date(2027, 1, 1), "ZQ"),
}  # fmt: skip


@pytest.mark.parametrize("code", sorted(EXPIRIES))
def test_expiry_codes(code):
    assert parse_expiry(code, ASOF) == EXPIRIES[code]


@pytest.mark.parametrize("code", ["ZN", "A6", "ZNZ", "XXZ6", "2026-13", "ZNA6", "", "Dec"])
def test_malformed_expiry_codes(code):
    with pytest.raises(ValueError):
        parse_expiry(code, ASOF)


def test_expiry_one_digit_year_window():
    # [asof.year - 1, asof.year + 8]: on 2026-07-31, 5 -> 2025 and 4 -> 2034
    years = {d: parse_expiry(f"Z{d}", ASOF)[0].year for d in range(10)}
    assert sorted(years.values()) == list(range(2025, 2035))


def test_header_matching_ignores_case_spaces_underscores_and_units():
    text = " PRODUCT ,Qty,Coupon (%),maturity_date,End-Date,CUSIP\n"
    text += "repo,5mm,4.25,2034-11-15,2026-08-31,\n"
    result = load_portfolio_text(text, asof=ASOF)
    assert result.issues == ()
    assert result.portfolio.positions[0].end_date == dt.date(2026, 8, 31)


def test_duplicate_column_is_reported_once():
    text = "product,quantity,qty,contract,expiry\nFUTURE,5,7,ZN,2026-12\n"
    result = load_portfolio_text(text, asof=ASOF)
    assert keys(result) == Counter({(None, "quantity", W): 1})
    assert result.portfolio.positions[0].quantity == 5


# ------------------------------------------------------------------------- CUSIP

# Real CUSIPs; the Treasury ones are cross-checked against their ISINs below.
REAL_CUSIPS = ["91282CLF6", "91282CJZ5", "91282CJL6", "912810TJ7", "912810TV0", "912810TZ1",
               "91282CKJ9", "91282CKN0", "037833100", "594918104", "38259P508"]  # fmt: skip
REAL_ISINS = ["US91282CJZ59", "US91282CJL63", "US912810TJ79", "US912810TV08", "US912810TZ12",
              "US91282CKJ98", "US91282CKN01"]  # fmt: skip


def _isin_ok(isin: str) -> bool:
    """ISIN check (Luhn over the letter-expanded digits): an independent algorithm."""
    digits = "".join(str(int(ch, 36)) for ch in isin[:-1])
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10 == int(isin[-1])


def test_cusip_check_digit_on_real_cusips():
    for cusip in REAL_CUSIPS:
        assert check_digit(cusip[:8]) == int(cusip[8]), cusip
        assert is_valid_cusip(cusip) and is_valid_cusip(cusip.lower())
    assert all(is_treasury_cusip(c) for c in REAL_CUSIPS[:8])
    assert not is_treasury_cusip("037833100")
    for isin in REAL_ISINS:
        assert _isin_ok(isin) and isin[2:11] in REAL_CUSIPS


def test_cusip_problems():
    assert "should be 6" in cusip_problem("91282CLF0")
    assert "9 characters" in cusip_problem("91282CLF")
    assert cusip_problem("91282CL!6") is not None
    for i in range(8):  # any single-character typo is caught
        typo = "91282CLF6"[:i] + ("1" if "91282CLF6"[i] != "1" else "2") + "91282CLF6"[i + 1 :]
        assert not is_valid_cusip(typo)


# ------------------------------------------------------------------------- property-based

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from xmsim.contracts import contract_codes, last_trade_date  # noqa: E402

_LABEL = st.text(alphabet="abcXYZ019 -_", max_size=12).map(str.strip)
_ACCOUNT = st.sampled_from(["", "HOUSE", "CUST_A", "cust b", "123"])
_MATURITY = st.dates(dt.date(2026, 8, 3), dt.date(2056, 5, 15))
_COUPON = st.integers(1, 64).map(lambda k: k / 8)
_FACE = st.integers(-(10**8), 10**8).map(lambda n: n * 1000)
_MONTHS = [dt.date(2026 + m // 12, m % 12 + 1, 1) for m in range(7, 40)]


@st.composite
def valid_rows(draw) -> tuple[dict[str, str], Position]:
    """A valid upload row (as text, in random but accepted formats) and its position."""
    product = draw(st.sampled_from(["UST", "REPO", "REVERSE_REPO", "FUTURE", "TIPS", "BILL"]))
    account, label = draw(_ACCOUNT), draw(_LABEL)
    cells = {"product": draw(st.sampled_from([product, product.lower(), f" {product} "]))}
    cells["account"], cells["label"] = account, label
    kwargs = {"account": account.strip() or HOUSE, "label": label}
    if product == "FUTURE":
        code = draw(st.sampled_from(contract_codes()))
        month = draw(st.sampled_from([m for m in _MONTHS if last_trade_date(code, m) >= ASOF]))
        qty = draw(st.integers(-(10**6), 10**6))
        cells |= {"quantity": str(qty), "contract": code}
        cells["expiry"] = draw(st.sampled_from([f"{month:%Y-%m}", f"{month:%b-%y}"]))
        return cells, Position(FUTURE, float(qty), contract=code, expiry=month, **kwargs)
    maturity, coupon = draw(_MATURITY), draw(_COUPON)
    qty = abs(draw(_FACE)) if product in ("REPO", "REVERSE_REPO") else draw(_FACE)
    cells["quantity"] = draw(st.sampled_from([str(qty), f"{qty:,}", f"{qty:.12e}"]))
    cells["coupon"] = draw(st.sampled_from([f"{coupon:g}", f"{coupon:g}%"]))
    cells["maturity"] = draw(st.sampled_from([maturity.isoformat(), f"{maturity:%m/%d/%Y}"]))
    kwargs |= {"coupon_pct": coupon, "maturity": maturity}
    if product in ("REPO", "REVERSE_REPO"):
        end = draw(st.dates(ASOF, maturity))
        cells["end_date"] = end.isoformat()
        kwargs["end_date"] = end
    return cells, Position(product, float(qty), **kwargs)


_GARBAGE = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=15),
    st.sampled_from(["nan", "inf", "-", "(5)", "1e999", "ZNH6", "2026-02-30", "0", "ZZZ"]),
)  # fmt: skip


def _variant(name: str, style: int) -> str:
    return [name, name.upper(), name.replace("_", " ").title(), f" {name.replace('_', '-')} "][
        style
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(valid_rows(), min_size=1, max_size=12),
    data=st.data(),
)
def test_random_and_mutated_files_never_raise_and_keep_valid_rows(rows, data):
    rows = rows + data.draw(st.lists(st.sampled_from(rows), max_size=3))  # duplicates
    rows = data.draw(st.permutations(rows))
    mutated = set()
    table = []
    for i, (cells, _) in enumerate(rows):
        cells = dict(cells)
        if data.draw(st.booleans()):
            column = data.draw(st.sampled_from(COLUMN_NAMES))
            cells[column] = data.draw(_GARBAGE)
            mutated.add(i)
        table.append([cells.get(c, "") for c in COLUMN_NAMES])
    order = data.draw(st.permutations(range(len(COLUMN_NAMES))))
    header = [_variant(COLUMN_NAMES[j], data.draw(st.integers(0, 3))) for j in order]
    frame = pd.DataFrame([[r[j] for j in order] for r in table], columns=header)
    text = frame.to_csv(index=False)
    as_bytes = data.draw(st.booleans())
    result = load_portfolio(text.encode() if as_bytes else text, asof=ASOF)
    loaded = {p.row: p for p in result.portfolio}
    for i, (_, position) in enumerate(rows):
        if i not in mutated:
            assert loaded[i + 2] == Position(**{**_fields(position), "row": i + 2})
    # each row's fate in the file equals its fate on its own (header + that row only)
    for i in mutated:
        alone = load_portfolio(
            pd.DataFrame([[table[i][j] for j in order]], columns=header), asof=ASOF
        )
        row_issues = Counter((x.column, x.severity) for x in alone.issues if x.row is not None)
        in_file = Counter((x.column, x.severity) for x in result.issues
                          if x.row == i + 2 and "identical" not in x.message)  # fmt: skip
        assert row_issues == in_file
        if alone.portfolio.positions:
            expected = Position(**{**_fields(alone.portfolio.positions[0]), "row": i + 2})
            assert loaded[i + 2] == expected
        else:
            assert i + 2 not in loaded


def _fields(position: Position) -> dict:
    return {name: getattr(position, name) for name in Position.__slots__}


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_arbitrary_input_never_raises(blob):
    result = load_portfolio(blob, asof=ASOF)
    assert isinstance(result, LoadResult)
    assert all(isinstance(i, RowIssue) for i in result.issues)
    if isinstance(blob, str):
        assert isinstance(load_portfolio_text(blob, asof=ASOF), LoadResult)


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(st.one_of(_GARBAGE, st.none(), st.floats(), st.integers(), st.dates()),
                   min_size=len(COLUMN_NAMES), max_size=len(COLUMN_NAMES)),
)  # fmt: skip
def test_garbage_dataframe_cells_never_raise(cells):
    frame = pd.DataFrame([cells], columns=list(COLUMN_NAMES), dtype=object)
    result = load_portfolio(frame, asof=ASOF)
    assert result.ok == (len(result.portfolio) == 1)


def test_a_maturity_beyond_31_years_is_an_error_naming_the_fix():
    text = (
        "product,quantity,coupon,maturity\n"
        "UST,1000000,4.25,2058-08-15\n"
        "UST,1000000,4.25,2056-08-15\n"
    )
    res = load_portfolio(text.encode(), asof=dt.date(2026, 7, 31), filename="x.csv")
    assert [p.row for p in res.portfolio] == [3]
    (err,) = res.errors
    assert (err.row, err.column, err.value) == (2, "maturity", "2058-08-15")
    assert "as-of date" in err.message
