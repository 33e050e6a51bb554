"""Treasury futures: conversion factors, baskets, CTD choice and futures risk."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from xmsim import contracts, dates
from xmsim.pricing import bonds, futures

D = dt.date
TREASURY = [c for c, s in contracts.contract_table().items() if s.is_treasury]


# --- conversion factors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "coupon", "maturity", "month", "expected"),
    [
        # CME brochure: 5-1/8% of 15 May 2016 into the March 2009 10-year (7y2m -> 7y0m).
        ("ZN", 0.05125, D(2016, 5, 15), D(2009, 3, 1), 0.9506),
        # Hull: 10% coupon, exactly 20 years, bond contract.
        ("ZB", 0.10, D(2029, 3, 1), D(2009, 3, 1), 1.4623),
        # Hull: 8% coupon, 18y4m (rounded down to 18y3m for the bond contract).
        ("ZB", 0.08, D(2027, 7, 1), D(2009, 3, 1), 1.2199),
        # 6% at a whole number of half-years is par.
        ("ZN", 0.06, D(2016, 3, 15), D(2009, 3, 1), 1.0),
        ("ZB", 0.06, D(2029, 9, 30), D(2009, 3, 1), 1.0),
        ("ZF", 0.06, D(2014, 9, 30), D(2009, 3, 1), 1.0),
    ],
)
def test_published_conversion_factors(code, coupon, maturity, month, expected):
    assert futures.conversion_factor(code, coupon, maturity, month) == pytest.approx(expected)


def test_cf_month_rounding_follows_the_contract_table():
    """7y8m: ZN (quarters) uses 7y6m, ZF (whole months) 7y8m -- a formula property."""
    args = (0.03875, D(2034, 8, 15), D(2026, 12, 1))
    zn = futures.conversion_factor("ZN", *args)
    zf = futures.conversion_factor("ZF", *args)
    assert zn == pytest.approx(0.8732)
    assert zf < zn  # two more months of a below-6% coupon discount further
    # with quarter rounding, a 6% coupon at a quarter stub is 1.03**0.5 - 0.015, not par
    assert futures.conversion_factor("ZN", 0.06, D(2016, 6, 15), D(2009, 3, 1)) == 0.9999


def test_cf_is_the_price_at_six_percent_on_a_month_grid():
    """Independent meaning of the CF: clean price / 100 at a 6% yield of the bond with its
    maturity moved to whole (rounded) months; equal up to the days-vs-months stub (~1e-4)."""
    cpn, month = 0.045, D(2026, 12, 1)
    maturities = [D(2033, 8, 15), D(2034, 2, 15), D(2034, 11, 15)]
    cfs = futures.conversion_factors("ZN", [cpn] * 3, maturities, month)
    moved = [D(2033, 6, 1), D(2033, 12, 1), D(2034, 9, 1)]  # rounded down to quarters
    cf = bonds.stack_cashflows([cpn] * 3, moved, month)
    np.testing.assert_allclose(cfs, bonds.clean_price_from_yield(cf, 0.06) / 100, atol=3e-4)


def test_vectorised_conversion_factors_equal_the_scalar_ones():
    rng = np.random.default_rng(0)
    month = D(2027, 3, 1)
    mats = np.datetime64("2028-01-01") + rng.integers(0, 29 * 365, 50)
    cpn = rng.integers(1, 65, 50) * 0.00125
    for code in ("ZT", "ZN"):
        vec = futures.conversion_factors(code, cpn, mats, month)
        one = [
            futures.conversion_factor(code, c, m.item(), month)
            for c, m in zip(cpn, mats, strict=True)
        ]
        np.testing.assert_array_equal(vec, one)


def test_conversion_factor_rejects_rate_futures_and_expired_bonds():
    with pytest.raises(ValueError, match="not a Treasury futures contract"):
        futures.conversion_factor("SR3", 0.04, D(2030, 1, 15), D(2026, 12, 1))
    with pytest.raises(ValueError, match="mature after"):
        futures.conversion_factor("ZN", 0.04, D(2026, 11, 15), D(2026, 12, 1))


# --- deliverable baskets ---------------------------------------------------------------------

DEC26 = D(2026, 12, 1)


@pytest.mark.parametrize(
    ("code", "maturity", "ok"),
    [
        ("ZN", D(2033, 6, 1), True),  # exactly 6y6m
        ("ZN", D(2033, 5, 31), False),
        ("ZN", D(2034, 11, 30), True),
        ("ZN", D(2034, 12, 1), False),  # exactly 8y: the bound is strict
        ("TN", D(2036, 12, 1), True),  # exactly 10y: inclusive
        ("TN", D(2036, 5, 1), True),  # 9y5m
        ("TN", D(2036, 4, 30), False),
        ("ZT", D(2028, 9, 1), True),  # 1y9m
        ("ZT", D(2028, 12, 31), True),  # 2y from the last day of the month
        ("ZT", D(2029, 1, 1), False),
        ("Z3N", D(2029, 12, 31), True),
        ("Z3N", D(2030, 1, 15), False),
        ("ZF", D(2031, 2, 1), True),  # 4y2m
        ("ZF", D(2031, 1, 31), False),
        ("TWE", D(2046, 2, 1), True),  # 19y2m
        ("TWE", D(2046, 11, 1), True),  # 19y11m
        ("TWE", D(2046, 11, 2), False),
        ("ZB", D(2041, 12, 1), True),  # 15y
        ("ZB", D(2051, 12, 1), False),  # 25y, strict
        ("UB", D(2051, 12, 1), True),
        ("UB", D(2051, 11, 30), False),
    ],
)
def test_basket_boundaries(code, maturity, ok):
    assert bool(futures.basket_mask(code, [0.04], [maturity], DEC26)[0]) is ok
    assert (futures.deliverable_reason(code, 0.04, maturity, DEC26) is None) is ok


def test_reason_messages_name_the_rule():
    assert futures.deliverable_reason("ZN", 0.04, D(2032, 10, 1), DEC26) == (
        "remaining term 5y10m is below ZN's minimum 6y6m"
    )
    assert "too long for ZN (must be below 8y)" in futures.deliverable_reason(
        "ZN", 0.04, D(2034, 12, 15), DEC26
    )
    assert "last day of the delivery month" in futures.deliverable_reason(
        "ZT", 0.04, D(2029, 1, 15), DEC26
    )


def test_original_term_rules_need_an_issue_date():
    # a 10-year note with 4y3m left is not a 5-year-contract deliverable
    assert futures.deliverable_reason("ZF", 0.04, D(2031, 3, 31), DEC26) is None
    reason = futures.deliverable_reason("ZF", 0.04, D(2031, 3, 31), DEC26, D(2021, 3, 31))
    assert reason == "original term 10y exceeds ZF's maximum 5y3m"
    issues = np.array(["2021-03-31", "2026-03-31", "NaT"], dtype="datetime64[D]")
    mask = futures.basket_mask("ZF", [0.04] * 3, [D(2031, 3, 31)] * 3, DEC26, issues)
    np.testing.assert_array_equal(mask, [False, True, True])


@pytest.mark.parametrize("code", TREASURY)
def test_basket_mask_and_reason_agree(code):
    mats = np.arange(np.datetime64("2027-01-01"), np.datetime64("2057-01-01"), 17)
    mask = futures.basket_mask(code, np.full(mats.size, 0.04), mats, DEC26)
    reasons = [futures.deliverable_reason(code, 0.04, m.item(), DEC26) for m in mats]
    np.testing.assert_array_equal(mask, [r is None for r in reasons])
    assert mask.any()


# --- delivery, proxy, CTD ------------------------------------------------------------------------


def test_delivery_date_is_the_last_business_day():
    assert futures.delivery_date("ZN", D(2026, 12, 18)) == D(2026, 12, 31)
    assert futures.delivery_date("ZB", D(2027, 3, 1)) == D(2027, 3, 31)
    assert futures.delivery_date("ZT", D(2027, 5, 1)) == D(2027, 5, 28)  # 31 May is Memorial Day


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ZT", D(2028, 6, 1)),
        ("Z3N", D(2029, 6, 1)),
        ("ZF", D(2030, 11, 1)),
        ("ZN", D(2033, 3, 1)),
        ("TN", D(2036, 2, 1)),
        ("TWE", D(2045, 11, 1)),
        ("ZB", D(2041, 9, 1)),
        ("UB", D(2051, 9, 1)),
    ],
)
def test_proxy_ctd_maturity_is_the_shortest_deliverable(code, expected):
    got = futures.proxy_ctd_maturity(code, D(2026, 9, 15))
    assert got == expected
    assert futures.deliverable_reason(code, 0.04, got, D(2026, 9, 1)) is None


SETTLE = D(2026, 7, 31)
# a ZN Dec-26 basket plus one bond too long to deliver
BASKET_CPN = np.array([0.04, 0.0425, 0.03875, 0.045])
BASKET_MAT = np.array(["2033-08-15", "2034-02-15", "2034-08-15", "2035-02-15"], "datetime64[D]")
BASKET_PX = np.array([97.40, 98.60, 95.55, 99.20])


def _slow_forward(cpn, mat, price, settle, delivery, repo):
    """Forward clean price by hand: each coupon between settlement and delivery listed."""
    cf0 = bonds.stack_cashflows([cpn], [mat], settle)
    cf1 = bonds.stack_cashflows([cpn], [mat], delivery)
    dirty = price + cf0.accrued[0]
    value = dirty * (1 + repo * (delivery - settle).days / 360)
    for day, amount in zip(cf0.dates[0], cf0.amounts[0], strict=True):
        if not np.isnat(day) and day.item() <= delivery:
            value -= amount * (1 + repo * (delivery - day.item()).days / 360)
    return value - cf1.accrued[0]


def test_forward_prices_match_a_hand_loop():
    delivery = futures.delivery_date("ZN", D(2026, 12, 1))
    fwd = futures.forward_clean_prices(BASKET_CPN, BASKET_MAT, BASKET_PX, SETTLE, delivery, 0.04)
    for i in range(4):
        ref = _slow_forward(
            BASKET_CPN[i], BASKET_MAT[i].item(), BASKET_PX[i], SETTLE, delivery, 0.04
        )
        assert fwd[i] == pytest.approx(ref, rel=1e-14)


def test_implied_repo_inverts_the_forward_price():
    delivery = D(2026, 12, 31)
    invoice = np.array([86.0, 87.5, 84.0, 88.0])
    repo = futures.implied_repo_rates(BASKET_CPN, BASKET_MAT, BASKET_PX, SETTLE, delivery, invoice)
    for i in range(4):
        fwd = futures.forward_clean_prices(
            BASKET_CPN[i : i + 1],
            BASKET_MAT[i : i + 1],
            BASKET_PX[i : i + 1],
            SETTLE,
            delivery,
            repo[i],
        )
        assert fwd[0] == pytest.approx(invoice[i], abs=1e-10)


def test_select_ctd_without_futures_price_minimises_price_over_cf():
    ctd = futures.select_ctd("ZN", DEC26, BASKET_CPN, BASKET_MAT, BASKET_PX, SETTLE)
    conv = futures.conversion_factors("ZN", BASKET_CPN[:3], BASKET_MAT[:3], DEC26)
    assert ctd.index == int(np.argmin(BASKET_PX[:3] / conv))  # bond 3 is not deliverable
    assert ctd.net_basis == 0.0
    assert ctd.implied_repo is None
    assert ctd.conversion_factor == conv[ctd.index]
    assert ctd.maturity == BASKET_MAT[ctd.index].item()


def test_select_ctd_with_futures_price_max_implied_repo_and_min_net_basis():
    fut = 110.0
    conv = futures.conversion_factors("ZN", BASKET_CPN[:3], BASKET_MAT[:3], DEC26)
    delivery = futures.delivery_date("ZN", DEC26)
    repos = [
        futures.implied_repo_rates(
            BASKET_CPN[i : i + 1],
            BASKET_MAT[i : i + 1],
            BASKET_PX[i : i + 1],
            SETTLE,
            delivery,
            fut * conv[i],
        )[0]
        for i in range(3)
    ]
    by_repo = futures.select_ctd("ZN", DEC26, BASKET_CPN, BASKET_MAT, BASKET_PX, SETTLE, fut)
    assert by_repo.index == int(np.argmax(repos))
    assert by_repo.implied_repo == pytest.approx(max(repos))
    assert by_repo.net_basis == pytest.approx(BASKET_PX[by_repo.index] - fut * conv[by_repo.index])
    assert "implied repo" in by_repo.method

    by_basis = futures.select_ctd(
        "ZN", DEC26, BASKET_CPN, BASKET_MAT, BASKET_PX, SETTLE, fut, repo_rate=0.04
    )
    nets = [
        _slow_forward(BASKET_CPN[i], BASKET_MAT[i].item(), BASKET_PX[i], SETTLE, delivery, 0.04)
        - fut * conv[i]
        for i in range(3)
    ]
    assert by_basis.index == int(np.argmin(nets))
    assert by_basis.net_basis == pytest.approx(min(nets))
    # at its own implied repo a bond's net basis is zero
    at_own = futures.select_ctd(
        "ZN", DEC26, BASKET_CPN[:1], BASKET_MAT[:1], BASKET_PX[:1], SETTLE, fut, repo_rate=repos[0]
    )
    assert at_own.net_basis == pytest.approx(0.0, abs=1e-10)


def test_select_ctd_with_repo_but_no_futures_price_uses_forward_prices():
    delivery = futures.delivery_date("ZN", DEC26)
    fwd = futures.forward_clean_prices(BASKET_CPN, BASKET_MAT, BASKET_PX, SETTLE, delivery, 0.05)
    conv = futures.conversion_factors("ZN", BASKET_CPN[:3], BASKET_MAT[:3], DEC26)
    ctd = futures.select_ctd("ZN", DEC26, BASKET_CPN, BASKET_MAT, BASKET_PX, SETTLE, repo_rate=0.05)
    assert ctd.index == int(np.argmin(fwd[:3] / conv))
    assert "forward price" in ctd.method


def test_vectorised_add_months_matches_dates_add_months():
    days = np.arange(np.datetime64("2023-01-01"), np.datetime64("2025-01-01"))
    for months in (-7, 0, 1, 63, 120):
        got = futures._add_months_array(days, months)
        want = [dates.add_months(d.item(), months) for d in days]
        np.testing.assert_array_equal(got, np.array(want, dtype="datetime64[D]"))


def test_select_ctd_with_an_empty_basket_says_why():
    with pytest.raises(ValueError, match=r"no deliverable bond.*too long for ZN"):
        futures.select_ctd("ZN", DEC26, BASKET_CPN[3:], BASKET_MAT[3:], BASKET_PX[3:], SETTLE)


# --- futures risk ------------------------------------------------------------------------------


def test_futures_dv01_from_ctd_cme_example():
    """CME brochure: cash DV01 $67.64 per $100k of the 5-1/8% of 2016, CF 0.9506 -> $71.16."""
    assert round(float(futures.futures_dv01_from_ctd(67.64, 0.9506)), 2) == 71.16
    np.testing.assert_allclose(futures.futures_dv01_from_ctd([1.0, 2.0], [0.5, 0.8]), [2.0, 2.5])


def test_futures_price_from_ctd_forward():
    assert futures.futures_price_from_ctd_forward(95.06, 0.9506) == pytest.approx(100.0)


@pytest.mark.parametrize(("code", "usd"), [("SR3", 25.0), ("SR1", 41.67), ("ZQ", 41.67)])
def test_rate_future_dv01_from_the_contract_table(code, usd):
    assert futures.rate_future_dv01(code) == usd  # a long gains this much per 1 bp fall


def test_rate_future_dv01_rejects_treasury_futures():
    with pytest.raises(ValueError, match="CTD"):
        futures.rate_future_dv01("ZN")
