"""SPAN engine: CME's published examples to the cent, invariants, a slow reference loop, batch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmsim.engines.span.margin import (
    SpanBook,
    risk_arrays,
    span_book,
    span_margin,
    span_margin_batch,
    stack_books,
)
from xmsim.engines.span.params_io import InterSpread, default_span_params
from xmsim.portfolio import FUTURE, TIPS, UST, Portfolio, Position

ASOF = dt.date(2026, 7, 31)
DEC, MAR, JUN = dt.date(2026, 12, 1), dt.date(2027, 3, 1), dt.date(2027, 6, 1)
# hand-made DV01s of one contract [USD per bp] (the lead's risk.contract_dv01 replaces them)
CONTRACT_DV01 = {
    "ZT": 40.0,
    "Z3N": 44.0,
    "ZF": 48.0,
    "ZN": 78.0,
    "TN": 100.0,
    "TWE": 140.0,
    "ZB": 150.0,
    "UB": 260.0,
}
TREASURIES = tuple(CONTRACT_DV01)
FUTURES = (*TREASURIES, "SR3", "SR1", "ZQ")


def book_of(rows, accounts=None) -> SpanBook:
    """rows: (code or '' for cash, quantity or DV01, expiry or years, spot, account)."""
    n = len(rows)
    code = [r[0] for r in rows]
    cash = np.array([c == "" for c in code], dtype=bool)
    value = np.array([r[1] for r in rows], dtype=float)
    second = [r[2] for r in rows]
    years = np.array([s if c == "" else np.nan for c, s in zip(code, second, strict=True)])
    sub = [int(s * 1000) if c == "" else s.toordinal() for c, s in zip(code, second, strict=True)]
    acct = [r[4] if len(r) > 4 else 0 for r in rows]
    return SpanBook(
        asof=ASOF,
        code=np.array(code, dtype=str),
        quantity=np.where(cash, 0.0, value),
        dv01_usd=np.where(cash, value, 0.0),
        years_to_maturity=years,
        sub_key=np.array(sub, dtype=np.int64),
        spot=np.array([len(r) > 3 and bool(r[3]) for r in rows], dtype=bool),
        account=np.array(acct, dtype=np.int64),
        accounts=accounts or ("A",),
        contract_dv01=tuple(CONTRACT_DV01.items()),
        labels=tuple(f"r{i}" for i in range(n)),
    )


def fut(code, qty, expiry=DEC) -> Position:
    return Position(FUTURE, qty, contract=code, expiry=expiry)


# --- CME's published examples ----------------------------------------------------------------


def test_cme_scanning_spread_example_to_the_cent():
    """CME: +2 ZB (outright $3,100) vs -3 ZN (outright $1,600), 70% credit -> $2,840."""
    params = default_span_params().with_psr({"ZB": 3100, "ZN": 1600})
    result = span_margin(book_of([("ZB", 2, DEC), ("ZN", -3, DEC)]), params)
    expected = [
        0,
        0,
        152.80,
        152.80,
        946.70,
        946.70,
        307.20,
        307.20,
        1893.30,
        1893.30,
        460.00,
        460.00,
        2840.00,
        2840.00,
        455.40,
        2811.60,
    ]
    (spread,) = result.scanning_spreads
    assert spread.legs == ("ZB", "ZN") and spread.spreads == 1
    assert spread.leg_contracts == (2.0, -3.0)
    np.testing.assert_allclose(spread.scenario_usd, expected, rtol=0, atol=0.005)
    assert np.round(spread.scenario_usd, 2).tolist() == expected
    assert spread.charge_usd == pytest.approx(2840.00, abs=0.005)
    assert result.maintenance_usd == pytest.approx(2840.00, abs=0.005)
    assert result.scan_risk_usd.sum() == 0 and result.inter_credit_usd == 0
    outright = span_margin(
        book_of([("ZB", 2, DEC), ("ZN", -3, DEC)]), dataclasses.replace(params, scan_spreads=())
    )
    assert outright.maintenance_usd == pytest.approx(11_000.0, abs=0.005)
    assert dict(zip(outright.combined_commodities, outright.scan_risk_usd, strict=True)) == {
        "ZN": 4800.0,
        "ZB": 6200.0,
    }


def test_risk_array_uses_cme_rounded_moves():
    params = default_span_params().with_psr({"ZN": 1600})
    row = risk_arrays(params)[params.combined_commodities.index("ZN")]
    assert row.tolist() == [
        0,
        0,
        -533,
        -533,
        533,
        533,
        -1067,
        -1067,
        1067,
        1067,
        -1600,
        -1600,
        1600,
        1600,
        -1584,
        1584,
    ]


def test_cme_generic_inter_commodity_example():
    """CME: 2:1 spread at 55%, outrights 2 x 1,750 and 2,500 -> credit 3,300, requirement 2,700."""
    base = default_span_params().with_psr({"SR3": 1750, "ZT": 2500})
    params = dataclasses.replace(
        base, inter_spreads=(InterSpread("EX", ("SR3", "ZT"), (2.0, 1.0), 0.55, 1),)
    )
    result = span_margin(book_of([("SR3", 2, DEC), ("ZT", -1, DEC)]), params)
    assert result.scan_risk_usd.sum() == pytest.approx(6000.0)
    (credit,) = result.inter_credits
    assert credit.credit_usd == pytest.approx(-3300.0)
    assert result.maintenance_usd == pytest.approx(2700.0)


def test_published_sr3_zt_snapshot_is_shipped():
    params = default_span_params()
    (sr3_zt,) = [s for s in params.inter_spreads if s.legs == ("SR3", "ZT")]
    assert sr3_zt.ratios == (3.0, 2.0) and sr3_zt.rate == 0.75
    result = span_margin(book_of([("SR3", 3, DEC), ("ZT", -2, DEC)]), params)
    assert result.inter_credit_usd == pytest.approx(-0.75 * (3 * 700 + 2 * 600))


# --- invariants ------------------------------------------------------------------------------


def test_empty_book_is_zero():
    result = span_margin(
        span_book(Portfolio(), np.zeros(0), CONTRACT_DV01, ASOF), default_span_params()
    )
    assert result.maintenance_usd == 0 and result.margin_usd == 0
    assert result.portfolio_scenario_loss_usd.shape == (16,)
    assert (
        span_margin_batch(stack_books([book_of([])]), default_span_params()).maintenance_usd[0] == 0
    )


def test_long_and_equal_short_same_expiry_is_zero():
    pf = Portfolio.of([fut("ZN", 7), fut("ZN", -7)])
    result = span_margin(span_book(pf, np.zeros(2), CONTRACT_DV01, ASOF), default_span_params())
    assert result.maintenance_usd == 0


def test_calendar_spread_costs_only_the_intra_charge():
    pf = Portfolio.of([fut("ZN", 5, DEC), fut("ZN", -5, MAR)])
    result = span_margin(span_book(pf, np.zeros(2), CONTRACT_DV01, ASOF), default_span_params())
    assert result.scan_risk_usd.sum() == 0 and result.spot_charge_usd.sum() == 0
    assert result.maintenance_usd == pytest.approx(5 * 120.0)
    assert result.attribution_usd.tolist() == pytest.approx([300.0, 300.0])


def test_spot_month_charge_in_the_delivery_month():
    pf = Portfolio.of([fut("ZN", 2, dt.date(2026, 9, 1)), fut("ZN", 1, DEC)])
    asof = dt.date(2026, 9, 10)
    result = span_margin(span_book(pf, np.zeros(2), CONTRACT_DV01, asof), default_span_params())
    assert result.spot_charge_usd.sum() == pytest.approx(2 * 150.0)
    assert result.maintenance_usd == pytest.approx(3 * 2000.0 + 300.0)
    assert result.attribution_usd.sum() == pytest.approx(result.maintenance_usd)


def test_initial_is_maintenance_times_multiplier_and_shown_is_stated():
    params = default_span_params()
    result = span_margin(book_of([("ZN", 3, DEC)]), params)
    assert result.shown == "initial" and result.initial_usd == pytest.approx(6000 * 1.10)
    assert result.margin_usd == result.initial_usd
    maint = span_margin(book_of([("ZN", 3, DEC)]), dataclasses.replace(params, shown="maintenance"))
    assert maint.margin_usd == maint.maintenance_usd == pytest.approx(6000.0)


def test_cash_note_against_dv01_matched_zn_nets_most_but_not_all():
    note = Position(UST, 10_000_000.0, coupon_pct=4.0, maturity=dt.date(2034, 2, 15))  # 7.5y
    pf = Portfolio.of([note, fut("ZN", -10)])
    dv01 = np.array([10 * CONTRACT_DV01["ZN"], -10 * CONTRACT_DV01["ZN"]])
    params = default_span_params()
    result = span_margin(span_book(pf, dv01, CONTRACT_DV01, ASOF), params)
    outright = 10 * 2000 * 1.05 + 10 * 2000
    assert result.position_group == ("CASH-ZN", "ZN")
    assert result.maintenance_usd == pytest.approx(0.1 * outright)
    assert 0 < result.maintenance_usd < 0.2 * outright
    # a new 10-year (CASH-TN bucket) still offsets ZN through the DV01-matched adjacent credit
    new = dataclasses.replace(note, maturity=dt.date(2036, 5, 15))
    pf2 = Portfolio.of([new, fut("ZN", -10)])
    r2 = span_margin(span_book(pf2, dv01, CONTRACT_DV01, ASOF), params)
    assert r2.position_group[0] == "CASH-TN"
    assert 0 < r2.maintenance_usd < 0.5 * (r2.scan_risk_usd.sum())


def test_whole_spreads_switch():
    params = default_span_params().with_psr({"ZB": 3100, "ZN": 1600})
    book = book_of([("ZB", 1, DEC), ("ZN", -1, DEC)])
    whole = span_margin(book, dataclasses.replace(params, fractional_spreads=False))
    assert whole.maintenance_usd == pytest.approx(4700.0) and not whole.scanning_spreads
    frac = span_margin(book, params)
    assert frac.scanning_spreads[0].spreads == pytest.approx(1 / 3)
    assert frac.maintenance_usd < 4700.0


def test_attribution_sums_to_total_and_follows_outright_risk():
    params = default_span_params().with_psr({"ZB": 3100, "ZN": 1600})
    result = span_margin(book_of([("ZB", 2, DEC), ("ZN", -3, DEC)]), params)
    assert result.attribution_usd.tolist() == pytest.approx(
        [2840 * 6200 / 11000, 2840 * 4800 / 11000]
    )
    frame = result.to_frame()
    assert frame["amount_usd"].sum() == pytest.approx(result.maintenance_usd)
    assert result.scenarios_frame().shape == (16, len(result.combined_commodities) + 1)


def test_bad_input_is_a_clear_error():
    params = default_span_params()
    tips = Position(TIPS, 1e6, coupon_pct=1.0, maturity=dt.date(2030, 1, 15), row=7)
    with pytest.raises(ValueError, match=r"row 7.*TIPS"):
        span_book(Portfolio.of([tips]), np.zeros(1), CONTRACT_DV01, ASOF)
    with pytest.raises(ValueError, match="expired"):
        span_book(Portfolio.of([fut("ZN", 1, dt.date(2026, 6, 1))]), np.zeros(1), {}, ASOF)
    note = Position(UST, 1e6, coupon_pct=4.0, maturity=dt.date(2034, 2, 15))
    book = span_book(Portfolio.of([note]), np.array([80.0]), {}, ASOF)
    with pytest.raises(ValueError, match="no DV01 for ZN"):
        span_margin(book, params)


# --- the slow reference ----------------------------------------------------------------------


def reference_margin(book: SpanBook, params) -> float:
    """Plain-Python SPAN (loops over positions, scenarios and spreads); no NumPy in the logic."""
    third, two = round(1 / 3, 4), round(2 / 3, 4)
    ext = params.extreme_multiple * params.extreme_cover
    moves = [0, 0, third, third, -third, -third, two, two, -two, -two, 1, 1, -1, -1, ext, -ext]

    def loss_per_contract(code):
        out = []
        for m in moves:
            g = params.psr_usd(code) * m
            out.append(-math.copysign(math.floor(abs(g) + 0.5), g))
        return out

    dv01 = dict(book.contract_dv01)
    net, net_sub, spot_sub = {}, {}, {}
    for i in range(book.n_positions):
        code = str(book.code[i])
        if code:
            q = float(book.quantity[i])
        else:
            bucket = next(
                b for b in params.cash_buckets if book.years_to_maturity[i] <= b.max_years
            )
            code, q = bucket.code, float(book.dv01_usd[i]) / dv01[bucket.contract]
        net[code] = net.get(code, 0.0) + q
        k = (code, int(book.sub_key[i]))
        net_sub[k] = net_sub.get(k, 0.0) + q
        if book.spot[i]:
            spot_sub[k] = spot_sub.get(k, 0.0) + q
    intra_rate = {p.code: p.intra_spread_usd for p in params.products}
    intra_rate |= {b.code: b.intra_spread_usd for b in params.cash_buckets}
    spot_rate = {p.code: p.spot_usd for p in params.products}
    total = 0.0
    for code in net:
        longs = sum(v for (c, _), v in net_sub.items() if c == code and v > 0)
        shorts = sum(-v for (c, _), v in net_sub.items() if c == code and v < 0)
        total += min(longs, shorts) * intra_rate[code]
    for (code, _), v in spot_sub.items():
        total += abs(v) * spot_rate.get(code, 0.0)
    rem = dict(net)
    for s in sorted(params.scan_spreads, key=lambda s: s.priority):
        k = len(s.legs)
        for gap in range(1, k):
            for i in range(k - gap):
                a, b, ra, rb = s.legs[i], s.legs[i + gap], s.ratios[i], s.ratios[i + gap]
                qa, qb = rem.get(a, 0.0), rem.get(b, 0.0)
                if qa * qb >= 0:
                    continue
                n = min(abs(qa) / ra, abs(qb) / rb)
                la, lb = math.copysign(n * ra, qa), math.copysign(n * rb, qb)
                rem[a], rem[b] = qa - la, qb - lb
                worst = 0.0
                for sc in range(16):
                    losses = [la * loss_per_contract(a)[sc], lb * loss_per_contract(b)[sc]]
                    value = sum(x for x in losses if x > 0) - s.credit_rate * sum(
                        -x for x in losses if x < 0
                    )
                    worst = max(worst, value)
                total += worst
    scan = {}
    for code, q in rem.items():
        scan[code] = max([0.0] + [q * x for x in loss_per_contract(code)])
        total += scan[code]
    avail = {c: abs(q) for c, q in rem.items()}
    for s in sorted(params.inter_spreads, key=lambda s: s.priority):
        a, b = s.legs
        if rem.get(a, 0.0) * rem.get(b, 0.0) >= 0 or avail[a] <= 1e-12 or avail[b] <= 1e-12:
            continue
        sa, sb = (1.0, 1.0)
        if s.basis == "dv01":
            bucket_contract = {x.code: x.contract for x in params.cash_buckets}
            sa, sb = (dv01[bucket_contract.get(c, c)] for c in (a, b))
        n = min(avail[a] * sa / s.ratios[0], avail[b] * sb / s.ratios[1])
        ua, ub = n * s.ratios[0] / sa, n * s.ratios[1] / sb
        pa = scan[a] / abs(rem[a])
        pb = scan[b] / abs(rem[b])
        total -= s.rate * (ua * pa + ub * pb)
        avail[a], avail[b] = max(avail[a] - ua, 0.0), max(avail[b] - ub, 0.0)
    return total


def random_rows(rng, n, n_accounts=1):
    rows = []
    for _ in range(n):
        acct = int(rng.integers(n_accounts))
        if rng.random() < 0.3:
            rows.append(("", float(rng.normal(0, 800)), float(rng.uniform(1.1, 30)), False, acct))
        else:
            code = str(rng.choice(FUTURES))
            expiry = [DEC, MAR, JUN][int(rng.integers(3))]
            qty = int(rng.integers(-30, 31))
            rows.append((code, qty, expiry, rng.random() < 0.1, acct))
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_vectorised_engine_equals_the_reference_loop(seed):
    rng = np.random.default_rng(seed)
    book = book_of(random_rows(rng, int(rng.integers(1, 25))))
    params = default_span_params()
    if seed % 2:
        params = params.with_psr({"ZB": 3100, "ZN": 1600, "SR3": 1750})
    result = span_margin(book, params)
    assert result.maintenance_usd == pytest.approx(reference_margin(book, params), abs=1e-6)
    assert result.maintenance_usd >= 0
    assert result.attribution_usd.sum() == pytest.approx(result.maintenance_usd, abs=1e-6)
    order = rng.permutation(book.n_positions)
    shuffled = book_of([random_rows_row(book, i) for i in order])
    assert span_margin(shuffled, params).maintenance_usd == pytest.approx(result.maintenance_usd)


def random_rows_row(book, i):
    code = str(book.code[i])
    if code:
        return (
            code,
            float(book.quantity[i]),
            dt.date.fromordinal(int(book.sub_key[i])),
            bool(book.spot[i]),
        )
    return ("", float(book.dv01_usd[i]), float(book.years_to_maturity[i]), False)


@pytest.mark.parametrize("seed", range(5))
def test_batch_equals_per_account_calls(seed):
    rng = np.random.default_rng(100 + seed)
    n_acc = 30
    rows = random_rows(rng, 300, n_accounts=n_acc)
    names = tuple(f"C{i}" for i in range(n_acc))
    batch = span_margin_batch(book_of(rows, accounts=names), default_span_params())
    for a in range(n_acc):
        mine = [r for r in rows if r[4] == a]
        single = span_margin(book_of([r[:4] for r in mine]), default_span_params())
        assert batch.maintenance_usd[a] == pytest.approx(single.maintenance_usd, abs=1e-6)
    books = [book_of([r[:4] for r in rows if r[4] == a]) for a in range(n_acc)]
    stacked = span_margin_batch(books, default_span_params())
    np.testing.assert_allclose(stacked.maintenance_usd, batch.maintenance_usd, atol=1e-6)
    assert batch.to_frame().shape == (n_acc, 3)


def test_span_book_by_account_feeds_the_batch():
    pf = Portfolio.of(
        [
            Position(FUTURE, 2, account="X", contract="ZN", expiry=DEC),
            Position(FUTURE, -2, account="Y", contract="ZN", expiry=DEC),
        ]
    )
    book = span_book(pf, np.zeros(2), CONTRACT_DV01, ASOF, by_account=True)
    batch = span_margin_batch(book, default_span_params())
    assert batch.accounts == ("X", "Y")
    assert batch.maintenance_usd.tolist() == [4000.0, 4000.0]
    assert span_margin(book, default_span_params()).maintenance_usd == 0  # one combined portfolio


position_rows = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(FUTURES), st.integers(-50, 50), st.sampled_from([DEC, MAR])),
        st.tuples(st.just(""), st.floats(-5000, 5000), st.floats(1.5, 29.0)),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(position_rows)
def test_doubling_positions_doubles_the_margin(rows):
    params = default_span_params()
    once = span_margin(book_of(rows), params).maintenance_usd
    twice = span_margin(book_of([(c, 2 * v, s) for c, v, s in rows]), params).maintenance_usd
    assert once >= 0
    assert twice == pytest.approx(2 * once, rel=1e-9, abs=1e-6)
