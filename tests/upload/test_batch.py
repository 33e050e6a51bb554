"""The loader's memo of instrument cells (``xmsim.upload.batch``) against its slow twin
(every row through ``parse_row``, ``tests/reference/upload.py``): the same positions and the
same issues, in the same order, on generated files full of repeated instruments with edge
quantities, on the fuzzed files and on every sample."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from tests.fuzzgen import portfolio_csv, portfolio_xlsx, xlsx_bytes
from tests.reference.upload import SlowRowReader
from xmsim.upload import loader
from xmsim.upload.loader import load_portfolio, sample_paths

ASOF = dt.date(2026, 7, 31)
HEADER = ["account", "product", "quantity", "coupon", "maturity", "end_date", "contract",
          "expiry", "cusip", "price", "label", "", "unknown", "side"]  # fmt: skip
INSTRUMENTS = [
    ["UST", "4.25", "2034-11-15", "", "", "", "", ""],
    ["ust", "4.25 %", "11/15/2034", "", "", "", "", "99-16+"],
    ["REPO", "4.25", "2034-11-15", "2026-08-31", "", "", "", ""],
    ["REVERSE_REPO", "3.875", "2034-08-15", "2026-09-30", "", "", "91282CLF6", ""],
    ["FUTURE", "", "", "", "ZN", "2026-12", "", ""],
    ["FUTURE", "", "", "", "", "ZNZ6", "", ""],
    ["FUTURE", "", "", "", "ZF", "ZNZ6", "", ""],  # disagreeing contract: an error
    ["FUTURE", "4.25", "", "", "ZN", "2026-12", "", ""],  # coupon on a future: a warning
    ["UST", "4.25", "2025-01-15", "", "", "", "", ""],  # matured
    ["TIPS", "1.5", "2030-01-15", "", "", "", "", ""],
    ["OPTION", "", "", "", "ZN", "2026-12", "", ""],
    ["BILL", "0", "2027-01-15", "", "", "", "", ""],
    ["UST", "4.25", "2034-11-15", "", "", "", "123456789", ""],  # bad CUSIP check digit
    ["", "4.25", "2034-11-15", "", "", "", "", ""],  # no product
    ["REPO", "4.25", "2034-11-15", "", "", "", "", ""],  # no end date
    ["", "", "", "", "", "", "", ""],
]
QUANTITIES = ["1,000,000", "5mm", "-5mm", "250k", "(5)", "10", "-3", "0", "1.5", "999",
              "1e12", "120000", "", "abc", "2.5mm", "-1", "1e6", " 7 ", "nan", "5m"]  # fmt: skip
ACCOUNTS = ["", "HOUSE", "C1", " C1 ", "C2", "x" * 1200]
LABELS = ["", "hedge", "=cmd", " spaced "]


def generated_rows(rng: random.Random, n: int) -> list[list[str]]:
    rows = []
    for _ in range(n):
        inst = rng.choice(INSTRUMENTS)
        row = [rng.choice(ACCOUNTS), inst[0], rng.choice(QUANTITIES), *inst[1:7],
               rng.choice(LABELS), rng.choice(["", "", "", "stray"]), "u",
               rng.choice(["", "", "", "BUY", "SELL", "S", "HOLD"])]  # fmt: skip
        rows.append(row[: rng.choice([len(row), len(row), 6, 3])])  # some short rows
    return rows


def both(source, **kw):
    """(fast, slow) results of one load."""
    fast = load_portfolio(source, asof=ASOF, **kw)
    original = loader.RowReader
    loader.RowReader = SlowRowReader
    try:
        slow = load_portfolio(source, asof=ASOF, **kw)
    finally:
        loader.RowReader = original
    return fast, slow


def assert_same(fast, slow) -> None:
    assert fast.portfolio.positions == slow.portfolio.positions
    assert [p.row for p in fast.portfolio] == [p.row for p in slow.portfolio]
    assert fast.issues == slow.issues and fast.aliases == slow.aliases


@pytest.mark.parametrize("seed", range(6))
def test_generated_csv_with_repeated_instruments(seed):
    rng = random.Random(seed)
    rows = [HEADER, *generated_rows(rng, 600)]
    text = "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in rows)
    fast, slow = both(text)
    assert_same(fast, slow)
    assert len(fast.portfolio) > 50 and len(fast.issues) > 100


def test_generated_xlsx_and_frame_with_typed_cells():
    rng = random.Random(7)
    typed = [1, 1.0, True, 1e6, -5e6, 0, 2.5, dt.datetime(2034, 11, 15), 46000, None]
    rows = [HEADER[:11]]
    for row in generated_rows(rng, 400):
        row = (row + [""] * 11)[:11]  # no side column here
        row[2] = rng.choice([row[2], rng.choice(typed)])
        row[3] = rng.choice([row[3], 4.25, True, 4])
        row[4] = rng.choice([row[4], dt.datetime(2034, 11, 15), 20341115])
        rows.append(row)
    fast, slow = both(xlsx_bytes([("p", rows)]), filename="p.xlsx")
    assert_same(fast, slow)
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    assert_same(*both(frame))


def test_fuzzed_files():
    rng = random.Random(23)
    for _ in range(300):
        assert_same(*both(portfolio_csv(rng)[0], filename="p.csv"))
    for _ in range(100):
        assert_same(*both(portfolio_xlsx(rng)[0], filename="p.xlsx"))


@pytest.mark.parametrize("path", list(sample_paths().values()), ids=lambda p: p.stem)
def test_every_sample(path):
    assert_same(*both(path))


def test_a_file_read_in_chunks_loads_as_its_bytes(tmp_path):
    """A path is read line by line in chunks (file_encoding + file_lines); its bytes whole
    (decode): the same result on every fuzzed file (BOMs, UTF-16, cp1252, CRLF, unbalanced
    quotes), on a file whose first lines are long, and on a big file."""
    rng = random.Random(29)
    path = tmp_path / "p.csv"
    for _ in range(300):
        data = portfolio_csv(rng)[0]
        path.write_bytes(data)
        by_path = load_portfolio(path, asof=ASOF)
        by_bytes = load_portfolio(data, asof=ASOF, filename="p.csv")
        assert_same(by_path, by_bytes)
    long = "x" * 600_000
    text = "\n".join([f"title,{long}", f"note,{long}", "account,product,quantity,label",
                      *[f"C{i},FUTURE,{i + 1},{'é' * (i % 3)}" for i in range(40)]])  # fmt: skip
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        path.write_bytes(text.encode(encoding))
        assert_same(load_portfolio(path, asof=ASOF), load_portfolio(text.encode(encoding),
                                                                    asof=ASOF))  # fmt: skip
    rows = [HEADER, *generated_rows(rng, 30_000)]
    path.write_text("\r\n".join(",".join(r) for r in rows), encoding="cp1252")
    assert_same(load_portfolio(path, asof=ASOF), load_portfolio(path.read_bytes(), asof=ASOF))


NAMED = [c for c in HEADER if c]  # no unnamed header cell: the column-by-column reader


@pytest.mark.parametrize("chunk", [7, 64, 8192])
@pytest.mark.parametrize("seed", range(3))
def test_column_reader_equals_row_by_row(seed, chunk, monkeypatch):
    """Text tables without unnamed header cells are read in chunks, column by column, into
    columns: the same positions, issues (duplicates across chunks included) and order as the
    slow twin, at chunk sizes that cut the file anywhere."""
    from xmsim.upload import batch

    monkeypatch.setattr(batch, "CHUNK_ROWS", chunk)
    rng = random.Random(100 + seed)
    rows = [NAMED]
    for row in generated_rows(rng, 500):
        del row[11:12]  # the generator's unnamed cell
        if rng.random() < 0.7:  # most rows clean and full width, some repeated
            inst = rng.choice(INSTRUMENTS[:6])
            row = (rng.choice(rows[1:]) if len(rows) > 5 and rng.random() < 0.2 else
                   [rng.choice(["C1", "C2", "", " C3 "]), inst[0],
                    rng.choice(["5mm", "-3", "10", "250k", "1,000,000"]), *inst[1:8],
                    rng.choice(["", "h"]), "u", ""])  # fmt: skip
        rows.append(row)
    text = "\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in rows)
    fast, slow = both(text)
    assert_same(fast, slow)
    assert fast.portfolio.columns is not None and len(fast.portfolio) > 100
    assert any("identical to row" in i.message for i in fast.issues)


@pytest.mark.parametrize("chunk", [2, 3, 8192])
def test_duplicates_name_the_first_row_after_the_rows_own_issues(chunk, monkeypatch):
    """The column reader's duplicate check (on the columns, once the table is read): every
    repeat names the first row, across chunk boundaries, with stripped account cells and
    blank accounts (HOUSE) equal to their text, placed after the row's own warning and
    before the next row's issues; a quantity written differently is the same quantity."""
    from xmsim.upload import batch

    monkeypatch.setattr(batch, "CHUNK_ROWS", chunk)
    text = "account,product,quantity,coupon,maturity,contract,expiry,label\n" + "\n".join([
        "C1,UST,5mm,4.25,2034-11-15,,,",  # row 2
        "C1,FUTURE,3,4.25,,ZN,2026-12,",  # 3: a coupon on a future, a warning
        " C1 ,UST,5000000,4.25,2034-11-15,,,",  # 4: = row 2
        "C1,FUTURE,3,4.25,,ZN,2026-12,",  # 5: = row 3, its warning first
        "C1,UST,5mm,4.25,2034-11-15,,,h",  # 6: another label
        ",UST,1mm,4.25,2034-11-15,,,",  # 7
        "HOUSE,UST,1mm,4.25,2034-11-15,,,",  # 8: = row 7
        "C1,UST,5mm,4.25,2034-11-15,,,",  # 9: = row 2 again
        "C1,UST,abc,4.25,2034-11-15,,,",  # 10: an error
        "C2,UST,5mm,4.25,2034-11-15,,,",  # 11: another account
    ])  # fmt: skip
    fast, slow = both(text)
    assert_same(fast, slow)
    said = [(i.row, i.message.split(";")[0]) for i in fast.issues if "identical" in i.message]
    assert said == [
        (4, "row 4 is identical to row 2"),
        (5, "row 5 is identical to row 3"),
        (8, "row 8 is identical to row 7"),
        (9, "row 9 is identical to row 2"),
    ]
    assert [(i.row, i.column) for i in fast.issues] == [
        (3, "coupon"),
        (4, None),
        (5, "coupon"),
        (5, None),
        (8, None),
        (9, None),
        (10, "quantity"),
    ]  # row 5: its own warning, then the repeat; row 10's error after row 9's repeat


