"""Tests of the synthetic history, its committed calibration, and the embedded default market.

Tolerances (2750 synthetic days against the committed 1990–2024 figures):
* volatility ±15%: the sampling error of a daily vol over ~2,750 fat-tailed days is ~3%, but the
  stressed share of an 11-year path with ~60-day stressed spells varies by several points, which
  moves the mixture's vol by up to ~10%;
* correlation ±0.1: for the coupon curve (1Y–30Y) the error is a few hundredths; bill-tenor
  correlations were measured on short, differing samples (2M since 2018, 4M since 2022) and mix
  regimes differently, so they get the full 0.1;
* excess kurtosis > 1 (observed 1.8–70 by tenor);
* a 250-day window whose 10Y vol is ≥ 1.5× the calm-regime vol (calibrated ratio ≈ 1.7).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import time

import numpy as np
import pytest

from xmsim.dates import business_days_between, preceding
from xmsim.market import TENORS
from xmsim.marketdata.defaults import (
    DEFAULT_ASOF,
    DEFAULT_CURVE_LABEL,
    default_curve,
    default_market,
    market_from_history,
    zero_cc_to_bey,
)
from xmsim.marketdata.history import load_history
from xmsim.marketdata.synthetic import (
    STATS_LABEL,
    STATS_PATH,
    STRESS_BLOCK_DAYS,
    YIELD_FLOOR,
    ar1_filter,
    calibrate_history_stats,
    daily_changes_bp,
    load_stats,
    load_stats_document,
    nearest_correlation,
    synthetic_history,
)

T = {t: i for i, t in enumerate(TENORS)}
COUPON = slice(T["1Y"], None)
END = dt.date(2026, 7, 31)


@pytest.fixture(scope="module")
def doc() -> dict:
    return load_stats_document()


@pytest.fixture(scope="module")
def default_synth():
    return synthetic_history(END)


def _check_reproduces(h, doc, vol_tol, corr_tol, tenors=slice(None)):
    ch = daily_changes_bp(h)
    std = np.array(doc["daily_change_bp"]["std"])
    ratio = ch.std().to_numpy() / std
    assert np.all(np.abs(ratio[tenors] - 1) <= vol_tol), dict(
        zip(TENORS, ratio.round(3), strict=True)
    )
    err = np.abs(ch.corr().to_numpy() - np.array(doc["correlation"]))[tenors, tenors]
    assert err.max() <= corr_tol, err.max()
    return ch


def test_reproduces_committed_statistics(default_synth, doc):
    ch = _check_reproduces(default_synth, doc, vol_tol=0.15, corr_tol=0.10)
    assert np.all(ch.kurt().to_numpy() > 1.0)
    # 2s10s correlation, the figure a hedger looks at first
    assert ch["2Y"].corr(ch["10Y"]) == pytest.approx(
        doc["correlation"][T["2Y"]][T["10Y"]], abs=0.05
    )


def test_contains_a_stressed_year(default_synth, doc):
    ch = daily_changes_bp(default_synth)
    calm_10y = doc["regimes"]["std_bp"]["calm"][T["10Y"]]
    worst = ch["10Y"].rolling(STRESS_BLOCK_DAYS).std().max()
    assert worst >= 1.5 * calm_10y


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_other_seeds_reproduce_the_coupon_curve(seed, doc):
    h = synthetic_history(END, seed=seed)
    _check_reproduces(h, doc, vol_tol=0.10, corr_tol=0.06, tenors=COUPON)
    ch = daily_changes_bp(h)
    calm_10y = doc["regimes"]["std_bp"]["calm"][T["10Y"]]
    assert ch["10Y"].rolling(STRESS_BLOCK_DAYS).std().max() >= 1.5 * calm_10y


def test_deterministic_per_seed(default_synth):
    again = synthetic_history(END)
    np.testing.assert_array_equal(again.yields, default_synth.yields)
    other = synthetic_history(END, seed=7)
    assert not np.allclose(other.yields, default_synth.yields)


def test_dates_labels_last_curve_and_floor(default_synth):
    h = default_synth
    assert h.synthetic and h.source == "synthetic, calibrated to 1990–2024 (seed 20260731)"
    assert h.dates.size == 2750 and h.end == END
    np.testing.assert_array_equal(h.dates, business_days_between(h.start, END))
    np.testing.assert_allclose(h.yields[-1], default_curve().yields, rtol=0, atol=1e-15)
    assert h.yields.min() >= YIELD_FLOOR - 1e-15
    assert not h.filled.any()
    # a weekend end date ends on the Friday before
    sat = dt.date(2026, 8, 1)
    assert synthetic_history(sat, n_days=300).end == preceding(sat)


def test_custom_base_curve_and_short_history():
    base = dataclasses.replace(default_curve(), yields=np.full(len(TENORS), 0.01))
    h = synthetic_history(dt.date(2024, 12, 31), n_days=100, seed=3, base_curve=base)
    assert h.dates.size == 100
    np.testing.assert_allclose(h.yields[-1], 0.01)
    with pytest.raises(ValueError, match="n_days"):
        synthetic_history(END, n_days=1)


def test_fast(default_synth):
    best = min(_timed(lambda: synthetic_history(END, seed=11)) for _ in range(3))
    assert best < 0.3, f"{best:.3f} s"


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def test_ar1_filter_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    u = rng.standard_normal((2500, 3))
    for phi in (0.9994, 0.97, 0.3, 1.0):
        ref = np.zeros_like(u)
        prev = np.zeros(3)
        for k in range(u.shape[0]):
            prev = phi * prev + u[k]
            ref[k] = prev
        np.testing.assert_allclose(ar1_filter(u, phi), ref, rtol=1e-9, atol=1e-9)


def test_nearest_correlation_repairs_an_indefinite_matrix():
    c = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(c).min() < 0
    fixed = nearest_correlation(c)
    np.testing.assert_allclose(np.diag(fixed), 1.0)
    assert np.linalg.eigvalsh(fixed).min() > 0
    good = np.array(load_stats_document()["correlation"])
    np.testing.assert_allclose(nearest_correlation(good), good, atol=1e-9)


def test_stats_validation():
    p = load_stats()
    with pytest.raises(ValueError, match="dof"):
        dataclasses.replace(p, dof=2.0)
    with pytest.raises(ValueError, match="regime_std_bp"):
        dataclasses.replace(p, regime_std_bp=np.ones((2, 5)))
    assert not p.std_bp.flags.writeable


# ------------------------------------------------------------------- the committed figures


def test_committed_json_holds_statistics_not_data(doc):
    assert doc["label"] == STATS_LABEL
    assert doc["metadata"]["script"] == "scripts/calibrate_history.py"
    assert doc["tenors"] == list(TENORS)

    def longest_list(x) -> int:
        if isinstance(x, dict):
            return max((longest_list(v) for v in x.values()), default=0)
        if isinstance(x, list):
            return max([len(x), *(longest_list(v) for v in x)])
        return 0

    # nothing longer than one per-tenor vector: no rows or series of the real history
    assert longest_list(doc) <= len(TENORS)


def _assert_close(committed, fresh, path="doc"):
    if isinstance(fresh, dict):
        for key, value in fresh.items():
            _assert_close(committed[key], value, f"{path}.{key}")
    elif isinstance(fresh, list):
        assert len(committed) == len(fresh), path
        for i, (a, b) in enumerate(zip(committed, fresh, strict=True)):
            _assert_close(a, b, f"{path}[{i}]")
    elif isinstance(fresh, float):
        assert math.isclose(committed, fresh, rel_tol=1e-3, abs_tol=2e-4), (path, committed, fresh)
    else:
        assert committed == fresh, path


@pytest.mark.shared_data
def test_committed_json_matches_a_fresh_calibration(shared_history_path):
    h = load_history(shared_history_path)
    fresh = calibrate_history_stats(h)
    committed = json.loads(STATS_PATH.read_text(encoding="utf-8"))
    _assert_close(committed, fresh)
    assert committed["metadata"]["date_range"] == [str(h.start), str(h.end)]
    assert committed["metadata"]["source_file"] == shared_history_path.name


# ------------------------------------------------------------------------ default market


def test_default_curve_is_the_gsw_curve_of_2026_07_31():
    c = default_curve()
    assert c.asof == DEFAULT_ASOF == dt.date(2026, 7, 31)
    assert c.label == DEFAULT_CURVE_LABEL
    par = {
        "1Y": 4.1863,
        "2Y": 4.2541,
        "3Y": 4.3263,
        "5Y": 4.4769,
        "7Y": 4.6260,
        "10Y": 4.8302,
        "20Y": 5.2471,
        "30Y": 5.3377,
    }
    for tenor, value in par.items():
        assert c.yields[T[tenor]] == pytest.approx(value / 100, abs=1e-12)
    # independent check: at 6 months the bill BEY equals the semiannual-compounded yield
    r6 = 0.0411
    assert c.yields[T["6M"]] == pytest.approx(2 * (math.exp(r6 / 2) - 1), abs=1e-15)
    # 1M: buy at exp(-r t), simple return annualised on 365-day basis over 365/12 days
    price = 100 * math.exp(-0.0409 / 12)
    assert c.yields[T["1M"]] == pytest.approx((100 - price) / price * 12, abs=1e-15)
    assert c.yields[T["2M"]] == pytest.approx((c.yields[T["1M"]] + c.yields[T["3M"]]) / 2)
    assert c.yields[T["4M"]] == pytest.approx(
        c.yields[T["3M"]] + (c.yields[T["6M"]] - c.yields[T["3M"]]) / 3
    )
    assert np.all(np.diff(c.yields) > 0)  # this curve is upward sloping throughout


def test_zero_to_bey_conversion_is_above_the_zero_rate():
    bey = zero_cc_to_bey(np.array([0.04, 0.04]), np.array([1 / 12, 0.5]))
    assert np.all(bey > 0.04) and bey[1] > bey[0]


def test_default_market_is_cached_and_labelled():
    m = default_market()
    assert m is default_market()
    assert m.asof == DEFAULT_ASOF
    assert m.history.synthetic and m.history.end == DEFAULT_ASOF
    np.testing.assert_allclose(m.history.yields[-1], m.curve.yields)
    assert any("synthetic" in n and "not observed" in n for n in m.notes)
    assert any(DEFAULT_CURVE_LABEL in n for n in m.notes)


def test_market_from_history(default_synth):
    h = default_synth
    m = market_from_history(h, dt.date(2020, 3, 16))
    np.testing.assert_array_equal(
        m.curve.yields, h.yields[h.dates == np.datetime64("2020-03-16")][0]
    )
    assert m.history is h and any(h.source in n for n in m.notes)
    with pytest.raises(ValueError, match=r"outside the history \(2015-07-31 to 2026-07-31\)"):
        market_from_history(h, dt.date(2027, 1, 4))
    with pytest.raises(ValueError, match="outside the history"):
        market_from_history(h, dt.date(2000, 1, 4))
