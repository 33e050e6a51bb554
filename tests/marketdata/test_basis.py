"""The SOFR / fed funds–Treasury basis: built by hand on a small history, the committed
calibration re-derived from the real files, the synthetic basis labelled and calibrated."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scripts.calibrate_basis import derive
from tests.conftest import SHARED_HISTORY, shared_file
from xmsim.market import TENORS, OvernightSeries, YieldHistory
from xmsim.marketdata.basis import (
    STATS_PATH,
    basis_from_series,
    horizon_changes,
    load_basis_stats,
    synthetic_basis,
)
from xmsim.marketdata.defaults import default_market


def _history(n: int = 12) -> YieldHistory:
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + n)
    short = 0.05 + 0.001 * np.arange(n)  # 1M par yield rising 10 bp a day
    yields = np.tile(np.linspace(0.04, 0.045, len(TENORS)), (n, 1))
    yields[:, TENORS.index("1M")] = short
    return YieldHistory(dates, yields, "test")


def test_basis_is_the_five_day_median_of_overnight_minus_treasury_1m_by_hand():
    h = _history()
    # SOFR published on days 0..11 except day 4 (a holiday: day 3's rate carried) and a
    # one-day spike on day 7
    days = [d for d in range(12) if d != 4]
    rate = {d: 0.053 + 0.001 * d for d in days}
    rate[7] += 0.02
    sofr = OvernightSeries("SOFR", h.dates[days], np.array([rate[d] for d in days]), "s")
    b = basis_from_series(h, [sofr])
    spread = [(rate.get(d, rate.get(d - 1))) - (0.05 + 0.001 * d) for d in range(12)]
    want = [np.nan] * 4 + [float(np.median(spread[d - 4 : d + 1])) for d in range(4, 12)]
    np.testing.assert_allclose(b.levels[:, 0], want, atol=1e-15)
    assert np.isnan(b.levels[:, 1]).all()  # no EFFR loaded
    assert abs(b.levels[7, 0] - 0.003) < 1e-12  # the one-day spike does not move the median


def test_a_stale_overnight_rate_is_not_carried_past_the_limit():
    h = _history()
    sofr = OvernightSeries("SOFR", h.dates[:1], np.array([0.05]), "s")
    b = basis_from_series(h, [sofr])
    # carried to days 1..5 (at most 5 calendar days), so only days 4 and 5 have 5 values
    assert np.isfinite(b.levels[:, 0]).tolist() == [False] * 4 + [True] * 2 + [False] * 6
    with pytest.raises(ValueError, match="one overnight series per factor"):
        basis_from_series(h, [sofr, sofr])


def test_committed_basis_stats_are_rederived_from_the_real_files():
    if not SHARED_HISTORY.is_file():
        pytest.skip("real history absent")
    doc = derive(
        SHARED_HISTORY, shared_file("sofr_daily_fred.csv"), shared_file("dff_daily_fred.csv")
    )
    committed = json.loads(STATS_PATH.read_text(encoding="utf-8"))
    assert committed["factors"] == doc["factors"]
    assert committed["correlation_3d"] == doc["correlation_3d"]
    assert "synthetic" in committed["metadata"]["status"]


def test_synthetic_basis_matches_the_calibrated_three_day_volatility_and_says_so():
    m = default_market()
    assert m.basis is not None and m.basis.synthetic
    assert "synthetic" in m.basis.source and "not observed" in m.basis.source
    assert np.array_equal(m.basis.dates, m.history.dates)
    stats = load_basis_stats()
    d3 = horizon_changes(m.basis.levels) * 1e4
    for j, name in enumerate(("SOFR", "EFFR")):
        want = stats["factors"][name]["change_3d_std_bp"]
        assert d3[:, j].std() == pytest.approx(want, rel=0.25), name
    assert np.corrcoef(d3.T)[0, 1] == pytest.approx(stats["correlation_3d"], abs=0.15)
    again = synthetic_basis(m.history)
    np.testing.assert_array_equal(again.levels, m.basis.levels)  # seeded
