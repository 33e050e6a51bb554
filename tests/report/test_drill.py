"""Headline cards, the effective percentage's note, per-account detail and the drill-down.

Contributions are checked against the arrangement's own margins of each combined portfolio,
which come from a different path (one batch over every account and leg) than the detail (one
portfolio at a time); the compact format and the effective note against hand-written figures.
"""

from __future__ import annotations

import numpy as np
import pytest

from xmsim.arrangement.crossmargin import (
    ArrangementResult,
    ArrangementSettings,
    LegMargins,
    account_results,
)
from xmsim.config import run_config
from xmsim.marketdata.defaults import default_market
from xmsim.report import drill
from xmsim.report import figures as reporting
from xmsim.report import files as exports
from xmsim.simulate import POOLED, Simulator
from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio, sample_paths


def _portfolio(name: str):
    path = sample_paths().get(name)
    if path is None:
        pytest.skip(f"sample {name} not in sample_portfolios/")
    return load_portfolio(path, asof=SAMPLE_ASOF).portfolio


@pytest.fixture(scope="module")
def market():
    return default_market()


def _simulator(market, **values) -> Simulator:
    return Simulator(market, run_config(values, market))


@pytest.fixture(scope="module")
def customer(market):
    simulator = _simulator(market, **{"arrangement.arrangement": "customer"})
    return simulator, simulator.run(_portfolio("customer_book"))


# ------------------------------------------------------------------------------ compact $


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (27_328_000, "$27.3m"),
        (2_989_000, "$2.99m"),
        (745_000, "$745k"),
        (745_499, "$745k"),
        (999_999, "$1.00m"),  # rounds to 1,000k: the next unit
        (999_400, "$999k"),
        (1_000, "$1.00k"),
        (999.6, "$1.00k"),
        (999, "$999"),
        (950, "$950"),
        (12_345, "$12.3k"),
        (3_003_204, "$3.00m"),
        (10_989_532, "$11.0m"),
        (-157_573, "-$158k"),
        (-0.4, "$0"),
        (0, "$0"),
        (1.5e9, "$1.50bn"),
        (123_456_789_012, "$123bn"),
        (float("nan"), "n/a"),
    ],
)
def test_compact_dollars(value, text):
    assert reporting.fmt_usd_compact(value) == text


def test_cards_are_compact_with_the_exact_figure_on_hover(market):
    result = _simulator(market).arrangement(_portfolio("basis_trade"))
    cards = {c.key: c for c in reporting.headline_cards(result)}
    assert list(cards) == list(reporting.CARD_KEYS)
    s = reporting.summary(result)
    assert cards["ficc_standalone"].value == reporting.fmt_usd_compact(s["ficc_standalone"])
    assert cards["ficc_standalone"].exact == reporting.fmt_usd(s["ficc_standalone"])
    assert reporting.fmt_usd(s["ficc_standalone"]) in cards["ficc_standalone"].help
    assert cards["total"].value == "$3.75m → $751k"  # README: total 3,754,004 -> 750,801
    assert "$3,754,004 → $750,801" in cards["total"].help
    assert cards["applied"].value == "80.00%"
    assert max(len(c.label) for c in cards.values()) <= 22  # fits a quarter of a 1280 px page


# ------------------------------------------------------------------------------ effective %


def _two_accounts() -> ArrangementResult:
    """Hand-made leg margins [USD]: the lower model differs between the two portfolios.

    A: VaR F=100, C=1,900, combined 1,000 (50%); SPAN F=100, C=100, combined 40 (80%) -> 50%.
    B: VaR F=100, C=100, combined 40 (80%); SPAN F=100, C=100, combined 80 (60%) -> 60%.
    Effective: 1 - (FICC after + CME after) / (VaR F + SPAN C) = 1 - (50+50+40+40) / 400 = 55%.
    VaR across both: 1 - 1,040 / 2,200 = 52.73%; SPAN: 1 - 120 / 400 = 70%.
    """

    def legs(f, c, comb):
        z = np.zeros(2)
        return LegMargins(np.array(f, float), np.array(c, float), np.array(comb, float), z, z)

    margins = {"var": legs([100, 100], [1900, 100], [1000, 40]),
               "span": legs([100, 100], [100, 100], [40, 80])}  # fmt: skip
    settings = ArrangementSettings(arrangement="customer")
    accounts = account_results(
        ("A", "B"), ("customer", "customer"), margins, {}, settings, "var", "span"
    )
    return ArrangementResult(
        asof=SAMPLE_ASOF, settings=settings, ficc_model="var", cme_model="span", history="",
        accounts=accounts,
        reading={"requested": "customer", "house_portfolios": 0, "house_accounts": 0,
                 "customer_portfolios": 2, "customer_accounts": 2},
    )  # fmt: skip


