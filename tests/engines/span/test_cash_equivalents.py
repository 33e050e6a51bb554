"""Cash Treasuries inside SPAN as futures equivalents: the issue-13 properties.

Independent numbers: the same risk held as futures (the engine's own futures path, checked to
the cent against CME's examples in test_margin.py) plus the basis charge computed by hand; the
bracketing weights computed by hand; sweeps for cliffs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache

import numpy as np
import pytest

from xmsim.arrangement.models import bucket_dv01s
from xmsim.engines.span.margin import SpanBook, span_margin
from xmsim.engines.span.params_io import default_span_params
from xmsim.marketdata.defaults import default_curve

ASOF = dt.date(2026, 7, 31)
DEC = dt.date(2026, 12, 1)
PARAMS = default_span_params()
POINTS = dict(PARAMS.cash_points())
D = 100_000.0  # cash DV01 [USD per bp]


@cache
def dv01s() -> dict[str, float]:
    """One contract's DV01 [USD per bp] on the embedded 2026-07-31 market."""
    return bucket_dv01s(default_curve())


def book(rows) -> SpanBook:
    """rows: ("", dv01, years) cash or (code, contracts, expiry) futures."""
    cash = np.array([r[0] == "" for r in rows], dtype=bool)
    val = np.array([r[1] for r in rows], dtype=float)
    years = np.array([r[2] if r[0] == "" else np.nan for r in rows], dtype=float)
    sub = [int(r[2] * 1000) if r[0] == "" else r[2].toordinal() for r in rows]
    return SpanBook(
        asof=ASOF,
        code=np.array([r[0] for r in rows], dtype=str),
        quantity=np.where(cash, 0.0, val),
        dv01_usd=np.where(cash, val, 0.0),
        years_to_maturity=years,
        sub_key=np.array(sub, dtype=np.int64),
        spot=np.zeros(len(rows), dtype=bool),
        account=np.zeros(len(rows), dtype=np.int64),
        accounts=("A",),
        contract_dv01=tuple(dv01s().items()),
        labels=(),
    )


def margin(rows, params=PARAMS) -> float:
    return span_margin(book(rows), params).maintenance_usd if rows else 0.0


def saving(a, b, params=PARAMS) -> float:
    """1 - combined / (standalone a + standalone b) [fraction]."""
    return 1.0 - margin(a + b, params) / (margin(a, params) + margin(b, params))


def equivalent_futures(dv01: float, years: float, expiry=DEC):
    """The cash position's futures equivalents, by hand: DV01 split linearly in maturity."""
    pts = sorted((y, c) for c, y in POINTS.items())
    if years <= pts[0][0]:
        return [(pts[0][1], dv01 / dv01s()[pts[0][1]], expiry)]
    if years >= pts[-1][0]:
        return [(pts[-1][1], dv01 / dv01s()[pts[-1][1]], expiry)]
    j = max(k for k, (y, _) in enumerate(pts) if y <= years)
    (y0, c0), (y1, c1) = pts[j], pts[j + 1]
    w = (years - y0) / (y1 - y0)
    return [(c, dv01 * s / dv01s()[c], expiry) for c, s in ((c0, 1 - w), (c1, w)) if s > 0]


def nearest(years: float) -> str:
    return min(POINTS, key=lambda c: abs(POINTS[c] - years))


def hedge(years: float, code: str | None = None):
    code = code or nearest(years)
    return [(code, -D / dv01s()[code], DEC)]


@pytest.mark.parametrize("years", [1.5, 2.0, 2.5, 4.0, 6.0, 7.0, 9.0, 10.0, 12.0, 17.0, 22.0, 28.0])
@pytest.mark.parametrize("code", ["ZT", "Z3N", "ZF", "ZN", "TN", "ZB", "TWE", "UB"])
def test_cash_hedge_gets_the_futures_credit_less_the_basis_charge(years, code):
    cash = [("", D, years)]
    fut = equivalent_futures(D, years)
    h = hedge(years, code)
    assert margin(cash) == pytest.approx(margin(fut), rel=1e-12)  # same standalone
    # basis charge by hand: rate x PSR x contracts matched between cash and futures
    q_cash = sum(q for c, q, _ in fut if c == code)
    q_fut = h[0][1]
    basis = PARAMS.cash_basis_rate * PARAMS.psr_usd(code) * min(abs(q_cash), abs(q_fut))
    credit_cash = margin(cash) + margin(h) - margin(cash + h)
    credit_fut = margin(fut) + margin(h) - margin(fut + h)
    assert credit_cash >= credit_fut - basis - 1e-6
    assert credit_cash == pytest.approx(credit_fut - basis, abs=1e-6)
    assert saving(cash, h) > 0  # every tenor against every contract gets some credit


def test_maturity_sweep_against_the_nearest_contract_has_no_cliff():
    months = np.arange(24, 30 * 12 + 1)
    s = np.array([saving([("", D, m / 12)], hedge(m / 12)) for m in months])
    jumps = np.abs(np.diff(s))
    assert s.min() > 0
    assert jumps.max() <= 0.05, f"jump {jumps.max():.1%} at {months[np.argmax(jumps)] / 12:.2f}y"


def test_hedge_ratio_sweep_is_continuous():
    for years in (7.0, 10.0, 20.0):
        s = [saving([("", D, years)], hedge(years)) for _ in [0]]
        ratios = np.linspace(0.1, 2.0, 96)
        s = np.array(
            [saving([("", D, years)], [(c, q * r, e) for c, q, e in hedge(years)]) for r in ratios]
        )
        assert np.abs(np.diff(s)).max() <= 0.05


def test_sofr_strip_against_a_two_year_note_gets_the_sr3_zt_credit():
    strip = [("SR3", -D / 25.0 / 8, dt.date(2026 + (9 + 3 * k) // 12, (9 + 3 * k) % 12 or 12, 1))
             for k in range(8)]  # fmt: skip
    result = span_margin(book([("", D, 2.0), *strip]), PARAMS)
    assert [c.spread for c in result.inter_credits] == ["SR3-ZT"]
    assert saving([("", D, 2.0)], strip) > 0.3


def test_cash_only_books_get_no_credit_from_nothing():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = [("", float(rng.uniform(1e3, 1e5)), float(rng.uniform(1.1, 30))) for _ in range(3)]
        b = [("", float(rng.uniform(1e3, 1e5)), float(rng.uniform(1.1, 30))) for _ in range(3)]
        assert margin(a + b) == pytest.approx(margin(a) + margin(b), rel=1e-9)  # same sign
        assert margin(a + [(c, -v, y) for c, v, y in a]) == pytest.approx(0.0, abs=1e-6)
        twice = margin([(c, 2 * v, y) for c, v, y in a + b])
        assert twice == pytest.approx(2 * margin(a + b), rel=1e-9)
        assert margin(b + a) == pytest.approx(margin(a + b), rel=1e-12)


def test_futures_only_books_are_untouched_by_the_cash_parameters():
    rows = [("ZN", 10, DEC), ("ZB", -4, DEC), ("ZT", 7, DEC), ("SR3", -5, DEC)]
    loose = dataclasses.replace(PARAMS, cash_basis_rate=0.9)
    assert margin(rows) == margin(rows, loose)
    assert margin([("ZN", 10, DEC), ("ZN", -10, DEC)]) == 0.0
