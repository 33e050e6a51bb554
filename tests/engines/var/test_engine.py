"""VaR engine: real history against a slow reference, invariants, sensitivity-mode error."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from tests import reference as ref
from xmsim import dates
from xmsim.engines.var.engine import VarEngine
from xmsim.engines.var.scenarios import VarSettings
from xmsim.market import Market
from xmsim.marketdata.history import load_history
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.pricing import risk

ASOF = dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def real_market(shared_history_path) -> Market:
    history = load_history(shared_history_path)
    return Market(history.curve_on(ASOF), history)


@pytest.fixture(scope="module")
def real_engine(real_market) -> VarEngine:
    return VarEngine(real_market)


def _ust(c, m, face):
    return Position(UST, face, coupon_pct=c, maturity=m)


MIXED = Portfolio(
    [
        _ust(4.25, dt.date(2034, 11, 15), 25e6),
        _ust(4.125, dt.date(2026, 10, 31), -40e6),
        _ust(4.625, dt.date(2054, 11, 15), 8e6),
        _ust(3.875, dt.date(2029, 11, 30), 15e6),
        _ust(4.0, dt.date(2031, 2, 28), -12e6),
    ]
)


def _slow_var(market: Market, engine: VarEngine, portfolio: Portfolio) -> float:
    """Loop over scenarios; build each shocked curve and price each bond from scratch."""
    settle = dates.settlement_date(market.asof)
    base = ref.SlowCurve(list(market.curve.yields))

    def value(curve):
        return sum(
            p.quantity / 100 * ref.dirty_price(curve, p.coupon_pct / 100, p.maturity, settle)
            for p in portfolio
        )

    v0 = value(base)
    pnl = [
        value(ref.SlowCurve(list(market.curve.yields + s))) - v0 for s in engine.scenarios.shocks
    ]
    return float(np.quantile(-np.array(pnl), engine.settings.confidence))


@pytest.mark.slow
@pytest.mark.parametrize(
    "portfolio",
    [Portfolio([_ust(4.25, dt.date(2034, 11, 15), 10e6)]), MIXED],
    ids=["10y-note", "mixed-book"],
)
def test_var_equals_slow_reference_on_real_history(real_market, real_engine, portfolio):
    fast = real_engine.run(portfolio).var_usd
    assert fast == pytest.approx(_slow_var(real_market, real_engine, portfolio), rel=1e-6)
    assert fast > 0


def test_scenarios_cover_ten_years_of_three_day_changes_plus_stress(real_engine):
    sc = real_engine.scenarios
    normal = ~sc.is_stress
    assert 2400 < normal.sum() < 2600  # ~250 business days a year for 10 years
    assert sc.end_dates[normal].max() == np.datetime64("2024-12-31")
    gaps = (sc.end_dates - sc.start_dates).astype(int)
    assert gaps.min() >= 3 and gaps.max() <= 9  # 3 business days (weekends, holidays)
    assert sc.is_stress.any()
    assert sc.stress_window[0].year == 2008 or sc.stress_window[0].year == 2007


def test_dv01_matched_futures_hedge_cuts_var_by_more_than_80pct(real_market, real_engine):
    note = Portfolio([_ust(4.25, dt.date(2031, 6, 30), 50e6)])  # near the ZN CTD
    expiry = dt.date(2025, 3, 1)
    note_dv01 = risk.position_dv01(note, real_market.curve)[0]
    zn_dv01 = risk.contract_dv01("ZN", expiry, real_market.curve)
    n = round(note_dv01 / zn_dv01)
    hedged = note + Portfolio([Position(FUTURE, -n, contract="ZN", expiry=expiry)])
    v_note = real_engine.margin(note)
    v_hedged = real_engine.margin(hedged)
    assert v_hedged < 0.2 * v_note


def test_component_var_sums_to_var_and_incremental_is_consistent(real_engine):
    res = real_engine.run(MIXED)
    assert res.component_var_usd.sum() == pytest.approx(res.var_usd, rel=1e-10)
    # incremental VaR by brute force for one position
    without = Portfolio(MIXED.positions[1:])
    assert res.incremental_var_usd[0] == pytest.approx(
        res.var_usd - real_engine.run(without).var_usd, rel=1e-10
    )
    assert res.to_frame()["usd"].iloc[:-1].sum() == pytest.approx(res.margin_usd)
    worst = res.worst(5)
    assert list(worst["pnl_usd"]) == sorted(worst["pnl_usd"])


def test_sensitivity_mode_is_close_to_full_revaluation(real_market):
    full = VarEngine(real_market).margin(MIXED)
    fast = VarEngine(real_market, VarSettings(mode="sensitivity")).margin(MIXED)
    assert fast == pytest.approx(full, rel=0.02)


# --- invariants on the embedded default market (no shared data needed) ---------------------


@pytest.fixture(scope="module")
def engine():
    from xmsim.marketdata.defaults import default_market

    return VarEngine(default_market())


def _book(asof):
    return Portfolio(
        [
            _ust(4.25, dt.date(2034, 11, 15), 20e6),
            _ust(3.5, dt.date(2028, 9, 30), -10e6),
            Position(FUTURE, -40, contract="ZN", expiry=dt.date(2026, 12, 1)),
            Position(FUTURE, 25, contract="SR3", expiry=dt.date(2027, 3, 1)),
        ]
    )


def test_empty_portfolio_has_zero_margin(engine):
    assert engine.margin(Portfolio()) == 0.0


def test_doubling_every_position_doubles_the_margin(engine):
    pf = _book(engine.asof)
    assert engine.margin(pf.scaled(2.0)) == pytest.approx(2 * engine.margin(pf), rel=1e-12)


def test_row_order_is_irrelevant(engine):
    pf = _book(engine.asof)
    rev = Portfolio(tuple(reversed(pf.positions)))
    assert engine.margin(rev) == pytest.approx(engine.margin(pf), rel=1e-12)


def test_long_and_short_of_the_same_bond_is_flat(engine):
    long = _ust(4.25, dt.date(2034, 11, 15), 20e6)
    short = dataclasses.replace(long, quantity=-20e6)
    assert engine.margin(Portfolio([long, short])) == pytest.approx(0.0, abs=1e-6)


def test_settings_are_validated():
    with pytest.raises(ValueError, match="confidence"):
        VarSettings(confidence=1.2)
    with pytest.raises(ValueError, match="mode"):
        VarSettings(mode="fast")


def test_floor_and_addons_are_separate_components(engine):
    pf = _book(engine.asof)
    base = engine.run(pf)
    eng2 = VarEngine(engine.market, VarSettings(floor_pct=5.0, addon_pct=0.01))
    res = eng2.run(pf)
    assert res.var_usd == pytest.approx(base.var_usd)
    assert res.margin_usd == pytest.approx(sum(res.components.values()))
    assert res.margin_usd > base.margin_usd


@pytest.mark.parametrize("mode", ["full", "sensitivity"])
def test_grouped_pnl_paths_equal_per_position_sums(engine, mode):
    eng = VarEngine(engine.market, VarSettings(mode=mode))
    book = eng.book(_book(eng.asof) + MIXED)
    groups = np.arange(book.n_positions) % 3
    per_position = eng.pnl_matrix(book)
    expected = np.stack([per_position[:, groups == g].sum(axis=1) for g in range(3)], axis=1)
    np.testing.assert_allclose(eng.pnl_by_group(book, groups, 3), expected, rtol=1e-9, atol=1e-6)
    rows = np.array([5, 17])
    np.testing.assert_allclose(eng.pnl_matrix(book, rows), per_position[rows], rtol=1e-12)


def test_a_look_back_longer_than_the_history_is_said_not_silently_shortened(real_market):
    eng = VarEngine(real_market, VarSettings(lookback_years=40))
    text = eng.scenarios.description
    assert "NOTE history starts 1990-01-02" in text and "of the 40 years asked for" in text
    assert "NOTE" not in VarEngine(real_market).scenarios.description


@pytest.mark.parametrize("n", [1, 2, 3, 250, 2497])
def test_loss_quantile_is_numpys_linear_quantile_bit_for_bit(n):
    """One np.partition per column and numpy's own interpolation (the definition kept)."""
    from xmsim.engines.var.engine import loss_quantile

    rng = np.random.default_rng(n)
    losses = rng.standard_normal((n, 9)) * 1e6
    losses[:, 4] = 7.0  # ties
    for q in (0.0, 0.5, 0.95, 0.975, 0.99, 0.999, 1.0):
        assert np.array_equal(loss_quantile(losses, q), np.quantile(losses, q, axis=0))
        view = np.ascontiguousarray(losses.T).T  # the blocked path's layout
        assert np.array_equal(loss_quantile(view, q), np.quantile(view, q, axis=0))


