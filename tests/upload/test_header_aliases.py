"""Brokers' and custodians' header names read as the upload format's columns."""

from __future__ import annotations

import datetime as dt

from xmsim.upload.loader import load_portfolio_text

ASOF = dt.date(2026, 7, 31)
CANONICAL = (
    "account,product,quantity,coupon,maturity,cusip,contract,expiry\n"
    "CUST_A,UST,5000000,4.25,2034-11-15,91282CLF6,,\n"
    "CUST_A,FUTURE,-40,,,,ZN,2026-12\n"
)
BROKER = (
    "Account ID,Product,Par Value,Coupon %,Maturity Date,Security ID,Contract,Expiry\n"
    "CUST_A,UST,5000000,4.25,2034-11-15,91282CLF6,,\n"
    "CUST_A,FUTURE,-40,,,,ZN,2026-12\n"
)


def test_broker_headers_give_the_same_portfolio_as_the_format_names():
    want = load_portfolio_text(CANONICAL, asof=ASOF)
    got = load_portfolio_text(BROKER, asof=ASOF)
    assert got.errors == () and len(want.portfolio) == 2
    assert got.portfolio == want.portfolio


def test_face_qty_and_cusip_number_headers():
    text = "Acct ID,Product,Face,Coupon Rate,Maturity Dt,CUSIP Number\nA,UST,1e6,4,2034-02-15,\n"
    (position,) = load_portfolio_text(text, asof=ASOF).portfolio
    assert (position.account, position.quantity, position.coupon_pct) == ("A", 1e6, 4.0)
    assert position.maturity == dt.date(2034, 2, 15)
