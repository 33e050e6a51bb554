"""History points equal the single-date run on the re-dated portfolio; re-dating; bad ranges."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from tests.conftest import SAMPLES
from xmsim import contracts
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.arrangement.models import bucket_dv01s
from xmsim.marketdata.defaults import default_market, market_from_history
from xmsim.marketdata.history import load_history
from xmsim.pricing.curve import discount_nodes
from xmsim.pricing.risk import contract_dv01
from xmsim.simulate import RunConfig, Simulator, resolve_span_params
from xmsim.timeline.engine import HistoryRunner, check_range, history_dates
from xmsim.timeline.redate import Redater
from xmsim.upload.loader import load_portfolio

BOOK_DATE = dt.date(2026, 7, 31)


def _numbers(obj, prefix=""):
    """Every number of a nested result dict, keyed by its path."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out.update(_numbers(v, f"{prefix}.{k}"))
        return out
    if isinstance(obj, list | tuple):
        out = {}
        for i, v in enumerate(obj):
            out.update(_numbers(v, f"{prefix}[{i}]"))
        return out
    return {prefix: obj}


def _assert_same(point_result, reference):
    a, b = _numbers(point_result.to_dict()), _numbers(reference.to_dict())
    assert a.keys() == b.keys()
    for k, v in b.items():
        if isinstance(v, float):
            assert math.isclose(a[k], v, rel_tol=1e-9, abs_tol=1e-6), (k, a[k], v)
        else:
            assert a[k] == v, k


@pytest.mark.parametrize(
    ("sample", "arrangement"),
    [("customer_book.csv", "customer"), ("customer_book.csv", "house"),
     ("ineligible_mix.csv", "house")],
)  # fmt: skip
def test_points_equal_single_date_run_real_history(shared_history_path, sample, arrangement):
    history = load_history(shared_history_path)
    portfolio = load_portfolio(SAMPLES / sample, asof=BOOK_DATE).portfolio
    config = RunConfig(arrangement=ArrangementSettings(arrangement=arrangement))
    runner = HistoryRunner(portfolio, history, config, BOOK_DATE)
    run = runner.run(dt.date(2024, 6, 1), dt.date(2024, 12, 31), every="month")
    assert len(run.points) == 7
    for pt in run.points[::3]:  # a sample of dates: each is the single-date run
        redated = runner.redater.at(pt.date)
        reference = Simulator(market_from_history(history, pt.date), config).arrangement(redated)
        _assert_same(pt.result, reference)


def test_points_equal_single_date_run_daily_blocks_sensitivity_mode():
    market = default_market()
    portfolio = load_portfolio(SAMPLES / "basis_trade.csv", asof=BOOK_DATE).portfolio
    var = dataclasses.replace(RunConfig().var, mode="sensitivity", lookback_years=5)
    for config in (RunConfig(), RunConfig(var=var)):
        runner = HistoryRunner(portfolio, market.history, config, BOOK_DATE)
        run = runner.run(dt.date(2026, 7, 20), dt.date(2026, 7, 31), block=3)
        for pt in run.points[::4]:
            m = market_from_history(market.history, pt.date)
            reference = Simulator(m, config).arrangement(runner.redater.at(pt.date))
            _assert_same(pt.result, reference)


@pytest.mark.parametrize(
    ("sample", "arrangement"),
    [("dealer_book.csv", "house"), ("customer_book.csv", "customer"),
     ("customer_book.csv", "auto"), ("sofr_hedge_2y.csv", "house")],
)  # fmt: skip
def test_daily_points_across_a_futures_roll_equal_single_date_run(
    shared_history_path, sample, arrangement
):
    """Daily through the December 2024 roll (blocks of 7 dates, so SPAN batches span several
    dates and the instruments' strip moves inside a block)."""
    history = load_history(shared_history_path)
    portfolio = load_portfolio(SAMPLES / sample, asof=BOOK_DATE).portfolio
    config = RunConfig(arrangement=ArrangementSettings(arrangement=arrangement))
    runner = HistoryRunner(portfolio, history, config, BOOK_DATE)
    run = runner.run(dt.date(2024, 11, 25), dt.date(2024, 12, 31), block=7)
    assert len(run.points) == 25
    for pt in run.points[1::6]:
        redated = runner.redater.at(pt.date)
        reference = Simulator(market_from_history(history, pt.date), config).arrangement(redated)
        _assert_same(pt.result, reference)