def test_clean_quantities_equal_the_scalar_rule():
    from xmsim.upload.batch import (
        _COLLATERAL,
        _CONTRACTS,
        _FACE,
        _clean_quantities,
        _quantity_is_clean,
    )

    values = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        1.5,
        999.0,
        1000.0,
        -1000.0,
        1e6,
        -5e6,
        1e12,
        1e15,
        1e16,
        float("inf"),
        float("-inf"),
        float("nan"),
        9_999.0,
        10_000.0,
        10_001.0,
        2.0**53,
    ]
    for kind, product in (
        (_FACE, "UST"),
        (_CONTRACTS, "FUTURE"),
        (_CONTRACTS, "OPTION"),
        (_COLLATERAL, "REPO"),
        (_COLLATERAL, "REVERSE_REPO"),
        (_FACE, "TIPS"),
    ):
        got = _clean_quantities(np.full(len(values), kind), np.array(values))
        want = [v == v and _quantity_is_clean(product, v) for v in values]
        assert got.tolist() == want, product


def test_a_portfolio_of_columns_is_its_positions(tmp_path):
    """Equality, hashing, pickling, accounts and length of a portfolio read into columns are
    those of the same positions as objects, and reading the columns makes no objects."""
    import pickle

    from xmsim.portfolio import Portfolio

    text = "\n".join([",".join(NAMED[:3]), "C2,FUTURE,3,", "C1,UST,5mm", "C2,UST,-5mm"])
    text = "account,product,quantity,coupon,maturity,contract,expiry\n" + "\n".join(
        ["C2,FUTURE,3,,,ZN,2026-12", "C1,UST,5mm,4.25,2034-11-15,,", ",UST,1mm,4.25,2034-11-15,,",
         "C2,UST,-5mm,4.25,2034-11-15,,", "C1,FUTURE,-2,,,ZN,2026-12"])  # fmt: skip
    pf = load_portfolio(text, asof=ASOF).portfolio
    assert pf.columns is not None and pf._positions is None
    assert len(pf) == 5 and pf.accounts == ("C2", "C1", "HOUSE")
    assert pf._positions is None  # len and accounts read the columns
    objects = Portfolio(pf.columns.positions())
    assert pf == objects and hash(pf) == hash(objects)
    assert pickle.loads(pickle.dumps(pf)) == objects
    assert [p.row for p in pf] == [2, 3, 4, 5, 6] and pf.positions[2].account == "HOUSE"
    assert pf.columns.units[0].quantity == 1.0 and len(pf.columns.units) == 2
    with pytest.raises(AttributeError):
        pf.positions = ()


def test_a_workbook_on_disk_loads_as_its_bytes(tmp_path):
    """An XLSX path is read from the zip on disk as its rows are parsed (not read whole):
    the same positions and issues as its bytes, on fuzzed (damaged ones included) workbooks,
    and the size limit still applies."""
    rng = random.Random(31)
    path = tmp_path / "p.xlsx"
    for _ in range(60):
        data = portfolio_xlsx(rng)[0]
        path.write_bytes(data)
        assert_same(load_portfolio(path, asof=ASOF),
                    load_portfolio(data, asof=ASOF, filename="p.xlsx"))  # fmt: skip
    rows = [HEADER[:11], *[(r + [""] * 11)[:11] for r in generated_rows(rng, 3_000)]]
    path.write_bytes(xlsx_bytes([("p", rows)]))
    assert_same(load_portfolio(path, asof=ASOF), load_portfolio(path.read_bytes(), asof=ASOF))
    small = load_portfolio(path, asof=ASOF, max_bytes=1000)
    assert len(small.portfolio) == 0 and "larger than" in small.issues[0].message