def test_effective_percentage_says_how_and_why_it_exceeds_the_lower_model():
    result = _two_accounts()
    s = reporting.summary(result)
    assert s["applied"] == pytest.approx(0.55)
    assert s["savings_ficc_model"] == pytest.approx(1 - 1040 / 2200)
    assert s["savings_cme_model"] == pytest.approx(0.70)
    note = reporting.effective_note(result)
    assert "1 − $180 / $400 = 55.00%" in note
    assert "dollars-weighted" in note
    assert "exceeds the lower model's 52.73%" in note
    cards = {c.key: c for c in reporting.headline_cards(result)}
    assert cards["applied"].label == "Applied % (effective)"
    assert note in cards["applied"].help


def test_effective_note_does_not_claim_an_excess_when_there_is_none(customer):
    _, sim = customer
    s = reporting.summary(sim.result)
    assert s["applied"] <= min(s["savings_ficc_model"], s["savings_cme_model"])
    assert "exceeds" not in reporting.effective_note(sim.result)


# ------------------------------------------------------------------------------ detail


def test_detail_of_each_account_is_that_accounts_combined_portfolio(customer):
    simulator, sim = customer
    assert sim.detail_account is POOLED and "pooled" in sim.detail_label
    for a in sim.result.accounts:
        d = simulator.detail(sim, a.account)
        assert d.detail_account == a.account and a.account in d.detail_label
        assert d.var_detail.margin_usd == pytest.approx(a.var.combined, rel=1e-9, abs=1e-6)
        assert d.span_detail.margin_usd == pytest.approx(a.span.combined, rel=1e-9, abs=1e-6)
        rows = {sim.portfolio.positions[i].account for i in d.detail_rows}
        assert rows == {a.account}
    with pytest.raises(ValueError, match="no combined portfolio"):
        simulator.detail(sim, "NOBODY")


def test_one_combined_portfolio_is_its_own_detail(market):
    sim = _simulator(market).run(_portfolio("basis_trade"))
    a = sim.result.accounts[0]
    assert sim.detail_account == a.account
    assert sim.var_detail.margin_usd == pytest.approx(a.var.combined, rel=1e-9)


def test_detail_sheets_and_charts_follow_the_picked_account(customer):
    simulator, sim = customer
    d = simulator.detail(sim, "CUST_H")
    tables = exports.result_tables(d)
    assert set(tables["var_components"].portfolio) == {d.detail_label}
    margin = tables["var_components"].set_index("component").usd["margin"]
    assert margin == pytest.approx(sim.result.accounts[7].var.combined)
    pooled = exports.result_tables(sim)
    assert "pooled" in pooled["var_components"].portfolio.iloc[0]
    figs = exports.default_figures(d)
    assert "CUST_H" in figs["VaR scenarios"].layout.title.text
    assert "CUST_H" in figs["SPAN scenarios"].layout.title.text
    ladder = d.dv01_ladder()
    mine = [i for i, p in enumerate(sim.portfolio) if p.account == "CUST_H"]
    want = sim.risk.krd_usd[mine].sum(axis=0)
    assert np.allclose(ladder.ficc_leg_usd + ladder.cme_leg_usd, want)


def test_account_explain_names_the_pot_and_the_no_saving_reason(customer):
    _, sim = customer
    text = reporting.account_explain(sim.result, "CUST_A")  # cash only: no CME leg
    assert text.startswith(
        "CUST_A: the customer combined portfolio (1 account, CME account type non-HRP)"
    )
    assert "no CME-eligible leg" in text


# ------------------------------------------------------------------------------ drill-down


