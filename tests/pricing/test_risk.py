"""Curve pricing and risk against independent numbers: yield formula, slow loops, FD."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests import reference as ref
from xmsim import dates
from xmsim.market import TENORS, ParCurve
from xmsim.portfolio import FUTURE, REPO, REVERSE_REPO, UST, Portfolio, Position
from xmsim.pricing import risk
from xmsim.pricing.curve import NODE_YEARS, discount_nodes, discount_nodes_upto

ASOF = dt.date(2026, 7, 31)
SETTLE = dates.settlement_date(ASOF)
RNG = np.random.default_rng(7)


def _random_bonds(n: int) -> list[tuple[float, dt.date]]:
    out = []
    for _ in range(n):
        years = RNG.uniform(1.05, 29.9)
        mat = SETTLE + dt.timedelta(days=int(years * 365.25))
        if RNG.random() < 0.3:  # end-of-month maturities
            mat = dates.month_end(mat.year, mat.month)
        out.append((round(RNG.uniform(0.125, 7.0) * 8) / 8, mat))
    return out


def _curve(yields) -> ParCurve:
    return ParCurve(ASOF, np.asarray(yields, dtype=float), "test")


def _ust(c, m, face=1e6, account="HOUSE") -> Position:
    return Position(UST, face, coupon_pct=c, maturity=m, account=account)


def test_discount_nodes_equal_slow_bootstrap():
    par = 0.03 + 0.02 * RNG.random(len(TENORS))
    slow = ref.SlowCurve(list(par))
    fast = discount_nodes(par)
    expected = np.array([slow.node(m) for m in range(NODE_YEARS.size)])
    np.testing.assert_allclose(fast, expected, rtol=1e-13)


@pytest.mark.parametrize("n_nodes", [1, 6, 7, 8, 13, 100, NODE_YEARS.size])
def test_discount_nodes_upto_equal_slow_bootstrap_and_the_full_curve(n_nodes):
    par = 0.03 + 0.02 * RNG.random((5, len(TENORS)))
    fast = discount_nodes_upto(par, n_nodes)
    expected = np.array([[ref.SlowCurve(list(p)).node(m) for m in range(n_nodes)] for p in par])
    np.testing.assert_allclose(fast, expected, rtol=1e-13)
    np.testing.assert_allclose(fast, discount_nodes(par)[:, :n_nodes], rtol=5e-15)
    buffer = np.full((NODE_YEARS.size, 9), np.nan)  # the caller's reused buffer
    into = discount_nodes_upto(par, n_nodes, out=buffer[:n_nodes, :5].T)
    assert np.array_equal(into, fast) and np.isnan(buffer[:, 5:]).all()


def test_flat_par_curve_prices_as_the_yield_formula():
    """On a flat semiannual par curve every bond is worth its price at that yield."""
    bonds = _random_bonds(60)
    y = 0.0437
    book = risk.build_book(Portfolio([_ust(c, m, face=100.0) for c, m in bonds]), _curve([y] * 13))
    expected = np.array([ref.yield_dirty_price(c / 100, m, SETTLE, y) for c, m in bonds])
    # the only difference is linear DF interpolation between monthly nodes (documented)
    np.testing.assert_allclose(book.base_value_usd, expected, rtol=3e-6)


def test_vectorised_pricing_equals_slow_per_bond_loop():
    bonds = _random_bonds(120)
    par = 0.035 + 0.015 * np.sort(RNG.random(13))
    book = risk.build_book(Portfolio([_ust(c, m, face=100.0) for c, m in bonds]), _curve(par))
    slow = ref.SlowCurve(list(par))
    expected = np.array([ref.dirty_price(slow, c / 100, m, SETTLE) for c, m in bonds])
    np.testing.assert_allclose(book.base_value_usd, expected, rtol=1e-12)
    accrued = np.array([ref.bond_flows(c / 100, m, SETTLE)[2] for c, m in bonds])
    np.testing.assert_allclose(book.terms.price, expected - accrued, rtol=1e-12)


def test_dv01_matches_yield_finite_difference_on_flat_curve():
    bonds = _random_bonds(40)
    y = 0.041
    book = risk.build_book(Portfolio([_ust(c, m) for c, m in bonds]), _curve([y] * 13))
    rr = risk.position_risk(book, _curve([y] * 13))
    fd = np.array(
        [
            (
                ref.yield_dirty_price(c / 100, m, SETTLE, y - 1e-4)
                - ref.yield_dirty_price(c / 100, m, SETTLE, y + 1e-4)
            )
            / 2
            * 1e6
            / 100
            for c, m in bonds
        ]
    )
    # linear DF between monthly nodes moves the derivative by up to ~3e-5 relative (documented)
    np.testing.assert_allclose(rr.dv01_usd, fd, rtol=5e-5)
    assert np.all(rr.dv01_usd > 0)


def test_key_rates_sum_to_parallel_and_match_finite_differences():
    par = 0.035 + 0.015 * np.sort(RNG.random(13))
    curve = _curve(par)
    pf = Portfolio(
        [_ust(c, m) for c, m in _random_bonds(25)]
        + [
            Position(FUTURE, 10, contract="ZN", expiry=dt.date(2026, 12, 1)),
            Position(FUTURE, -7, contract="SR3", expiry=dt.date(2027, 3, 1)),
        ]
    )
    book = risk.build_book(pf, curve)
    rr = risk.position_risk(book, curve)
    # tents sum to the parallel bump exactly; 1 bp central differences leave third-order terms
    np.testing.assert_allclose(rr.krd_usd.sum(axis=1), rr.dv01_usd, rtol=1e-5, atol=1e-6)
    # one key rate by an independent one-sided bump of 0.1 bp
    j = TENORS.index("10Y")
    bumped = par.copy()
    bumped[j] -= 1e-5
    one_sided = (book.values(discount_nodes(bumped))[0] - book.base_value_usd) / 0.1
    np.testing.assert_allclose(rr.krd_usd[:, j], one_sided, rtol=1e-3, atol=1e-4)


def test_doubling_quantities_doubles_values_and_risk():
    pf = Portfolio([_ust(c, m) for c, m in _random_bonds(10)])
    curve = _curve([0.04] * 13)
    r1 = risk.position_risk(risk.build_book(pf, curve), curve)
    r2 = risk.position_risk(risk.build_book(pf.scaled(2.0), curve), curve)
    np.testing.assert_allclose(r2.dv01_usd, 2 * r1.dv01_usd, rtol=1e-12)


def test_repo_is_a_forward_purchase_worth_zero_today():
    curve = _curve(0.04 + 0.01 * np.linspace(0, 1, 13))
    m = dt.date(2034, 11, 15)
    pf = Portfolio(
        [
            Position(REPO, 1e7, coupon_pct=4.25, maturity=m, end_date=dt.date(2026, 10, 30)),
            Position(
                REVERSE_REPO, 1e7, coupon_pct=4.25, maturity=m, end_date=dt.date(2026, 10, 30)
            ),
            _ust(4.25, m, face=1e7),
        ]
    )
    book = risk.build_book(pf, curve)
    rr = risk.position_risk(book, curve)
    np.testing.assert_allclose(book.base_value_usd[:2], 0.0, atol=1e-6)
    assert rr.dv01_usd[0] == pytest.approx(-rr.dv01_usd[1], rel=1e-12)
    # long price exposure close to the bond's own (a forward three months out)
    assert 0.95 < rr.dv01_usd[0] / rr.dv01_usd[2] < 1.0


def test_treasury_future_dv01_is_ctd_forward_dv01_over_cf():
    curve = _curve(0.04 + 0.01 * np.linspace(0, 1, 13))
    expiry = dt.date(2026, 12, 1)
    book = risk.build_book(Portfolio([Position(FUTURE, 1, contract="ZN", expiry=expiry)]), curve)
    dv01 = risk.position_risk(book, curve).dv01_usd[0]
    cpn, mat, _ = risk.ctd_for("ZN", expiry, curve)
    cf = book.terms.cf[0]
    # independent: forward price of the CTD at delivery from the slow curve, bumped ±1bp
    from xmsim.pricing import futures

    deliv = futures.delivery_date("ZN", expiry)

    def fwd_clean(par):
        slow = ref.SlowCurve(list(par))
        times, amounts, _ = ref.bond_flows(cpn, mat, SETTLE)
        ds = sorted(d for d in ref.coupon_dates(mat) if d > SETTLE)
        prev = max(d for d in ref.coupon_dates(mat) if d <= deliv)
        nxt = min(d for d in ref.coupon_dates(mat) if d > deliv)
        frac = (deliv - prev).days / (nxt - prev).days
        j = sum(1 for d in ds if d <= deliv)  # flows paid on or before delivery
        t_del = (j - 1 + frac) / 2 + times[0] if j else times[0] - (1 - frac) / 2
        pv = sum(a * slow.df(t) for t, a, d in zip(times, amounts, ds, strict=True) if d > deliv)
        return pv / slow.df(t_del) - 100 * cpn / 2 * frac

    y = curve.yields
    expected = (fwd_clean(y - 1e-4) - fwd_clean(y + 1e-4)) / 2 / cf * 1000  # $100k face
    assert dv01 == pytest.approx(expected, rel=1e-9)
    assert book.terms.price[0] == pytest.approx(fwd_clean(y) / cf, rel=1e-12)


@pytest.mark.parametrize(("code", "usd_per_bp"), [("SR3", 25.0), ("SR1", 41.67), ("ZQ", 41.67)])
def test_rate_futures_pay_their_dollar_value_per_bp_of_the_reference_rate(code, usd_per_bp):
    curve = _curve([0.04] * 13)
    expiry = dt.date(2027, 3, 1)
    book = risk.build_book(Portfolio([Position(FUTURE, 3, contract=code, expiry=expiry)]), curve)
    # perturb the curve arbitrarily; the value must move by -3 x $/bp per bp of R, where R is the
    # simple act/360 forward rate over the reference period read off the curve
    from xmsim.contracts import reference_period
    from xmsim.pricing.curve import discount_at

    start, end = reference_period(code, expiry)
    tau = (end - start).days / 360
    t1, t2 = ((d - SETTLE).days / 365.25 for d in (start, end))

    def fwd(df):
        d1, d2 = discount_at(df, np.array([t1, t2]))
        return (d1 / d2 - 1) / tau

    df0 = book.base_df
    df1 = df0 * np.exp(-0.003 * NODE_YEARS * RNG.random())
    dv = book.values(df1)[0, 0] - book.values(df0)[0, 0]
    assert dv == pytest.approx(-3 * usd_per_bp * (fwd(df1) - fwd(df0)) / 1e-4, rel=1e-9)
    # and a long gains when the whole curve falls
    assert risk.position_risk(book, curve).dv01_usd[0] > 0


def test_unpriceable_ineligible_rows_are_flagged_not_dropped():
    pf = Portfolio([Position("MBS", 1e6), _ust(4.0, dt.date(2030, 5, 15))])
    book = risk.build_book(pf, _curve([0.04] * 13))
    assert book.n_positions == 2
    assert not book.terms.priced[0]
    assert "not modelled" in book.terms.ctd[0]
    assert book.base_value_usd[0] == 0.0


def test_grouped_pnl_equals_the_sum_of_position_pnl():
    """The aggregate-then-price batch path is exact against pricing each position."""
    par = 0.035 + 0.015 * np.sort(RNG.random(13))
    curve = _curve(par)
    pf = Portfolio(
        [_ust(c, m) for c, m in _random_bonds(30)]
        + [
            Position(FUTURE, q, contract=c, expiry=e)
            for q, c, e in (
                (12, "ZN", dt.date(2026, 12, 1)),
                (-7, "ZN", dt.date(2026, 12, 1)),
                (5, "ZB", dt.date(2026, 9, 1)),
                (-9, "SR3", dt.date(2027, 3, 1)),
                (4, "ZQ", dt.date(2026, 10, 1)),
            )
        ]
        + [
            Position(
                REPO,
                5e6,
                coupon_pct=4.0,
                maturity=dt.date(2030, 5, 15),
                end_date=dt.date(2026, 9, 15),
            )
        ]
    )
    book = risk.build_book(pf, curve)
    df = discount_nodes(par + 1e-4 * RNG.standard_normal((50, 13)))
    groups = RNG.integers(0, 4, book.n_positions)
    per_position = book.pnl(df)
    expected = np.stack([per_position[:, groups == g].sum(axis=1) for g in range(4)], axis=1)
    np.testing.assert_allclose(book.pnl_by_group(df, groups, 4), expected, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(
        book.portfolio_pnl(df), per_position.sum(axis=1), rtol=1e-9, atol=1e-6
    )


def test_take_equals_building_the_sub_book():
    curve = _curve(0.04 + 0.01 * np.linspace(0, 1, 13))
    pf = Portfolio(
        [_ust(c, m) for c, m in _random_bonds(6)]
        + [
            Position(FUTURE, -9, contract="ZN", expiry=dt.date(2026, 12, 1)),
            Position(FUTURE, 4, contract="SR3", expiry=dt.date(2027, 3, 1)),
        ]
    )
    idx = np.array([7, 1, 6, 3])
    taken = risk.build_book(pf, curve).take(idx)
    built = risk.build_book(Portfolio([pf.positions[i] for i in idx]), curve)
    df = discount_nodes(curve.yields + 1e-4 * RNG.standard_normal((5, 13)))
    np.testing.assert_allclose(taken.values(df), built.values(df), rtol=1e-13)
    assert taken.terms.ctd == built.terms.ctd
    np.testing.assert_allclose(taken.terms.price, built.terms.price, rtol=1e-13)


def test_contract_table_holds_listing_cycles_reference_periods_and_legacy_classes():
    """Per-contract facts live in contracts.csv: the listing cycle (CME specs: SR1 and ZQ list
    every month, the rest quarterly), the reference period (SR3 Mar-27: IMM date 2027-03-17 to
    2027-06-16; ZQ Mar-27: the calendar month) and the legacy maturity classes, checked against
    the hand-written mapping the legacy method used before."""
    from xmsim.arrangement.legacy import FUTURE_CLASS
    from xmsim.contracts import contract_table, front_month, reference_period

    assert {c for c, s in contract_table().items() if s.listing_months == 1} == {"SR1", "ZQ"}
    assert front_month("ZQ", dt.date(2026, 8, 3)) == dt.date(2026, 8, 1)
    assert front_month("ZN", dt.date(2026, 8, 3)) == dt.date(2026, 9, 1)
    mar = dt.date(2027, 3, 1)
    assert reference_period("SR3", mar) == (dt.date(2027, 3, 17), dt.date(2027, 6, 16))
    assert reference_period("ZQ", mar) == (dt.date(2027, 3, 1), dt.date(2027, 4, 1))
    assert reference_period("SR1", mar) == (dt.date(2027, 3, 1), dt.date(2027, 4, 1))
    assert FUTURE_CLASS == {"ZT": 0, "Z3N": 1, "ZF": 1, "ZN": 2, "TN": 2, "TWE": 3, "ZB": 3,
                            "UB": 3, "SR3": 0, "SR1": 0, "ZQ": 0}  # fmt: skip
