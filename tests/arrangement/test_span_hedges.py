"""Issue 13's table on the embedded 2026-07-31 market: real hedges get real SPAN credit.

$100mm par notes against their DV01-neutral Dec-26 futures hedge (contracts rounded), run
through the whole arrangement; the VaR column is the independent model's view of the same book.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from xmsim.arrangement.models import bucket_dv01s
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.pricing.risk import build_book, position_risk
from xmsim.simulate import Simulator


@cache
def simulator() -> Simulator:
    return Simulator(default_market())


def savings(maturity: dt.date, coupon: float, code: str) -> tuple[float, float]:
    """(VaR, SPAN) savings of the note against its DV01-neutral hedge in ``code``."""
    sim = simulator()
    curve = sim.market.curve
    note = Position(UST, 100e6, coupon_pct=coupon, maturity=maturity)
    dv01 = position_risk(build_book(Portfolio.of([note]), curve), curve).dv01_usd[0]
    q = -round(dv01 / bucket_dv01s(curve)[code])
    pf = Portfolio.of([note, Position(FUTURE, q, contract=code, expiry=dt.date(2026, 12, 1))])
    a = sim.arrangement(pf).accounts[0]
    return a.savings_ficc_model, a.savings_cme_model


TEN = dt.date(2036, 7, 31)


@pytest.mark.parametrize(
    ("maturity", "coupon", "code"),
    [(TEN, 4.25, "ZN"), (TEN, 4.25, "TN"), (dt.date(2033, 7, 31), 4.0, "ZN"),
     (dt.date(2028, 7, 31), 3.875, "ZN"), (dt.date(2046, 7, 31), 4.5, "ZN"),
     (dt.date(2056, 7, 31), 4.625, "ZB"), (dt.date(2031, 7, 31), 3.875, "ZF")],
)  # fmt: skip
def test_every_row_gets_a_positive_span_saving(maturity, coupon, code):
    var, span = savings(maturity, coupon, code)
    assert var > 0 and span > 0.5


def test_ten_year_against_zn_and_tn_within_ten_points():
    _, vs_zn = savings(TEN, 4.25, "ZN")
    _, vs_tn = savings(TEN, 4.25, "TN")
    assert abs(vs_zn - vs_tn) < 0.10


def test_account_type_setting_picks_the_initial_multiplier():
    """HRP posts 110% of maintenance, member and non-HRP 100% (advisories 08-380, 23-376)."""
    from xmsim.config import run_config

    market = default_market()
    note = Position(UST, 100e6, coupon_pct=4.25, maturity=TEN)
    pf = Portfolio.of([note, Position(FUTURE, -1200, contract="ZN", expiry=dt.date(2026, 12, 1))])
    cme = {}
    for kind in ("member", "non-HRP", "HRP"):
        config = run_config({"span.account_type": kind}, market)
        assert config.span_params.account_type == kind
        result = Simulator(market, config).arrangement(pf)
        cme[kind] = result.accounts[0].cme_standalone
        assert result.model_settings["span_account_type"] == kind
    assert cme["member"] == cme["non-HRP"]
    assert cme["HRP"] == pytest.approx(1.10 * cme["member"])


def test_customer_pots_post_non_hrp_and_the_house_member_initial():
    """In the auto reading the house pot is margined as a member account and each customer as
    non-HRP (Advisories 08-380, 23-376): with the non-HRP multiplier edited to 1.25, a
    customer's CME standalone is 1.25 x the same positions' in a house-only file; the JSON
    says which type each pot was margined as; an explicit ``--account-type`` applies to all."""
    import dataclasses

    from xmsim.config import run_config

    market = default_market()
    note = Position(UST, 100e6, coupon_pct=4.25, maturity=TEN)
    fut = Position(FUTURE, -1200, contract="ZN", expiry=dt.date(2026, 12, 1))
    book = [dataclasses.replace(p, account=a) for a in ("HOUSE", "C1") for p in (note, fut)]
    base = run_config({}, market)
    edited = dataclasses.replace(base.span_params, initial_non_hrp=1.25)
    config = run_config({}, market, span_params=edited)
    result = Simulator(market, config).arrangement(Portfolio.of(book))
    house, customer = result.accounts
    assert (house.pot, customer.pot) == ("house", "customer")
    assert (house.span_account_type, customer.span_account_type) == ("member", "non-HRP")
    alone = Simulator(market, config).arrangement(Portfolio.of([note, fut])).accounts[0]
    assert house.cme_standalone == pytest.approx(alone.cme_standalone, rel=1e-12)
    assert customer.cme_standalone == pytest.approx(1.25 * alone.cme_standalone, rel=1e-12)
    assert customer.span.combined == pytest.approx(1.25 * alone.span.combined, rel=1e-12)
    assert customer.applied == pytest.approx(alone.applied, abs=1e-12)  # a ratio: unchanged
    accounts = result.to_dict()["accounts"]
    assert [a["span_account_type"] for a in accounts] == ["member", "non-HRP"]
    hrp = run_config({"span.account_type": "HRP"}, market, span_params=edited)
    both = Simulator(market, hrp).arrangement(Portfolio.of(book)).accounts
    assert [a.span_account_type for a in both] == ["HRP", "HRP"]
    assert both[1].cme_standalone == pytest.approx(1.10 * alone.cme_standalone, rel=1e-12)