def _check_sums(sim) -> None:
    frame = drill.position_contributions(sim)
    assert frame.var_usd.sum() == pytest.approx(sim.var_detail.margin_usd, rel=1e-9, abs=1e-6)
    assert frame.span_usd.sum() == pytest.approx(sim.span_detail.margin_usd, rel=1e-9, abs=1e-6)
    total = drill.total_row(frame, "position")
    assert total.position.iloc[0] == "TOTAL"
    assert total.var_usd.iloc[0] == pytest.approx(frame.var_usd.sum())
    assert np.isnan(total.var_incremental_usd.iloc[0])  # does not add up: left blank
    if len(frame):
        assert total.var_share.iloc[0] == pytest.approx(1.0) or frame.var_usd.sum() == 0


def test_position_contributions_sum_to_each_models_margin(customer):
    simulator, sim = customer
    for a in sim.result.accounts:
        d = simulator.detail(sim, a.account)
        _check_sums(d)
        frame = drill.position_contributions(d)
        assert frame.var_usd.sum() == pytest.approx(a.var.combined, rel=1e-9, abs=1e-6)
        assert frame.span_usd.sum() == pytest.approx(a.span.combined, rel=1e-9, abs=1e-6)
    _check_sums(sim)  # the pooled view


@pytest.mark.parametrize(
    "values",
    [
        {"var.floor_pct": 5.0, "var.addon_pct": 0.5},  # the floor binds on hedged books
        {"var.floor_pct": 0.01, "var.addon_pct": 0.2},  # VaR above the floor
        {"span.account_type": "HRP"},  # initial = 1.10 x maintenance
        {"span.shown": "maintenance", "var.mode": "sensitivity"},
    ],
)
def test_contributions_sum_with_floors_add_ons_and_account_types(market, values):
    simulator = _simulator(market, **values)
    sim = simulator.run(_portfolio("dealer_book"))
    a = sim.result.accounts[0]
    frame = drill.position_contributions(sim)
    assert frame.var_usd.sum() == pytest.approx(a.var.combined, rel=1e-9)
    assert frame.span_usd.sum() == pytest.approx(a.span.combined, rel=1e-9)


def test_single_position_contributes_its_whole_margin(market):
    portfolio = _portfolio("half_hedge")
    simulator = _simulator(market)
    sim = simulator.run(portfolio)
    for i in range(len(portfolio)):
        one = simulator.run(type(portfolio)((portfolio.positions[i],)))
        frame = drill.position_contributions(one)
        assert frame.var_usd.sum() == pytest.approx(one.var_detail.margin_usd, rel=1e-9)
        assert frame.var_incremental_usd.iloc[0] == pytest.approx(one.var_detail.var_usd)
    assert len(drill.position_contributions(sim)) == len(portfolio)


def test_account_contributions_sum_to_the_totals(customer):
    _, sim = customer
    frame = drill.account_contributions(sim.result)
    t = sim.result.totals
    assert frame.ficc_requirement_usd.sum() == pytest.approx(t["ficc_requirement"])
    assert frame.total_after_usd.sum() == pytest.approx(t["total_after"])
    assert frame.var_combined_usd.sum() == pytest.approx(
        sum(a.var.combined for a in sim.result.accounts)
    )
    total = drill.total_row(frame, "account")
    assert total.total_after_share.iloc[0] == pytest.approx(1.0)
    rounded = drill.round_usd(frame)
    assert (rounded.total_after_usd == rounded.total_after_usd.round(0)).all()


def test_accounts_display_and_its_total(customer):
    _, sim = customer
    rows, total = drill.accounts_display(sim.result), drill.accounts_total(sim.result)
    t = sim.result.totals
    assert len(rows) == len(sim.result.accounts)
    assert total.total_after_usd.iloc[0] == round(t["total_after"])  # summed before rounding
    assert total.savings_usd.iloc[0] == round(t["savings_usd"])
    assert total.applied.iloc[0] == pytest.approx(reporting.summary(sim.result)["applied"], 1e-4)
    why = dict(zip(rows.account, rows.why, strict=True))
    assert why["CUST_A"] == "no CME-eligible leg: nothing to offset"
    assert why["CUST_D"] == "lower of the two: CME's model"
