"""SPAN engine: CME's published examples to the cent, invariants, a slow reference loop, batch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmsim.contracts import get_contract
from xmsim.engines.span.margin import (
    SpanBook,
    risk_arrays,
    span_book,
    span_margin,
    span_margin_batch,
    stack_books,
)
from xmsim.engines.span.params_io import CashMapping, InterSpread, default_span_params
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
    psr_sr3, psr_zt = params.psr_usd("SR3"), params.psr_usd("ZT")
    assert result.inter_credit_usd == pytest.approx(-0.75 * (3 * psr_sr3 + 2 * psr_zt))


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
    assert result.maintenance_usd == pytest.approx(3 * default_span_params().psr_usd("ZN") + 300.0)
    assert result.attribution_usd.sum() == pytest.approx(result.maintenance_usd)


def test_initial_follows_the_account_type_and_shown_is_stated():
    params = default_span_params().with_psr({"ZN": 2000})
    result = span_margin(book_of([("ZN", 3, DEC)]), params)
    assert result.account_type == "member" and result.initial_multiplier == 1.0  # auto, house
    assert result.shown == "initial" and result.initial_usd == result.maintenance_usd == 6000
    hrp = span_margin(book_of([("ZN", 3, DEC)]), params.for_account_type("HRP"))
    assert hrp.initial_usd == pytest.approx(6000 * 1.10) and hrp.margin_usd == hrp.initial_usd
    assert hrp.to_frame().attrs["account_type"] == "HRP"
    maint = span_margin(
        book_of([("ZN", 3, DEC)]),
        dataclasses.replace(params.for_account_type("HRP"), shown="maintenance"),
    )
    assert maint.margin_usd == maint.maintenance_usd == pytest.approx(6000.0)
    batch = span_margin_batch(book_of([("ZN", 3, DEC)]), params.for_account_type("HRP"))
    assert batch.initial_usd[0] == pytest.approx(6600.0) and batch.account_types == ("HRP",)


def test_auto_account_type_margins_house_as_member_and_customers_as_non_hrp():
    """Under ``auto`` each account posts its own type's initial: three accounts of 3 ZN
    (maintenance 3 x 2,000 = 6,000 each) with the non-HRP multiplier set to 1.25 post 6,000 as
    member and 7,500 as non-HRP customers; an explicit type applies to every account."""
    params = dataclasses.replace(default_span_params().with_psr({"ZN": 2000}), initial_non_hrp=1.25)
    assert params.account_type == "auto"
    rows = [("ZN", 3, DEC, False, k) for k in range(3)]
    book = book_of(rows, accounts=("HOUSE", "C1", "C2"))
    batch = span_margin_batch(book, params, customer=[False, True, True])
    assert batch.maintenance_usd.tolist() == pytest.approx([6000.0] * 3)
    assert batch.initial_usd.tolist() == pytest.approx([6000.0, 7500.0, 7500.0])
    assert batch.account_types == ("member", "non-HRP", "non-HRP")
    one = span_margin(book_of([("ZN", 3, DEC)]), params, customer=True)
    assert one.account_type == "non-HRP" and one.initial_usd == pytest.approx(7500.0)
    hrp = span_margin_batch(book, params.for_account_type("HRP"), customer=[False, True, True])
    assert hrp.initial_usd.tolist() == pytest.approx([6600.0] * 3)
    with pytest.raises(ValueError, match="shape"):
        span_margin_batch(book, params, customer=[True])


def test_cash_note_at_a_contract_point_nets_with_it_less_the_basis_charge():
    params = default_span_params()
    result = span_margin(book_of([("", 780.0, 6.75), ("ZN", -10, DEC)]), params)  # ZN point
    assert result.position_group == ("ZN", "ZN")
    assert result.position_contracts.tolist() == pytest.approx([10.0, -10.0])
    basis = 10 * params.cash_basis_rate * params.psr_usd("ZN")
    assert result.maintenance_usd == pytest.approx(basis)
    assert result.basis_charge_usd.tolist() == pytest.approx([basis])
    assert result.attribution_usd.sum() == pytest.approx(basis)
    # a new 10-year lies between TN (9.75y) and ZB (15.5y): split by maturity
    new = Position(UST, 10_000_000.0, coupon_pct=4.0, maturity=dt.date(2036, 7, 31))
    r2 = span_margin(span_book(Portfolio.of([new]), np.array([780.0]), CONTRACT_DV01, ASOF), params)
    years = (new.maturity - ASOF).days / 365.25
    w_zb = (years - 9.75) / (15.5 - 9.75)
    assert r2.position_group == ("TN+ZB",)
    eq = {c: q for _, c, q in r2.equivalents}
    assert eq["TN"] == pytest.approx(780 * (1 - w_zb) / 100.0)
    assert eq["ZB"] == pytest.approx(780 * w_zb / 150.0)


def test_user_cash_map_overrides_the_automatic_split():
    note = Position(
        UST, 10_000_000.0, coupon_pct=4.0, maturity=dt.date(2036, 7, 31), cusip="91282CKZ3"
    )
    mapping = CashMapping("91282CKZ3", "ZN", dt.date(2026, 12, 1), 0.85)
    params = dataclasses.replace(default_span_params(), cash_map=(mapping,))
    pf = Portfolio.of([note, fut("ZN", -85)])
    result = span_margin(span_book(pf, np.array([700.0, -85 * 78.0]), CONTRACT_DV01, ASOF), params)
    assert result.position_group == ("ZN", "ZN")
    assert result.position_contracts.tolist() == pytest.approx([85.0, -85.0])  # 10mm x 0.85 / 100k
    assert result.maintenance_usd == pytest.approx(
        85 * params.cash_basis_rate * params.psr_usd("ZN")
    )
    short = span_book(Portfolio.of([note.scaled(-1)]), np.array([-700.0]), CONTRACT_DV01, ASOF)
    assert span_margin(short, params).position_contracts.tolist() == pytest.approx([-85.0])


def test_whole_spreads_switch():
    """Whole spreads apply to contract-ratio groups (CME's); DV01-matched ones stay fractional."""
    params = default_span_params().with_psr({"ZB": 3100, "ZN": 1600})
    params = dataclasses.replace(
        params, scan_spreads=tuple(s for s in params.scan_spreads if s.basis == "delta")
    )
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
    note = Position(UST, 1e6, coupon_pct=4.0, maturity=dt.date(2033, 4, 30))
    book = span_book(Portfolio.of([note]), np.array([80.0]), {}, ASOF)
    with pytest.raises(ValueError, match=r"no DV01 for (ZF|ZN)"):
        span_margin(book, params)


# --- the slow reference ----------------------------------------------------------------------


def reference_rows(book: SpanBook, params):
    """(code, contracts, is_cash, sub_key, spot) rows by hand: futures as they are, mapped cash
    at face x CF / contract face, other cash split by maturity between bracketing points."""
    dv01 = dict(book.contract_dv01)
    points = sorted((p.point_years, p.code) for p in params.products if p.code in TREASURIES)
    mapping = {m.cusip: m for m in params.cash_map}
    rows = []
    for i in range(book.n_positions):
        code = str(book.code[i])
        if code:
            rows.append((code, float(book.quantity[i]), False, int(book.sub_key[i]), book.spot[i]))
            continue
        if book.cusip[i] in mapping:
            m = mapping[book.cusip[i]]
            q = float(book.face_usd[i]) * m.conversion_factor / get_contract(m.contract).face_usd
            rows.append((m.contract, q, True, m.month.toordinal(), False))
            continue
        t, d = float(book.years_to_maturity[i]), float(book.dv01_usd[i])
        if t <= points[0][0]:
            shares = [(points[0][1], 1.0)]
        elif t >= points[-1][0]:
            shares = [(points[-1][1], 1.0)]
        else:
            j = max(k for k in range(len(points)) if points[k][0] <= t)
            (t0, c0), (t1, c1) = points[j], points[j + 1]
            w = (t - t0) / (t1 - t0)
            shares = [(c0, 1 - w), (c1, w)]
        for c, w in shares:
            if w > 0:
                rows.append((c, d * w / dv01[c], True, int(book.sub_key[i]), False))
    return rows


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

    def dv01_of(code):
        return dv01.get(code) or get_contract(code).usd_per_bp

    net, cash_net, net_sub, spot_sub = {}, {}, {}, {}
    for code, q, is_cash, sub, spot in reference_rows(book, params):
        net[code] = net.get(code, 0.0) + q
        if is_cash:
            cash_net[code] = cash_net.get(code, 0.0) + q
        k = (code, is_cash, sub)
        net_sub[k] = net_sub.get(k, 0.0) + q
        if spot:
            spot_sub[k] = spot_sub.get(k, 0.0) + q
    intra_rate = {p.code: p.intra_spread_usd for p in params.products}
    spot_rate = {p.code: p.spot_usd for p in params.products}
    total = 0.0
    for code in net:
        for is_cash in (False, True):
            subs = [v for (c, k, _), v in net_sub.items() if c == code and k == is_cash]
            longs = sum(v for v in subs if v > 0)
            shorts = sum(-v for v in subs if v < 0)
            total += min(longs, shorts) * intra_rate[code]
        c, f = cash_net.get(code, 0.0), net[code] - cash_net.get(code, 0.0)
        if c * f < 0:
            total += params.cash_basis_rate * params.psr_usd(code) * min(abs(c), abs(f))
    for (code, _, _), v in spot_sub.items():
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
                sa, sb = (dv01_of(a), dv01_of(b)) if s.basis == "dv01" else (1.0, 1.0)
                n = min(abs(qa) * sa / ra, abs(qb) * sb / rb)
                la, lb = math.copysign(n * ra / sa, qa), math.copysign(n * rb / sb, qb)
                rem[a], rem[b] = qa - la, qb - lb
                for c in (a, b):
                    if abs(rem[c]) < 1e-9:
                        rem[c] = 0.0
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
        sa, sb = (dv01_of(a), dv01_of(b)) if s.basis == "dv01" else (1.0, 1.0)
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
    assert batch.to_frame().shape == (n_acc, 4)  # account, type, maintenance, initial


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
    zn = default_span_params().psr_usd("ZN")
    assert batch.maintenance_usd.tolist() == [2 * zn, 2 * zn]
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