def test_most_volatile_windows_of_many_dates_equal_the_slow_search_of_each():
    from tests.reference.scenarios import most_volatile_start
    from xmsim.engines.var.scenarios import most_volatile_window, most_volatile_windows
    from xmsim.market import YieldHistory

    rng = np.random.default_rng(3)
    n = 400
    vol = np.where((np.arange(n) > 150) & (np.arange(n) < 190), 5e-3, 1e-3)  # a stormy stretch
    yields = 0.03 + np.cumsum(vol[:, None] * rng.standard_normal((n, 13)), axis=0)
    days = np.datetime64("2020-01-01") + np.arange(n).astype("timedelta64[D]")
    history = YieldHistory(days, yields, "test")
    upto = np.array([0, 20, 31, 32, 60, 155, 170, 200, 399, 400])
    got = most_volatile_windows(history, 30, upto)
    for u, g in zip(upto, got, strict=True):
        assert g == most_volatile_start(yields, 30, int(u)) == most_volatile_window(history, 30, u)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 100, 250, 2497, 5000])
def test_order_stats_equal_one_partition_per_row(n):
    """The chunked selection of the top order statistics against np.partition, on rows with
    ties, sorted and reverse-sorted rows (all the top values in one chunk) and constant rows."""
    from xmsim.engines.var.engine import order_stats

    rng = np.random.default_rng(n)
    rows = rng.standard_normal((40, n)) * 1e6
    rows[:8] = np.round(rows[:8] / 1e6)
    rows[8:16] = np.sort(rows[8:16], axis=1)
    rows[16:24] = np.sort(rows[16:24], axis=1)[:, ::-1]
    rows[24:28] = 3.0
    before = rows.copy()
    for q in (0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0):
        k = int(np.floor((n - 1) * q))
        k1 = min(k + 1, n - 1)
        part = np.partition(rows, (k, k1), axis=1)
        a, b = order_stats(rows, k, k1)
        assert np.array_equal(a, part[:, k]) and np.array_equal(b, part[:, k1])
    assert np.array_equal(rows, before)
