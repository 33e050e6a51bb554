"""Regression tests of issue 19's failing classes 1 and 5 for yield histories: huge cells,
non-finite yields, impossible dates, encodings, size and row limits checked before reading."""

from __future__ import annotations

import pytest

from xmsim.marketdata import history, history_read
from xmsim.marketdata.history import HistoryFormatError, read_history

HEADER = "Date,1 Mo,2 Mo,3 Mo,4 Mo,6 Mo,1 Yr,2 Yr,3 Yr,5 Yr,7 Yr,10 Yr,20 Yr,30 Yr"
YIELDS = "5.5,5.5,5.4,5.4,5.3,4.8,4.3,4.1,3.9,3.9,3.9,4.2,4.1"


def _file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def _skipped(loaded) -> list[str]:
    return [n for n in loaded.notes if "row skipped" in n]


@pytest.mark.parametrize("value", ["inf", "1e999", "-inf", "Infinity"])
def test_a_non_finite_yield_is_a_skipped_row_not_a_filled_gap(value):
    bad = YIELDS.replace("4.3", value, 1)
    loaded = read_history(_file(f"1/2/24,{YIELDS}", f"1/3/24,{bad}", f"1/4/24,{YIELDS}"), name="h")
    assert [str(d) for d in loaded.history.dates] == ["2024-01-02", "2024-01-04"]
    (note,) = _skipped(loaded)
    assert "line 3, column '2 Yr'" in note and "finite" in note and not loaded.history.filled.any()


@pytest.mark.parametrize("date", ["1000-01-01", "9999-12-31", "01/01/1000"])
def test_dates_outside_the_accepted_range_are_skipped_rows(date):
    loaded = read_history(_file(f"1/2/24,{YIELDS}", f"{date},{YIELDS}"), name="h")
    assert loaded.history.dates.size == 1
    (note,) = _skipped(loaded)
    assert "line 3" in note and "1950-01-01..2099-12-31" in note


def test_a_huge_cell_costs_its_row_only():
    huge = "1/3/24," + "9" * 200_000 + "," + YIELDS.split(",", 1)[1]
    loaded = read_history(_file(f"1/2/24,{YIELDS}", huge, f"1/4/24,{YIELDS}"), name="h")
    assert loaded.history.dates.size == 2
    (note,) = _skipped(loaded)
    assert "line 3, column '1 Mo'" in note and "200,000-character" in note


def test_an_unbalanced_quote_costs_one_row():
    loaded = read_history(_file(f"1/2/24,{YIELDS}", f'"1/3/24,{YIELDS}', f"1/4/24,{YIELDS}"))
    assert loaded.history.dates.size == 2
    (note,) = _skipped(loaded)
    assert "line 3" in note and "quote" in note


def test_a_latin1_file_loads():
    text = HEADER + ",Notes\n" + f"1/2/24,{YIELDS},café\n1/3/24,{YIELDS},crème\n"
    assert read_history(text.encode("latin-1")).history.dates.size == 2


def test_a_repeated_date_keeps_the_first_row_and_names_the_second():
    loaded = read_history(_file(f"1/2/24,{YIELDS}", f"1/2/24,{YIELDS}", f"1/3/24,{YIELDS}"))
    assert loaded.history.dates.size == 2
    (note,) = _skipped(loaded)
    assert "line 3" in note and "first on line 2" in note


def test_the_size_limit_is_checked_before_reading(monkeypatch, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(_file(*[f"1/{d}/24,{YIELDS}" for d in range(1, 29)]))
    monkeypatch.setattr(history, "MAX_HISTORY_BYTES", 1000)
    opened = []
    monkeypatch.setattr(
        type(path),
        "open",
        lambda self, *a, **k: opened.append(self) or open(self, *a, **k),  # noqa: SIM115
    )
    with pytest.raises(HistoryFormatError, match="larger than"):
        read_history(path)
    assert not opened  # rejected from the file's size, before a byte was read


def test_the_row_limit_is_checked_while_streaming(monkeypatch):
    monkeypatch.setattr(history_read, "MAX_HISTORY_ROWS", 10)
    rows = [f"{m}/{d}/24,{YIELDS}" for m in range(1, 13) for d in range(1, 29)]
    with pytest.raises(HistoryFormatError, match="more than 10 rows"):
        read_history(_file(*rows), name="h")


def test_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(HistoryFormatError, match="folder"):
        read_history(tmp_path)
