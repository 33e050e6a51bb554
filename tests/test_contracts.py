"""The listing cycle of every contract against CME's contract specifications."""

from __future__ import annotations

import datetime as dt

import pytest

from xmsim import contracts

JUL31 = dt.date(2026, 7, 31)


def _m(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


@pytest.mark.parametrize("code", ["ZT", "Z3N", "ZF", "ZN", "TN", "TWE", "ZB", "UB"])
def test_treasury_futures_list_three_quarterly_months(code):
    # CME: "Quarterly contracts (Mar, Jun, Sep, Dec) listed for 3 consecutive quarters"
    assert contracts.listed_months(code, JUL31) == (_m(2026, 9), _m(2026, 12), _m(2027, 3))


def test_a_month_drops_out_after_its_last_trading_day():
    # Sep-26: last business day Wed 30 Sep; 10-year and longer stop 7 business days earlier,
    # Mon 21 Sep, so on 22 Sep ZN lists Dec-26 .. Jun-27 while ZT still lists Sep-26
    sep22 = dt.date(2026, 9, 22)
    assert contracts.last_trade_date("ZN", _m(2026, 9)) == dt.date(2026, 9, 21)
    assert contracts.listed_months("ZN", sep22) == (_m(2026, 12), _m(2027, 3), _m(2027, 6))
    assert contracts.listed_months("ZT", sep22)[0] == _m(2026, 9)
    assert contracts.listed_months("ZN", dt.date(2026, 9, 21))[0] == _m(2026, 9)


def test_rate_futures_listing():
    zq = contracts.listed_months("ZQ", JUL31)  # 60 consecutive months
    assert len(zq) == 60 and zq[0] == _m(2026, 7) and zq[-1] == _m(2031, 6)
    sr1 = contracts.listed_months("SR1", JUL31)  # 13 consecutive months
    assert len(sr1) == 13 and sr1[-1] == _m(2027, 7)
    sr3 = contracts.listed_months("SR3", JUL31)  # 39 quarterly + the 6 nearest serial months
    quarterly = [m for m in sr3 if m.month % 3 == 0]
    serial = [m for m in sr3 if m.month % 3]
    assert len(quarterly) == 39 and quarterly[0] == _m(2026, 9) and quarterly[-1] == _m(2036, 3)
    assert serial == [_m(2026, 7), _m(2026, 8), _m(2026, 10), _m(2026, 11), _m(2027, 1),
                      _m(2027, 2)]  # fmt: skip
    assert list(sr3) == sorted(sr3)
