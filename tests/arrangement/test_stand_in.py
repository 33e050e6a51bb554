"""The nominal Treasury stand-in for ineligible cash: one rule (xmsim.portfolio), used by
pricing, SPAN and the ineligible rows alike."""

from __future__ import annotations

import datetime as dt

import numpy as np

from xmsim.arrangement.crossmargin import assign_legs
from xmsim.arrangement.models import span_ready
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import AGENCY, BILL, NOMINAL_STAND_IN, TIPS, UST, Portfolio, Position
from xmsim.pricing.risk import build_book, position_risk


def test_ineligible_cash_has_one_nominal_treasury_stand_in():
    """TIPS / AGENCY / BILL are priced and margined as the UST with the same coupon (a bill: 0)
    and maturity, by the one rule in xmsim.portfolio: the same DV01 as that UST, SPAN takes the
    same futures equivalents, and the ineligible row says so in the rule's own words."""

    market = default_market()
    mat = dt.date(2031, 7, 31)
    odd = [Position(TIPS, 1e7, coupon_pct=2.0, maturity=mat),
           Position(AGENCY, 1e7, coupon_pct=4.5, maturity=mat),
           Position(BILL, 1e7, maturity=dt.date(2027, 1, 28))]  # fmt: skip
    twins = [Position(UST, 1e7, coupon_pct=p.coupon_pct or 0.0, maturity=p.maturity) for p in odd]
    risk = position_risk(build_book(Portfolio.of(odd), market.curve), market.curve)
    twin = position_risk(build_book(Portfolio.of(twins), market.curve), market.curve)
    np.testing.assert_allclose(risk.dv01_usd, twin.dv01_usd, rtol=1e-12)
    assert all(p.product == UST for p in span_ready(Portfolio.of(odd)))
    book = build_book(Portfolio.of(odd), market.curve)
    _, rows = assign_legs(Portfolio.of(odd), market.asof, book.terms)
    assert all(r is not None and NOMINAL_STAND_IN in r.reason for r in rows)
