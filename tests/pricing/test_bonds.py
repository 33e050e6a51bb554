"""Bond schedules, accrued interest and yield analytics.

Golden numbers: the five worked examples of 31 CFR Part 356, Appendix B, section II ("Formulas
for conversion of ... yields to equivalent prices"), Uniform Offering Circular. Prices are
published to six decimals, so they are checked to 5e-7. The figures were taken from the
regulation's text as transcribed in public test suites (govinfo, CFR 2024/2025 editions,
title 31 vol. 2, part 356 app. B); all five reproduce to the published sixth decimal, which a
wrong transcription would not.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmsim.pricing import bonds

D = dt.date

# id, coupon, maturity, settlement, issue (dated) date, first coupon, yield, price, accrued
APPENDIX_B = [
    # II.A: 8-3/4% 30-year bond issued 15 May 1990, regular first period.
    ("II.A", 0.0875, D(2020, 5, 15), D(1990, 5, 15), D(1990, 5, 15), None, 0.0884, 99.057893, 0),
    # II.B: 8-1/2% 2-year note issued 2 Apr 1990 due 31 Mar 1992: short first period
    # (r = 181 days to 30 Sep 1990, s = 183 days in 31 Mar - 30 Sep).
    ("II.B", 0.085, D(1992, 3, 31), D(1990, 4, 2), D(1990, 4, 2), None, 0.0859, 99.838183, 0),
    # II.C: 8-1/2% 5-year 2-month note issued 1 Mar 1990 due 15 May 1995, first interest
    # 15 Nov 1990: long first period (r = 75, s = 181 in its fractional quasi-period).
    (
        "II.C",
        0.085,
        D(1995, 5, 15),
        D(1990, 3, 1),
        D(1990, 3, 1),
        D(1990, 11, 15),
        0.0853,
        99.805118,
        0,
    ),
    # II.D: 9-1/2% 10-year note accruing from 15 Nov 1985, issued (settled) 29 Nov 1985:
    # accrued 14/181 of a half coupon.
    ("II.D", 0.095, D(1995, 11, 15), D(1985, 11, 29), None, None, 0.0954, 99.730918, 0.367403),
    # II.E: 10-3/4% bond dated 2 Jul 1985, reopened 4 Nov 1985, first interest 15 Feb 1986
    # (long first period; r' = 44 of s'' = 181, then r = 103 of s = 184).
    (
        "II.E",
        0.1075,
        D(2005, 8, 15),
        D(1985, 11, 4),
        D(1985, 7, 2),
        D(1986, 2, 15),
        0.1047,
        102.214586,
        3.672798,
    ),
]


@pytest.mark.parametrize("case", APPENDIX_B, ids=[c[0] for c in APPENDIX_B])
def test_31cfr356_appendix_b_prices(case):
    _, cpn, mat, settle, issue, first, y, price, accrued = case
    cf = bonds.stack_cashflows([cpn], [mat], settle, issue_date=issue, first_coupon=first)
    assert cf.accrued[0] == pytest.approx(accrued, abs=5e-7)
    assert bonds.clean_price_from_yield(cf, y, bonds.SIMPLE)[0] == pytest.approx(price, abs=5e-7)
    back = bonds.yield_from_price(cf, price, bonds.SIMPLE)[0]
    assert back == pytest.approx(y, abs=1e-8)  # the price is rounded to 1e-6


def test_appendix_b_regular_period_is_street_convention_too():
    """With settlement on a coupon date the simple and compound first periods coincide."""
    _, cpn, mat, settle, issue, _, y, price, _ = APPENDIX_B[0]
    cf = bonds.stack_cashflows([cpn], [mat], settle, issue_date=issue)
    assert bonds.clean_price_from_yield(cf, y)[0] == pytest.approx(price, abs=5e-7)


def test_street_and_treasury_methods_differ_mid_period():
    cf = bonds.stack_cashflows([0.095], [D(1995, 11, 15)], D(1985, 11, 29))
    street = bonds.clean_price_from_yield(cf, 0.0954)[0]
    treasury = bonds.clean_price_from_yield(cf, 0.0954, bonds.SIMPLE)[0]
    assert street - treasury == pytest.approx(0.00766, abs=1e-4)


def test_odd_first_coupon_amounts_and_accrual():
    """App. B I.A: the first coupon is prorated by actual days over the quasi-periods."""
    short = bonds.stack_cashflows(
        [0.085], [D(1992, 3, 31)], D(1990, 4, 2), issue_date=D(1990, 4, 2)
    )
    assert short.amounts[0, 0] == pytest.approx(4.25 * 181 / 183)
    long_ = bonds.stack_cashflows(
        [0.1075],
        [D(2005, 8, 15)],
        D(1985, 7, 20),
        issue_date=D(1985, 7, 2),
        first_coupon=D(1986, 2, 15),
    )
    # settlement before the quasi-coupon date 15 Aug 1985: a zero placeholder there
    assert long_.amounts[0, 0] == 0.0
    assert long_.dates[0, 0] == np.datetime64("1985-08-15")
    assert long_.amounts[0, 1] == pytest.approx(5.375 * (1 + 44 / 181))
    assert long_.accrued[0] == pytest.approx(5.375 * 18 / 181)


def test_issue_date_nat_and_past_first_coupon_are_regular():
    mats = [D(2030, 5, 15), D(2031, 8, 31)]
    settle = D(2024, 6, 3)
    plain = bonds.stack_cashflows([0.04, 0.03], mats, settle)
    issue = np.array(["NaT", "2021-08-31"], dtype="datetime64[D]")
    same = bonds.stack_cashflows([0.04, 0.03], mats, settle, issue_date=issue)
    np.testing.assert_array_equal(plain.amounts, same.amounts)
    np.testing.assert_array_equal(plain.accrued, same.accrued)


def test_issue_date_errors():
    with pytest.raises(ValueError, match="before the issue date"):
        bonds.stack_cashflows([0.04], [D(2030, 5, 15)], D(2024, 1, 2), issue_date=D(2024, 1, 3))
    with pytest.raises(ValueError, match="regular coupon date"):
        bonds.stack_cashflows(
            [0.04],
            [D(2030, 5, 15)],
            D(2024, 1, 3),
            issue_date=D(2024, 1, 3),
            first_coupon=D(2024, 6, 1),
        )
    with pytest.raises(ValueError, match="more than one period"):
        bonds.stack_cashflows(
            [0.04],
            [D(2030, 5, 15)],
            D(2024, 1, 3),
            issue_date=D(2024, 1, 3),
            first_coupon=D(2025, 5, 15),
        )


# --- schedules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maturity", "expected"),
    [
        # App. B Table 1 examples: 31 May-30 Nov; 29 Feb-31 Aug in a leap year.
        (D(2024, 11, 30), ["2024-11-30", "2024-05-31", "2023-11-30"]),
        (D(2024, 8, 31), ["2024-08-31", "2024-02-29", "2023-08-31", "2023-02-28"]),
        (D(2028, 2, 29), ["2028-02-29", "2027-08-31", "2027-02-28"]),
        (D(2024, 2, 28), ["2024-02-28", "2023-08-28"]),  # not a month end in 2024
        (D(2034, 8, 15), ["2034-08-15", "2034-02-15"]),
    ],
)
def test_coupon_dates_back_end_of_month_rule(maturity, expected):
    got = bonds.coupon_dates_back(np.array([maturity], dtype="datetime64[D]"), len(expected))
    np.testing.assert_array_equal(got[0], np.array(expected, dtype="datetime64[D]"))


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [  # 31 CFR 356 App. B Table 1 (half-year lengths)
        ("2023-02-15", "2023-08-15", 181),
        ("2024-02-15", "2024-08-15", 182),
        ("2023-08-31", "2024-02-29", 182),
        ("2022-08-31", "2023-02-28", 181),
        ("2023-03-31", "2023-09-30", 183),
    ],
)
def test_half_year_lengths_match_table_1(start, end, days):
    settle = np.datetime64(start) + 1
    cf = bonds.stack_cashflows([0.05], [np.datetime64(end) + 0], settle.item())
    assert (cf.next_coupon - cf.prev_coupon)[0].astype(int) == days


def test_settlement_on_coupon_date_has_no_accrued_and_excludes_that_coupon():
    cf = bonds.stack_cashflows([0.05], [D(2030, 8, 15)], D(2025, 2, 15))
    assert cf.accrued[0] == 0.0
    assert cf.dates[0, 0] == np.datetime64("2025-08-15")
    assert cf.times[0, 0] == 0.5
    assert cf.n_flows[0] == 11


def test_cashflow_arrays_are_read_only():
    cf = bonds.stack_cashflows([0.05], [D(2030, 8, 15)], D(2025, 3, 3))
    with pytest.raises(ValueError):
        cf.amounts[0, 0] = 1.0


# --- analytics against a slow, obvious reference --------------------------------------------


def _slow_price(cpn, mat: dt.date, settle: dt.date, y: float) -> tuple[float, float]:
    """Dirty price and accrued by plain date arithmetic, one bond at a time."""

    def back(k: int) -> dt.date:
        idx = mat.year * 12 + mat.month - 1 - 6 * k
        year, month = divmod(idx, 12)
        last = calendar.monthrange(year, month + 1)[1]
        eom = mat.day == calendar.monthrange(mat.year, mat.month)[1]
        return D(year, month + 1, last if eom else min(mat.day, last))

    k = 0
    while back(k + 1) > settle:
        k += 1
    nxt, prv = back(k), back(k + 1)
    f = (nxt - settle).days / (nxt - prv).days
    dirty = sum(
        (100 * cpn / 2 + (100 if j == k else 0)) / (1 + y / 2) ** (f + j) for j in range(k + 1)
    )
    return dirty, 100 * cpn / 2 * (1 - f)


def test_vectorised_price_matches_slow_loop():
    rng = np.random.default_rng(7)
    n = 60
    settle = D(2025, 3, 3)
    days = rng.integers(400, 30 * 365, n)
    mats = [settle + dt.timedelta(days=int(d)) for d in days]
    cpn = rng.integers(1, 65, n) * 0.00125
    y = rng.uniform(0.0, 0.09, n)
    cf = bonds.stack_cashflows(cpn, mats, settle)
    dirty = bonds.price_from_yield(cf, y)
    for i in range(n):
        ref_dirty, ref_acc = _slow_price(cpn[i], mats[i], settle, y[i])
        assert dirty[i] == pytest.approx(ref_dirty, rel=1e-13)
        assert cf.accrued[i] == pytest.approx(ref_acc, rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("method", bonds.FIRST_PERIOD_METHODS)
def test_dv01_duration_convexity_match_finite_differences(method):
    mats = [D(2027, 11, 30), D(2034, 8, 15), D(2055, 2, 15)]
    cf = bonds.stack_cashflows([0.04, 0.03875, 0.0475], mats, D(2025, 7, 9))
    y = np.array([0.041, 0.043, 0.048])
    h = 1e-5
    up = bonds.price_from_yield(cf, y + h, method)
    mid = bonds.price_from_yield(cf, y, method)
    dn = bonds.price_from_yield(cf, y - h, method)
    fd_dv01 = -(up - dn) / (2 * h) * 1e-4
    np.testing.assert_allclose(bonds.dv01_from_yield(cf, y, method), fd_dv01, rtol=1e-8)
    np.testing.assert_allclose(bonds.modified_duration(cf, y, method), fd_dv01 / mid * 1e4)
    fd_cx = (up - 2 * mid + dn) / h**2 / mid
    np.testing.assert_allclose(bonds.convexity(cf, y, method), fd_cx, rtol=1e-5)


def test_dv01_is_positive_for_a_long_and_scales_per_100_face():
    cf = bonds.stack_cashflows([0.05], [D(2034, 8, 15)], D(2025, 8, 15))
    dv01 = bonds.dv01_from_yield(cf, 0.05)[0]
    # a 5% 9y bond at par: modified duration ~ 7.2y, so ~0.072 per 100 per bp
    assert 0.070 < dv01 < 0.074


def test_yield_from_price_round_trip_extremes():
    mats = [D(2026, 9, 30), D(2035, 2, 15), D(2055, 11, 15), D(2055, 11, 15)]
    cf = bonds.stack_cashflows([0.00125, 0.08, 0.01, 0.08], mats, D(2025, 7, 9))
    y = np.array([-0.01, 0.30, 0.0, 0.0001])
    price = bonds.clean_price_from_yield(cf, y)
    np.testing.assert_allclose(bonds.yield_from_price(cf, price), y, atol=1e-13)


@settings(max_examples=200, deadline=None)
@given(
    cpn=st.integers(1, 64),
    days=st.integers(366, 30 * 365),
    settle_offset=st.integers(0, 3650),
    y=st.floats(0.0, 0.15),
    method=st.sampled_from(bonds.FIRST_PERIOD_METHODS),
)
def test_yield_price_round_trip_property(cpn, days, settle_offset, y, method):
    settle = D(2015, 1, 1) + dt.timedelta(days=settle_offset)
    cf = bonds.stack_cashflows([cpn * 0.00125], [settle + dt.timedelta(days=days)], settle)
    price = bonds.clean_price_from_yield(cf, y, method)
    assert bonds.yield_from_price(cf, price, method)[0] == pytest.approx(y, abs=1e-12)


def test_bad_inputs_are_clear_errors():
    cf = bonds.stack_cashflows([0.05], [D(2034, 8, 15)], D(2025, 8, 15))
    with pytest.raises(ValueError, match="first_period"):
        bonds.price_from_yield(cf, 0.05, "annual")
    with pytest.raises(ValueError, match="positive"):
        bonds.yield_from_price(cf, -3.0)
    with pytest.raises(ValueError, match="yields must be finite"):
        bonds.price_from_yield(cf, np.nan)
    with pytest.raises(ValueError, match="mature after settlement"):
        bonds.stack_cashflows([0.05], [D(2024, 8, 15)], D(2025, 8, 15))
