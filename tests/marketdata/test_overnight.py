"""SOFR and EFFR loaders: FRED and New York Fed layouts, published values, row-level errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import shared_file
from xmsim.marketdata.history_read import HistoryFormatError
from xmsim.marketdata.overnight import load_overnight, read_overnight


def _on(series, day: str) -> float:
    i = int(np.searchsorted(series.dates, np.datetime64(day)))
    assert series.dates[i] == np.datetime64(day)
    return float(series.rates[i])


def test_real_fred_sofr_and_dff_files_give_the_published_values():
    sofr = read_overnight(shared_file("sofr_daily_fred.csv"))
    assert sofr.file_format == "fred" and sofr.series.name == "SOFR"
    assert _on(sofr.series, "2018-04-03") == pytest.approx(0.0183, abs=1e-12)
    assert _on(sofr.series, "2019-09-17") == pytest.approx(0.0525, abs=1e-12)
    assert "94 date(s) without a published rate" in sofr.notes[0]  # SIFMA holidays, not errors
    assert sofr.series.dates.size == 2173 - 94
    effr = load_overnight(shared_file("dff_daily_fred.csv"))
    assert effr.name == "EFFR" and effr.dates.size == 9526
    assert _on(effr, "2023-11-15") == pytest.approx(0.0533, abs=1e-12)


def test_new_york_fed_export_agrees_with_fred_on_every_shared_date():
    nyfed = read_overnight(shared_file("sofr_daily_nyfed_export.csv"))
    assert nyfed.file_format == "nyfed" and nyfed.series.name == "SOFR"
    assert nyfed.series.dates.size == 1916 and nyfed.notes == ()  # the all-comma line ignored
    assert np.all(np.diff(nyfed.series.dates) > np.timedelta64(0, "D"))  # newest-first sorted
    fred = load_overnight(shared_file("sofr_daily_fred.csv"))
    both, i, j = np.intersect1d(fred.dates, nyfed.series.dates, return_indices=True)
    assert both.size > 1800
    np.testing.assert_allclose(fred.rates[i], nyfed.series.rates[j], atol=1e-12)


FRED_BAD = b"""observation_date,SOFR
2024-01-02,5.40
2024-01-03,
2024-13-01,5.31
2024-01-04,5.31
2024-01-04,5.30
2024-01-05,abc
2024-01-08,0.0531
2024-01-09,5.31,9
2024-01-10,5.30
"""


def test_fred_bad_rows_are_named_and_valid_rows_kept():
    res = read_overnight(FRED_BAD, name="sofr.csv")
    s = res.series
    assert [str(d) for d in s.dates] == ["2024-01-02", "2024-01-04", "2024-01-08", "2024-01-10"]
    assert s.rates[0] == pytest.approx(0.054)
    text = "\n".join(res.notes)
    assert "1 date(s) without a published rate" in text
    assert "skipped 4 unreadable row(s)" in text
    assert "line 4, column 'observation_date': value '2024-13-01': date not understood" in text
    assert "line 6" in text and "appears twice (first on line 5" in text
    assert "line 7, column 'SOFR': value 'abc': not a number" in text
    assert "line 9: value '2024-01-09,5.31,9': 3 fields, the header has 2" in text
    # 0.0531 is a plausible percent (near-zero rates happen), so it is kept, not guessed at
    assert s.rates[2] == pytest.approx(0.000531)


NYFED_BAD = b"""Date,Rate Type,Rate (%),1st Percentile (%),Volume ($Billions)
01/05/2024,SOFR,5.31,5.28,1900
01/04/2024,EFFR,5.33,5.31,80
01/03/2024,SOFR,99,5.28,1900
,,,,
01/02/2024,SOFR,5.40,5.35,1800
"""


def test_nyfed_bad_rows_are_named_and_valid_rows_kept():
    res = read_overnight(NYFED_BAD, name="export.csv")
    assert [str(d) for d in res.series.dates] == ["2024-01-02", "2024-01-05"]
    text = "\n".join(res.notes)
    assert "line 3, column 'Rate Type': value 'EFFR': not SOFR; one series per file" in text
    assert "line 4, column 'Rate (%)': value '99': outside -2..25; rates must be in percent" in text


def test_unknown_header_or_no_rows_is_a_clear_error():
    with pytest.raises(HistoryFormatError, match="line 1: unknown header; expected a FRED"):
        read_overnight(b"Date,1 Mo,3 Mo\n01/02/2024,5.5,5.4\n", name="par.csv")
    with pytest.raises(HistoryFormatError, match="no row could be read; line 2"):
        read_overnight(b"observation_date,DFF\n2024-01-02,x\n", name="dff.csv")
    with pytest.raises(FileNotFoundError):
        read_overnight("/nonexistent/sofr.csv")
