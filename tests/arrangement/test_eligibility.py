"""Eligibility for the arrangement (METHODOLOGY §2), including the one-year boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from xmsim.arrangement.eligibility import (
    CME,
    FICC,
    SHORT_MATURITY_REASON,
    Eligibility,
    classify,
    classify_portfolio,
    ficc_maturity_threshold,
    split_portfolio,
)
from xmsim.contracts import contract_codes
from xmsim.portfolio import Portfolio, Position

ASOF = dt.date(2026, 7, 31)
D = dt.date


def cash(product: str, maturity: dt.date, coupon: float = 4.25) -> Position:
    end = ASOF + dt.timedelta(days=1) if product in ("REPO", "REVERSE_REPO") else None
    return Position(product, 1e6, coupon_pct=coupon, maturity=maturity, end_date=end)


def future(code: str, product: str = "FUTURE") -> Position:
    return Position(product, 5, contract=code, expiry=D(2026, 12, 1))


TABLE = [
    # position, expected ccp, home ccp, reason contains
    (cash("UST", D(2034, 11, 15)), FICC, FICC, ""),
    (cash("REPO", D(2034, 11, 15)), FICC, FICC, ""),
    (cash("REVERSE_REPO", D(2055, 2, 15)), FICC, FICC, ""),
    (cash("UST", D(2027, 8, 2)), FICC, FICC, ""),  # one year and two days
    (cash("UST", D(2027, 8, 1)), FICC, FICC, ""),  # one year and a day: more than one year
    (cash("UST", D(2027, 7, 31)), None, FICC, "≤ 1 year"),  # exactly one year: not more
    (cash("REPO", D(2027, 7, 31)), None, FICC, "≤ 1 year"),
    (cash("UST", D(2027, 4, 30)), None, FICC, "≤ 1 year"),  # nine months
    (cash("TIPS", D(2035, 1, 15)), None, FICC, "TIPS"),
    (cash("STRIPS", D(2045, 5, 15), 0.0), None, FICC, "STRIPS"),
    (cash("BILL", D(2026, 12, 24), 0.0), None, FICC, "bills"),
    (cash("AGENCY", D(2033, 6, 15)), None, FICC, "agency"),
    (cash("MBS", D(2054, 9, 1)), None, FICC, "mortgage"),
    (future("ZN", "OPTION"), None, CME, "options are not eligible"),
    (Position("OPTION", 5), None, CME, "options are not eligible"),
] + [(future(code), CME, CME, "") for code in contract_codes()]


@pytest.mark.parametrize(("position", "ccp", "home", "reason"), TABLE)
def test_classification_table(position, ccp, home, reason):
    result = classify(position, ASOF)
    assert (result.ccp, result.home_ccp) == (ccp, home)
    assert result.eligible == (ccp is not None)
    assert (result.reason == "") == result.eligible
    assert reason in result.reason


def test_all_eleven_contracts_are_cme_eligible():
    assert len(contract_codes()) == 11
    assert set(contract_codes()) == {"ZT", "Z3N", "ZF", "ZN", "TN", "TWE", "ZB", "UB", "ZQ",
                                     "SR1", "SR3"}  # fmt: skip


def test_short_maturity_reason_is_the_documented_text():
    reason = classify(cash("UST", D(2027, 1, 31)), ASOF).reason
    assert reason == SHORT_MATURITY_REASON
    assert reason == "≤ 1 year to maturity (FICC eligibility needs more than one year)"


def test_unknown_future_contract_is_ineligible_at_cme():
    result = classify(Position("FUTURE", 1, contract="ES", expiry=D(2026, 12, 1)), ASOF)
    assert (result.ccp, result.home_ccp) == (None, CME) and "ES" in result.reason


@pytest.mark.parametrize(
    ("asof", "threshold"),
    [(D(2026, 7, 31), D(2027, 7, 31)), (D(2028, 2, 29), D(2029, 2, 28)),
     (D(2027, 2, 28), D(2028, 2, 28)), (D(2026, 12, 31), D(2027, 12, 31))],
)  # fmt: skip
def test_one_year_boundary_is_strict_on_calendar_years(asof, threshold):
    assert ficc_maturity_threshold(asof) == threshold
    at = cash("UST", threshold)
    after = cash("UST", threshold + dt.timedelta(days=1))
    assert not classify(at, asof).eligible
    assert classify(after, asof).ccp == FICC


def test_classify_portfolio_and_split_keep_order():
    positions = [row[0] for row in TABLE]
    portfolio = Portfolio.of(positions)
    results = classify_portfolio(portfolio, ASOF)
    assert results == tuple(classify(p, ASOF) for p in positions)
    ficc, cme, ineligible = split_portfolio(portfolio, ASOF)
    assert len(ficc) + len(cme) + len(ineligible) == len(portfolio)
    assert list(ficc) == [p for p, r in zip(positions, results, strict=True) if r.ccp == FICC]
    assert all(p.is_future for p in cme)
    assert all(not r.eligible for r in classify_portfolio(ineligible, ASOF))


def test_eligibility_values_are_validated():
    with pytest.raises(ValueError):
        Eligibility("LCH", "LCH")
    with pytest.raises(ValueError):
        Eligibility(FICC, CME)
    with pytest.raises(ValueError):
        Eligibility(None, FICC)
    with pytest.raises(ValueError):
        Eligibility(FICC, FICC, "a reason")
