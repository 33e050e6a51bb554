"""Kupiec, Christoffersen and Portfolio Differential against their textbook twins
(``tests/reference/backtest.py``); calibration on a known distribution; the fallback
simulation."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from tests.conftest import SAMPLES
from tests.reference import backtest as ref
from xmsim.engines.var.scenarios import VarSettings
from xmsim.market import TENORS, YieldHistory
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import UST, Portfolio, Position
from xmsim.simulate import RunConfig
from xmsim.timeline.backtest import (
    backtest,
    christoffersen_independence,
    exception_band,
    kupiec_pof,
)
from xmsim.timeline.engine import HistoryRunner
from xmsim.timeline.stats import (
    PortfolioDifferential,
    fallback_simulation,
    history_frame,
    history_summary,
)
from xmsim.upload.loader import load_portfolio

# a hand-made series: 250 days, exceptions on days 3, 4, 50, 120, 121, 122
SERIES = np.zeros(250, dtype=bool)
SERIES[[3, 4, 50, 120, 121, 122]] = True


def test_kupiec_equals_the_textbook_formula():
    lr, p_value = kupiec_pof(SERIES, 0.01)
    assert lr == pytest.approx(ref.kupiec(250, 6, 0.01), rel=1e-12)
    assert p_value == pytest.approx(1 - stats.chi2.cdf(lr, 1), rel=1e-9)
    # x = 0: the alternative's log-likelihood is 0, LR = -2 n ln(1 - p)
    assert kupiec_pof(np.zeros(100, bool), 0.01)[0] == pytest.approx(-200 * math.log(0.99))


def test_christoffersen_equals_the_textbook_formula():
    lr, p_value = christoffersen_independence(SERIES)
    assert lr == pytest.approx(ref.christoffersen(list(SERIES)), rel=1e-12)
    assert lr > 3.84 and p_value < 0.05  # clustered exceptions are caught
    spread = np.zeros(250, dtype=bool)
    spread[[10, 60, 110, 160, 210]] = True
    assert christoffersen_independence(spread)[0] == pytest.approx(
        ref.christoffersen(list(spread)), rel=1e-12
    )


def test_a_calibrated_var_on_a_known_distribution_stays_in_its_band():
    rng = np.random.default_rng(7)
    sigma, n = 1_000_000.0, 5_000
    pnl = rng.normal(0.0, sigma, n)
    margin = np.full(n, sigma * stats.norm.ppf(0.99))
    out = backtest(margin, pnl, 0.01)
    assert out["band"][0] <= out["exceptions"] <= out["band"][1]
    assert not out["kupiec_reject"]
    low = backtest(margin * 0.8, pnl, 0.01)  # an under-margined model is rejected
    assert low["exceptions"] > low["band"][1] and low["kupiec_reject"]


def test_band_is_the_binomial_interval():
    low, high = exception_band(1000, 0.01, 0.95)
    assert stats.binom.cdf(low - 1, 1000, 0.01) <= 0.025 <= stats.binom.cdf(low, 1000, 0.01)
    assert stats.binom.sf(high, 1000, 0.01) <= 0.025 <= stats.binom.sf(high - 1, 1000, 0.01)


def _iid_history(n_days: int, vol_bp: float, seed: int) -> YieldHistory:
    """Yields moved by iid normal parallel daily changes (a known distribution)."""
    rng = np.random.default_rng(seed)
    dates = np.busday_offset(np.datetime64("2000-01-03"), np.arange(n_days))
    level = 0.04 + np.cumsum(rng.normal(0.0, vol_bp * 1e-4, n_days))
    yields = np.repeat(level[:, None], len(TENORS), axis=1)
    return YieldHistory(dates, yields, "iid normal parallel shifts (test)", synthetic=True)


def test_engine_var_on_an_iid_history_has_exceptions_inside_the_band():
    history = _iid_history(1800, 6.0, seed=3)
    bond = Position(UST, 10_000_000, coupon_pct=4.0, maturity=dt.date(2012, 1, 15))
    config = RunConfig(var=VarSettings(lookback_years=2.0, stress=False))
    runner = HistoryRunner(Portfolio((bond,)), history, config, dt.date(2002, 1, 15))
    run = runner.run(dt.date(2002, 1, 15), history.end, every="week")
    out = backtest(
        [p.var_margin_usd for p in run.points], [p.var_pnl_usd for p in run.points], 0.01
    )
    assert out["n"] > 250
    assert out["band"][0] <= out["exceptions"] <= out["band"][1]


def test_portfolio_differential_equals_its_closed_form():
    var = np.array([100.0, 120.0, 110.0, 150.0, 150.0, 90.0, 200.0])
    got = PortfolioDifferential(decay=0.9, multiplier=2.0).charge(var)
    closed = ref.portfolio_differential(list(var), decay=0.9, multiplier=2.0)
    assert got == pytest.approx(np.array(closed), rel=1e-12)
    with pytest.raises(ValueError, match="decay"):
        PortfolioDifferential(decay=1.0)


def test_fallback_simulation_uses_the_last_computed_date():
    market = default_market()
    book_date = dt.date(2026, 7, 31)
    portfolio = load_portfolio(SAMPLES / "half_hedge.csv", asof=book_date).portfolio
    run = HistoryRunner(portfolio, market.history, RunConfig(), book_date).run(
        dt.date(2026, 7, 20), dt.date(2026, 7, 31)
    )
    d1, d2 = run.points[3].date, run.points[4].date
    rows = fallback_simulation(run, {d1, d2})
    assert [r["date"] for r in rows] == [d1.isoformat(), d2.isoformat()]
    prior = run.points[2].result.accounts[0]
    for row, pt in zip(rows, run.points[3:5], strict=False):
        a = pt.result.accounts[0]
        assert row["prior_date"] == run.points[2].date.isoformat()
        standalone = a.ficc_standalone + a.cme_standalone
        inel = a.ineligible_margin_ficc + a.ineligible_margin_cme
        if a.var.combined <= prior.var.combined:  # FAQ Q21 by hand
            expected = standalone * (1 - prior.applied) + inel
        else:
            expected = standalone + inel
        assert row["charged_usd"] == pytest.approx(expected, rel=1e-12)
    frame = history_frame(run)
    summ = history_summary(run, frame)
    assert summ["n_dates"] == len(run.points) == len(frame)
    assert sum(summ["binding_share"].values()) == pytest.approx(1.0)
    assert summ["applied"]["min"] == pytest.approx(frame.applied.min())
