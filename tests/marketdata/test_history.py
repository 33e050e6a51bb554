"""Tests of xmsim.marketdata.history: the three file formats, the fill rule, errors, and the real
file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from xmsim.market import TENOR_YEARS, TENORS, YieldHistory
from xmsim.marketdata.history import (
    HistoryFormatError,
    fill_curve_gaps,
    history_summary,
    load_fred,
    load_history,
    read_fred,
    read_history,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "history"
T = {t: i for i, t in enumerate(TENORS)}


def pct(h: YieldHistory) -> np.ndarray:
    return h.yields * 100.0


def days(h: YieldHistory) -> list[str]:
    return [str(d) for d in h.dates]


# ------------------------------------------------------------------------- Treasury format


def test_treasury_old_format_newest_first_two_digit_years_blank_rows():
    loaded = read_history(FIXTURES / "treasury_par_old_format.csv")
    h = loaded.history
    assert loaded.file_format == "treasury"
    # newest-first input comes out ascending; 99 -> 1999, 00 -> 2000; 12/31/99 (blank) and
    # 12/29/99 (two tenors) are dropped
    assert days(h) == ["1999-12-28", "1999-12-30", "2000-01-03", "2000-01-04", "2000-01-05"]
    assert h.source == "treasury_par_old_format.csv, 1999-12-28 to 2000-01-05"
    assert any("1 holiday row" in n for n in loaded.notes)
    assert any("fewer than 3" in n and "1999-12-29" in n for n in loaded.notes)
    assert not h.synthetic
    y = pct(h)
    # yields are decimals inside the library
    assert y[0, T["10Y"]] == pytest.approx(6.30)
    assert h.yields[0, T["10Y"]] == pytest.approx(0.0630)
    # fill rule: flat below the shortest tenor, linear in maturity inside
    assert y[0, T["1M"]] == pytest.approx(5.30) and y[0, T["2M"]] == pytest.approx(5.30)
    assert y[0, T["4M"]] == pytest.approx(5.30 + (5.50 - 5.30) / 3)
    assert y[2, T["20Y"]] == pytest.approx(6.45)  # 10Y 6.40 and 30Y 6.50 on 2000-01-03
    assert y[0, T["20Y"]] == pytest.approx(6.40)  # published that day
    assert h.filled[:, T["1M"]].all() and h.filled[:, T["4M"]].all()
    assert h.filled[:, T["20Y"]].tolist() == [False, False, True, True, True]
    assert not h.filled[:, T["10Y"]].any()


def test_treasury_new_format_quoted_header_ascending_four_digit_years_extra_column():
    loaded = read_history(FIXTURES / "treasury_par_new_format.csv")
    h = loaded.history
    assert days(h) == ["2025-03-03", "2025-03-04", "2025-03-05"]
    assert any("1.5 Month" in n and "ignored" in n for n in loaded.notes)
    y = pct(h)
    assert y[0, T["1M"]] == pytest.approx(4.30)  # not the 1.5-month column (4.31)
    assert y[0, T["2M"]] == pytest.approx(4.32)
    assert y[1, T["4M"]] == pytest.approx(4.34 + (4.21 - 4.34) / 3)
    assert h.filled.sum() == 1 and h.filled[1, T["4M"]]


def test_two_digit_year_rule_90s_vs_2000s(tmp_path):
    header = "Date," + ",".join(["3 Mo", "2 Yr", "10 Yr"])
    text = "\n".join([header, "1/2/90,7.8,7.9,7.9", "3/4/89,5.0,5.1,5.2", "12/31/24,4.3,4.2,4.6"])
    h = load_history(text.encode(), name="years.csv")
    assert days(h) == ["1990-01-02", "2024-12-31", "2089-03-04"]


def test_bytes_and_file_objects_and_name(tmp_path):
    data = (FIXTURES / "treasury_par_new_format.csv").read_bytes()
    by_bytes = load_history(data, name="upload.csv")
    by_file = load_history(io.BytesIO(data), name="upload.csv")
    by_text = load_history(io.StringIO(data.decode()), name="upload.csv")
    assert by_bytes.source.startswith("upload.csv, 2025-03-03 to 2025-03-05")
    for other in (by_file, by_text):
        np.testing.assert_array_equal(other.yields, by_bytes.yields)
    assert load_history(data).source.startswith("uploaded file,")


# ---------------------------------------------------------------------------------- GSW


def test_gsw_par_yields_with_preamble_na_and_short_end_filled_flat():
    loaded = read_history(FIXTURES / "gsw_feds200628.csv")
    h = loaded.history
    assert loaded.file_format == "gsw"
    # the 1961 row has only SVENPY01-02 -> fewer than 3 tenors -> dropped
    assert days(h) == ["2026-07-29", "2026-07-30", "2026-07-31"]
    y = pct(h)
    # SVENPY (par), not SVENY (zero): fixture par = level + 0.02 sqrt(m), zero uses 0.021
    assert y[2, T["10Y"]] == pytest.approx(4.1 + 0.02 * np.sqrt(10), abs=1e-4)
    assert y[2, T["1Y"]] == pytest.approx(4.12)
    short = [T[t] for t in ("1M", "2M", "3M", "4M", "6M")]
    np.testing.assert_allclose(y[:, short], np.repeat(y[:, [T["1Y"]]], 5, axis=1))
    assert h.filled[:, short].all() and not h.filled[:, T["1Y"] : T["20Y"] + 1].any()
    # NA in SVENPY30 on 07-29 -> flat from 20Y, flagged
    assert y[0, T["30Y"]] == pytest.approx(y[0, T["20Y"]])
    assert h.filled[:, T["30Y"]].tolist() == [True, False, False]
    assert any("GSW has no 1M–6M" in n for n in loaded.notes)


def test_gsw_without_par_columns_is_an_error(tmp_path):
    text = "preamble line\nDate,SVENY01,SVENY02,SVENY05\n2020-01-02,1.5,1.6,1.7\n"
    with pytest.raises(HistoryFormatError, match=r"line 2: GSW file without SVENPY"):
        load_history(text.encode(), name="zeros_only.csv")


# --------------------------------------------------------------------------------- FRED


def test_fred_files_merged():
    loaded = read_fred([FIXTURES / f"fred_{s}.csv" for s in ("DGS3MO", "DGS2", "DGS10")])
    h = loaded.history
    # 2024-01-04: DGS3MO is '.', leaving 2 tenors -> dropped
    assert days(h) == ["2024-01-02", "2024-01-03", "2024-01-05"]
    y = pct(h)
    assert y[0, T["3M"]] == pytest.approx(5.40)
    assert y[0, T["2Y"]] == pytest.approx(4.30)  # the DATE-header variant
    assert y[2, T["10Y"]] == pytest.approx(4.01)
    assert y[0, T["30Y"]] == pytest.approx(3.90)  # flat beyond 10Y
    assert y[0, T["5Y"]] == pytest.approx(4.30 + (3.90 - 4.30) * 3 / 8)
    assert "fred_DGS3MO.csv + fred_DGS2.csv + fred_DGS10.csv" in h.source
    assert load_fred(
        [FIXTURES / "fred_DGS2.csv", FIXTURES / "fred_DGS10.csv", FIXTURES / "fred_DGS3MO.csv"],
        name="fred",
    ).source.startswith("fred, ")


def test_single_fred_series_needs_load_fred():
    with pytest.raises(HistoryFormatError, match="load_fred"):
        load_history(FIXTURES / "fred_DGS10.csv")


def test_fred_multi_series_file_ignores_non_yield_columns():
    loaded = read_history(FIXTURES / "fred_multi.csv")
    assert loaded.file_format == "fred"
    assert any("T10Y2Y" in n for n in loaded.notes)
    assert days(loaded.history) == ["2024-01-02", "2024-01-03"]


def test_fred_duplicate_tenor_across_files_is_an_error():
    with pytest.raises(HistoryFormatError, match="10Y is in two files"):
        load_fred([FIXTURES / "fred_DGS10.csv", FIXTURES / "fred_DGS10.csv"])


# ------------------------------------------------------------------------------- errors

GOOD_HEADER = "Date,1 Mo,2 Mo,3 Mo,4 Mo,6 Mo,1 Yr,2 Yr,3 Yr,5 Yr,7 Yr,10 Yr,20 Yr,30 Yr"
GOOD_ROW = "1/3/24,5.5,5.5,5.4,5.4,5.3,4.8,4.3,4.1,3.9,3.9,3.9,4.2,4.1"


@pytest.mark.parametrize(
    ("bad_row", "pattern"),
    [
        (
            "13/45/24,5.5,5.5,5.4,5.4,5.3,4.8,4.3,4.1,3.9,3.9,3.9,4.2,4.1",
            r"line 4, column 'Date': value '13/45/24': date not understood.*M/D/YY",
        ),
        (
            "1/4/24,5.5,5.5,5.4,5.4,5.3,4.8,4.3,abc,3.9,3.9,3.9,4.2,4.1",
            r"line 4, column '3 Yr': value 'abc'.*blank",
        ),
        (
            "1/4/24,5.5,5.5,5.4,5.4,5.3,4.8,4.3,4.1,3.9",
            r"line 4: value .*: 10 fields, the header has 14",
        ),
        (
            "1/4/24,5.5,5.5,5.4,5.4,5.3,4.8,430,4.1,3.9,3.9,3.9,4.2,4.1",
            r"line 4, column '2 Yr': value '430'.*percent",
        ),
        (
            "1/3/24,5.5,5.5,5.4,5.4,5.3,4.8,4.3,4.1,3.9,3.9,3.9,4.2,4.1",
            r"line 4, column 'Date': value '1/3/24': date 2024-01-03 appears twice "
            r"\(first on line 3",
        ),
    ],
)
def test_malformed_rows_name_the_line_and_the_fix(bad_row, pattern):
    text = "\n".join(
        [
            GOOD_HEADER,
            "1/2/24,5.5,5.5,5.4,5.4,5.3,4.8,4.3,4.1,3.9,3.9,3.9,4.2,4.1",
            GOOD_ROW,
            bad_row,
        ]
    )
    loaded = read_history(text.encode(), name="bad.csv")
    assert days(loaded.history) == ["2024-01-02", "2024-01-03"]  # the good rows are kept
    (note,) = [n for n in loaded.notes if "row skipped" in n]
    assert note.startswith("bad.csv: line 4")
    assert re.search(pattern, note), note
    assert "bad.csv: skipped 1 unreadable row(s)" in loaded.notes


def test_a_file_whose_every_row_is_bad_is_rejected_naming_the_rows():
    text = "\n".join([GOOD_HEADER, "x" + GOOD_ROW, "y" + GOOD_ROW])
    with pytest.raises(HistoryFormatError, match="no row could be read; line 2") as info:
        load_history(text.encode(), name="bad.csv")
    assert isinstance(info.value, ValueError)


def test_blank_lines_do_not_shift_line_numbers():
    text = "\n".join([GOOD_HEADER, "", GOOD_ROW, "", "x/4/24" + GOOD_ROW[6:]])
    notes = read_history(text.encode(), name="gaps.csv").notes
    assert any(n.startswith("gaps.csv: line 5, column 'Date': value 'x/4/24'") for n in notes)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("hello,world\n1,2\n", "line 1: no header row"),
        (GOOD_HEADER + "\n", "line 2: no data rows"),
        ("Date,Foo,Bar\n1/2/24,1,2\n", "recognised tenor columns"),
        (GOOD_HEADER + "\n1/2/24" + "," * 13 + "\n", "no day has 3 or more"),
    ],
)
def test_unusable_files(text, pattern):
    with pytest.raises(HistoryFormatError, match=pattern):
        load_history(text.encode(), name="f.csv")


# --------------------------------------------------------------------------- fill rule


def _fill_reference(values: np.ndarray) -> np.ndarray:
    """Slow, obvious reference: np.interp per day (flat beyond the ends, linear inside)."""
    out = np.array(values, dtype=float)
    for i, row in enumerate(values):
        have = np.isfinite(row)
        out[i] = np.interp(TENOR_YEARS, TENOR_YEARS[have], row[have])
    return out


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (6, len(TENORS)), elements=st.floats(-1, 12, allow_nan=False)),
    arrays(np.bool_, (6, len(TENORS))),
)
def test_fill_rule_matches_per_day_interp_reference(values, keep):
    keep[:, 6] = True  # at least one published tenor per day
    sparse = np.where(keep, values, np.nan)
    filled, mask = fill_curve_gaps(sparse)
    np.testing.assert_allclose(filled, _fill_reference(sparse), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(mask, ~keep)


def test_history_summary():
    h = load_history(FIXTURES / "treasury_par_old_format.csv")
    s = history_summary(h)
    assert s["n_days"] == 5
    assert s["start"] == dt.date(1999, 12, 28) and s["end"] == dt.date(2000, 1, 5)
    assert s["filled_share"]["1M"] == 1.0 and s["filled_share"]["20Y"] == pytest.approx(0.6)
    assert s["filled_share"]["10Y"] == 0.0
    assert set(s["filled_share"]) == set(TENORS)
    assert s["source"] == h.source and s["synthetic"] is False


# --------------------------------------------------------------------- the real history


@pytest.mark.shared_data
def test_real_history_loads_fast_and_matches_a_plain_csv_parse(shared_history_path):
    load_history(shared_history_path)  # warm imports
    started = time.perf_counter()
    loaded = read_history(shared_history_path)
    took = time.perf_counter() - started
    h = loaded.history
    assert took < 1.0, f"loading took {took:.2f} s"
    assert h.dates.size == 8756
    assert (h.start, h.end) == (dt.date(1990, 1, 2), dt.date(2024, 12, 31))
    assert h.source == "ust_par_yield_curve_1990_2024.csv, 1990-01-02 to 2024-12-31"
    assert np.datetime64("2010-10-11") not in h.dates
    assert any("1 holiday row" in n for n in loaded.notes)
    # independent reference: the csv module, row by row
    with shared_history_path.open(newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    ref = {}
    for r in rows:
        m, d, y = (int(p) for p in r[0].split("/"))
        day = dt.date(1900 + y if y >= 90 else 2000 + y, m, d)
        ref[np.datetime64(day)] = [float(c) if c else np.nan for c in r[1:]]
    ref_y = np.array([ref[d] for d in h.dates])
    observed = np.isfinite(ref_y)
    np.testing.assert_array_equal(~observed, h.filled)
    np.testing.assert_allclose(pct(h)[observed], ref_y[observed], rtol=0, atol=1e-12)
    # documented gaps: 1M before 2001-07-31 filled, 20Y before 1993-10-01 filled
    before_1m = h.dates < np.datetime64("2001-07-31")
    assert h.filled[before_1m, T["1M"]].all() and not h.filled[~before_1m, T["1M"]].all()
    assert h.filled[h.dates < np.datetime64("1993-10-01"), T["20Y"]].all()
    assert np.isfinite(h.yields).all()
