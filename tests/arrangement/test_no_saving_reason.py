"""The explanation tells the truth when a model finds no saving (issue 13 item 4)."""

from __future__ import annotations

import datetime as dt

from xmsim.arrangement.crossmargin import ModelView
from xmsim.arrangement.summary import no_saving_reason
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.report.tables import explain
from xmsim.simulate import Simulator


def test_higher_and_equal_are_told_apart():
    higher = ModelView(100.0, 50.0, 150.0, 180.0, -0.2)
    equal = ModelView(100.0, 50.0, 150.0, 150.0, 0.0)
    assert no_saving_reason(higher).startswith("combined risk is higher (180 > 150")
    assert "gives no credit" in no_saving_reason(equal)
    assert "gives no credit" in no_saving_reason(ModelView(1e9, 1e9, 2e9, 2e9 + 0.5, 0.0))


def test_span_with_nothing_linking_the_legs_says_no_credit_not_added_risk():
    """Long a 10y note (TN/ZB equivalents) and long ZN: same direction, SPAN sums the legs."""
    note = Position(UST, 100e6, coupon_pct=4.25, maturity=dt.date(2036, 7, 31))
    pf = Portfolio.of([note, Position(FUTURE, 500, contract="ZN", expiry=dt.date(2026, 12, 1))])
    result = Simulator(default_market()).arrangement(pf)
    a = result.accounts[0]
    assert a.span.combined == a.span.standalone and a.applied == 0
    text = explain(result)
    assert "gives no credit" in text and "add risk" not in text
