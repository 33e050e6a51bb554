"""The arrangement: METHODOLOGY §1 arithmetic, cap, lower-of-two, do-no-harm, house vs customer,
legacy and fallback modes, and the `run` command's JSON on every sample."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from tests.conftest import SAMPLES
from xmsim import cli
from xmsim.arrangement.crossmargin import (
    ArrangementSettings,
    LegMargins,
    applied_percentage,
    fallback,
    run_arrangement,
)
from xmsim.arrangement.legacy import LegacySettings, legacy_offsets
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.pricing import risk
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import load_portfolio


class FixedModel:
    """A stand-in model returning given margins (one account), to test the arithmetic alone."""

    def __init__(self, name, ficc, cme, combined):
        self.name = name
        self.m = LegMargins(*(np.array([x]) for x in (ficc, cme, combined, 0.0, 0.0)))

    def leg_margins(self, portfolio, book, account_idx, leg, n_accounts, customer=None):
        return self.m


ASOF = dt.date(2026, 7, 31)
NOTE = Position(UST, 1e6, coupon_pct=4.25, maturity=dt.date(2034, 11, 15))


def _run(var, span, **kw):
    pf = Portfolio((NOTE,))
    market = default_market()
    book = risk.build_book(pf, market.curve)
    return run_arrangement(
        pf,
        ASOF,
        FixedModel("var", *var),
        FixedModel("span", *span),
        ArrangementSettings(**kw),
        book=book,
    ).accounts[0]


def test_methodology_synthetic_example_to_the_cent():
    # METHODOLOGY §1 ($m): VaR F 10.0, C 9.0, combined 2.5; SPAN F 9.5, C 8.0, combined 4.0
    a = _run((10.0e6, 9.0e6, 2.5e6), (9.5e6, 8.0e6, 4.0e6))
    assert round(a.var.savings, 4) == 0.8684  # 86.84%
    assert round(a.span.savings, 4) == 0.7714  # 77.14%
    assert a.applied == pytest.approx(1 - 4.0 / 17.5, abs=1e-15)
    assert round(a.ficc_requirement, 2) == 2_285_714.29  # 10.0 x 4/17.5
    assert round(a.cme_requirement, 2) == 1_828_571.43  # 8.0 x 4/17.5
    assert round(a.total_after, 2) == 4_114_285.71
    assert a.total_before == 18.0e6
    assert a.savings_usd == pytest.approx(18.0e6 - 4_114_285.714285714, abs=0.01)
    assert "CME's" in a.reason


def test_cap_binds_when_both_models_save_more_than_80pct():
    a = _run((10e6, 10e6, 1e6), (10e6, 10e6, 0.5e6))
    assert a.applied == 0.8
    assert a.ficc_requirement == pytest.approx(2e6)
    assert "cap" in a.reason


def test_lower_of_two_is_applied():
    a = _run((10e6, 10e6, 8e6), (10e6, 10e6, 5e6))  # VaR 60%, SPAN 75%
    assert a.applied == pytest.approx(0.6)
    assert "FICC's" in a.reason


def test_do_no_harm_when_one_model_finds_combined_above_standalone():
    a = _run((10e6, 10e6, 25e6), (10e6, 10e6, 5e6))
    assert a.var.savings < 0  # reported, before do-no-harm
    assert a.applied == 0.0
    assert a.ficc_requirement == 10e6 and a.cme_requirement == 10e6
    assert a.total_after == a.total_before
    assert "do no harm" in a.reason


def test_own_leg_basis_uses_each_ccps_own_leg():
    a = _run((10e6, 9e6, 2.5e6), (9.5e6, 8e6, 4e6), savings_basis="own_leg")
    assert a.savings_ficc_model == pytest.approx(1 - 2.5 / 10)  # VaR on FICC's own leg
    assert a.savings_cme_model == pytest.approx(1 - 4.0 / 8.0)  # SPAN on CME's own leg
    assert a.applied == pytest.approx(0.5)


def test_applied_percentage_edge_cases():
    assert applied_percentage(0.0, 0.5, 0.8)[0] == 0.0
    assert applied_percentage(0.3, 0.2, 0.8)[0] == 0.2
    assert applied_percentage(0.95, 0.9, 0.8)[0] == 0.8


# --- real engines ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def market():
    return default_market()


@pytest.fixture(scope="module")
def sim_house(market):
    return Simulator(market, RunConfig(arrangement=ArrangementSettings(arrangement="house")))


@pytest.fixture(scope="module")
def sim_customer(market):
    return Simulator(market, RunConfig(arrangement=ArrangementSettings(arrangement="customer")))


def _offsetting_customers(market):
    cash = Position(UST, 50e6, coupon_pct=4.0, maturity=dt.date(2033, 5, 15), account="CUST_A")
    expiry = dt.date(2026, 12, 1)
    n = round(
        risk.position_dv01(Portfolio((cash,)), market.curve)[0]
        / risk.contract_dv01("ZN", expiry, market.curve)
    )
    fut = Position(FUTURE, -n, contract="ZN", expiry=expiry, account="CUST_B")
    return Portfolio((cash, fut))


def test_customers_never_offset_each_other_but_a_house_does(market, sim_house, sim_customer):
    pf = _offsetting_customers(market)
    cust = sim_customer.arrangement(pf)
    assert [a.account for a in cust.accounts] == ["CUST_A", "CUST_B"]
    assert all(a.applied == 0.0 for a in cust.accounts)
    assert cust.totals["savings_usd"] == pytest.approx(0.0, abs=1e-6)
    house = sim_house.arrangement(pf).accounts[0]
    assert house.applied > 0.5
    assert house.total_after < 0.5 * house.total_before
    # customer totals are the sums over accounts
    assert cust.totals["total_before"] == pytest.approx(sum(a.total_before for a in cust.accounts))


def test_dv01_neutral_basis_trade_hits_the_cap_under_both_models(sim_house, market):
    res = load_portfolio(SAMPLES / "basis_trade.csv", asof=market.asof)
    assert res.ok
    a = sim_house.arrangement(res.portfolio).accounts[0]
    assert a.var.savings >= 0.8 and a.span.savings >= 0.8
    assert a.applied == 0.8
    assert a.ficc_requirement == pytest.approx(0.2 * a.ficc_standalone)


def test_span_standing_for_both_ccps_is_allowed(market):
    pf = _offsetting_customers(market)
    s = Simulator(market, RunConfig(ficc_model="span", cme_model="span"))
    a = s.arrangement(pf).accounts[0]
    assert a.ficc_standalone == pytest.approx(a.span.ficc_leg)
    assert a.savings_ficc_model == pytest.approx(a.span.savings)


def test_legacy_example_reduction_is_1_8_million():
    # FICC long 240mm (margin 1% = 2.4mm) against a larger FCO short: 75% of 2.4mm
    r = legacy_offsets(
        [240e6, 0, 0, 0], [-300e6, 0, 0, 0], LegacySettings(margin_rate=0.01, min_margin=0.25)
    )
    assert r.reduction_total_usd == pytest.approx(1_800_000.0, abs=1e-6)
    assert r.fco_reduction_usd[0] == pytest.approx(1_800_000.0)
    assert r.offset_usd[0] == 240e6
    assert r.after_usd == pytest.approx(r.before_usd - 1_800_000.0)
    same_side = legacy_offsets([240e6, 0, 0, 0], [300e6, 0, 0, 0])
    assert same_side.reduction_total_usd == 0.0


def test_legacy_on_a_portfolio_reduces_an_offsetting_book(sim_house, market):
    sim = sim_house.run(_offsetting_customers(market), details=False)
    lg = sim.legacy()
    assert 0 < lg.reduction_total_usd <= 0.75 * lg.before_usd


def test_fallback_applies_yesterdays_percentage_only_if_risk_is_not_higher():
    same = fallback(0.6, 1_000_000, 1_000_000, 5_000_000)
    assert same.applied == 0.6 and same.requirement_usd == pytest.approx(2_000_000)
    lower = fallback(0.6, 1_000_000, 900_000, 5_000_000)
    assert lower.applied == 0.6
    higher = fallback(0.6, 1_000_000, 1_000_001, 5_000_000)
    assert higher.applied == 0.0 and higher.requirement_usd == 5_000_000
    assert "no reduction" in higher.reason


REQUIRED_ACCOUNT_KEYS = {
    "account",
    "var",
    "span",
    "applied",
    "ficc_requirement",
    "cme_requirement",
    "ineligible",
    "total_before",
    "total_after",
    "savings_usd",
}
MODEL_KEYS = {"ficc_leg", "cme_leg", "standalone", "combined", "savings"}
TOTAL_KEYS = {"ficc_requirement", "cme_requirement", "total_before", "total_after", "savings_usd"}


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.csv")))
@pytest.mark.parametrize("arrangement", ["house", "customer"])
def test_run_json_has_the_documented_keys_for_every_sample(sample, arrangement, capsys):
    code = cli.main(
        ["run", str(SAMPLES / sample), "--format", "json", "--quiet", "--arrangement", arrangement]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"asof", "arrangement", "history", "settings", "accounts", "totals"} <= set(out)
    assert out["arrangement"] == arrangement
    assert set(out["totals"]) >= TOTAL_KEYS
    for a in out["accounts"]:
        assert set(a) >= REQUIRED_ACCOUNT_KEYS
        for model in ("var", "span"):
            assert set(a[model]) >= MODEL_KEYS
            assert a[model]["standalone"] == pytest.approx(
                a[model]["ficc_leg"] + a[model]["cme_leg"]
            )
        assert 0.0 <= a["applied"] <= 0.8
        assert a["total_before"] - a["total_after"] == pytest.approx(a["savings_usd"])
        assert a["savings_usd"] >= -1e-6  # do no harm
        for k in ("ficc_requirement", "cme_requirement", "total_before", "total_after"):
            assert a[k] >= 0
    for k in TOTAL_KEYS:
        assert out["totals"][k] == pytest.approx(sum(a[k] for a in out["accounts"]))


def test_run_table_and_csv_and_errors(tmp_path, capsys):
    assert cli.main(["run", str(SAMPLES / "half_hedge.csv")]) == 0
    text = capsys.readouterr().out
    assert "applied savings" in text and "VaR (FICC-like)" in text
    out = tmp_path / "r.csv"
    assert (
        cli.main(
            [
                "run",
                str(SAMPLES / "customer_book.csv"),
                "--arrangement",
                "customer",
                "--format",
                "csv",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    import pandas as pd

    frame = pd.read_csv(out)
    assert frame["account"].iloc[-1] == "TOTAL"
    assert len(frame) > 20
    assert cli.main(["run", str(tmp_path / "missing.csv")]) == 2
    assert "not found" in capsys.readouterr().err
    assert (
        cli.main(["run", str(SAMPLES / "basis_trade.csv"), "--cap", "0.5", "--format", "json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["accounts"][0]["applied"] == 0.5


def test_a_bond_the_pricer_cannot_value_is_listed_not_counted_as_zero(market, sim_house):
    far = Position(UST, 1e6, coupon_pct=4.0, maturity=dt.date(2058, 8, 15), row=7)
    a = sim_house.arrangement(Portfolio((far, NOTE))).accounts[0]
    assert [r.row for r in a.ineligible] == [7]
    assert "not modelled" in a.ineligible[0].reason and "31 years" in a.ineligible[0].reason
    alone = sim_house.arrangement(Portfolio((NOTE,))).accounts[0]
    assert a.total_before == pytest.approx(alone.total_before)


def test_positions_frame_is_the_risk_table_plus_leg_and_eligibility(market, sim_house):
    from xmsim.commands.risk import risk_frame

    pf = load_portfolio(SAMPLES / "ineligible_mix.csv", asof=market.asof).portfolio
    frame = sim_house.run(pf, details=False).positions_frame()
    plain = risk_frame(pf, market)
    assert list(frame.drop(columns=["leg", "eligibility"]).columns) == list(plain.columns)
    assert frame["dv01_usd"].tolist() == pytest.approx(plain["dv01_usd"].tolist())
    assert set(frame["leg"]) >= {"FICC (eligible)", "CME (eligible)", "FICC (ineligible)"}
    assert frame["eligibility"].str.contains("TIPS").any()


@pytest.mark.parametrize("basis", ["own_leg", "sum_of_legs"])
@pytest.mark.parametrize("arrangement", ["house", "customer"])
def test_shown_savings_are_the_ones_the_rule_applied(market, basis, arrangement):
    """applied = min(shown savings, cap), 0 if either <= 0, on every sample (the JSON's figures)."""
    settings = ArrangementSettings(arrangement=arrangement, savings_basis=basis)
    sim = Simulator(market, RunConfig(arrangement=settings))
    for path in sorted(SAMPLES.glob("*.csv")):
        pf = load_portfolio(path, asof=market.asof).portfolio
        out = json.loads(json.dumps(sim.arrangement(pf).to_dict()))
        for acc in out["accounts"]:
            var, span = acc["var"], acc["span"]  # VaR stands for FICC, SPAN for CME
            assert var["savings_basis"] == span["savings_basis"] == basis
            own = {"var": var["ficc_leg"], "span": span["cme_leg"]}
            for name, view in (("var", var), ("span", span)):
                base = own[name] if basis == "own_leg" else view["ficc_leg"] + view["cme_leg"]
                assert view["savings_base"] == pytest.approx(base, rel=1e-12)
                want = 0.0 if base <= 0 else 1.0 - view["combined"] / base
                assert view["savings"] == pytest.approx(want, rel=1e-12, abs=1e-15)
            assert (acc["savings_ficc"], acc["savings_cme"]) == (var["savings"], span["savings"])
            shown = (var["savings"], span["savings"])
            want = 0.0 if min(shown) <= 0 else min(*shown, out["settings"]["cap"])
            assert acc["applied"] == pytest.approx(want, abs=1e-15), (path.name, acc["account"])


def test_float_dust_is_exactly_no_saving_and_is_not_applied():
    from xmsim.arrangement.crossmargin import (
        SAVINGS_ZERO_TOL,
        applied_percentage,
        savings_fraction,
    )

    dusty = savings_fraction(0.1 + 0.2, 0.3)  # 1 - 0.30000000000000004 / 0.3 = -2.2e-16 before
    assert dusty == 0.0
    assert savings_fraction(3e6 * (1 - 1e-15), 3e6) == 0.0  # +1.1e-16 before: "a saving"
    assert savings_fraction(3e6 * (1 - 10 * SAVINGS_ZERO_TOL), 3e6) == pytest.approx(1e-8)
    assert savings_fraction(0.99e6, 1e6) == pytest.approx(0.01)
    applied, reason = applied_percentage(savings_fraction(3e6 * (1 - 1e-15), 3e6), 0.5, 0.8)
    assert applied == 0.0 and "do no harm" in reason