@pytest.mark.parametrize("arrangement", ["house", "customer"])
def test_points_with_the_basis_and_calibrated_span_equal_single_date_run(arrangement):
    """The SOFR / fed funds basis rides along (``run --asof`` on the default market has it),
    and ``calibrated`` SPAN parameters are calibrated on each date's market, as ``run`` does."""
    market = default_market()
    portfolio = load_portfolio(SAMPLES / "sofr_hedge_2y.csv", asof=BOOK_DATE).portfolio
    config = RunConfig(arrangement=ArrangementSettings(arrangement=arrangement))
    for span_choice in (None, "calibrated"):
        runner = HistoryRunner(portfolio, market.history, config, BOOK_DATE, span_choice,
                               basis=market.basis)  # fmt: skip
        run = runner.run(dt.date(2026, 6, 24), dt.date(2026, 7, 8))
        for pt in run.points[::5]:
            m = market_from_history(market.history, pt.date, market.basis)
            cfg = config
            if span_choice:
                cfg = dataclasses.replace(config, span_params=resolve_span_params(span_choice, m))
            reference = Simulator(m, cfg).arrangement(runner.redater.at(pt.date))
            _assert_same(pt.result, reference)
            assert market.basis.source in pt.result.history


def test_redating_keeps_time_to_maturity_and_strip_place():
    portfolio = load_portfolio(SAMPLES / "basis_trade.csv", asof=BOOK_DATE).portfolio
    redater = Redater(portfolio, BOOK_DATE)
    new = redater.at(dt.date(2024, 6, 3))
    repo, fut = new.positions
    old_repo, old_fut = portfolio.positions
    assert (repo.maturity - dt.date(2024, 6, 3)) == (old_repo.maturity - BOOK_DATE)
    assert (repo.end_date - dt.date(2024, 6, 3)) == (old_repo.end_date - BOOK_DATE)
    # ZN Dec-26 on 2026-07-31 is the 2nd quarterly month (front Sep-26); on 2024-06-03 the
    # front is Jun-24, so the 2nd is Sep-24
    assert old_fut.expiry == dt.date(2026, 12, 1) and fut.expiry == dt.date(2024, 9, 1)
    assert redater.strip_table()[0]["place"] == "2nd"
    assert (repo.coupon_pct, repo.quantity, fut.quantity) == (
        old_repo.coupon_pct, old_repo.quantity, old_fut.quantity)  # fmt: skip


def test_dates_every_week_and_month_are_last_history_date_of_each():
    h = default_market().history
    days = [d.astype(dt.date) for d in h.dates]
    for every, key in (("week", lambda d: d.isocalendar()[:2]), ("month", lambda d: d.month)):
        got = history_dates(h, dt.date(2026, 1, 1), dt.date(2026, 7, 31), every)
        inside = [d for d in days if dt.date(2026, 1, 1) <= d <= dt.date(2026, 7, 31)]
        expected = {}
        for d in inside:  # the last date seen of each week / month wins
            expected[key(d)] = d
        assert got == sorted(expected.values())
    assert len(history_dates(h, dt.date(2026, 1, 1), dt.date(2026, 7, 31), "month")) == 7


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [((2026, 7, 1), (2026, 6, 1), "reversed"), ((2026, 7, 1), (2027, 1, 1), "outside"),
     ((2014, 1, 1), (2026, 1, 1), "outside"), ((2016, 1, 4), (2026, 1, 1), "too short")],
)  # fmt: skip
def test_bad_ranges_say_what_to_do(start, end, words):
    h = default_market().history
    with pytest.raises(ValueError, match=words):
        check_range(h, dt.date(*start), dt.date(*end), 10.0)


def test_bucket_dv01s_in_one_book_equal_one_contract_at_a_time():
    curve = default_market().curve
    for code, dv01 in bucket_dv01s(curve).items():
        one = contract_dv01(code, contracts.front_month(code, curve.asof), curve)
        assert math.isclose(dv01, one, rel_tol=1e-11)


def test_discount_nodes_on_a_subset_equal_the_full_columns():
    par = default_market().history.yields[-50:]
    nodes = np.array([0, 1, 5, 6, 7, 30, 200, 372])
    assert np.array_equal(discount_nodes(par, nodes), discount_nodes(par)[:, nodes])
