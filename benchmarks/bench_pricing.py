"""Vectorised bond pricing under many curves: xmsim vs QuantLib "the fast way" (prints only).

10,000 random Treasury notes and bonds (coupons 0.5-7%, maturities 1.1-30y, as of 2026-07-31)
under 2,500 par-curve scenarios (the default market's base curve plus its 3-day historical
shocks). Target: xmsim >= 20x QuantLib in bond-scenarios per second.

Run: ``python benchmarks/bench_pricing.py [--bonds N] [--scenarios N] [--ql-sample N]``.
QuantLib is a benchmark/test-only dependency; xmsim never imports it.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt

import numpy as np
from _util import best_of, fmt_s, once

from xmsim import dates
from xmsim.engines.var.engine import VarEngine
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import UST, Portfolio, Position
from xmsim.pricing import bonds
from xmsim.pricing.curve import NODE_YEARS, discount_nodes
from xmsim.pricing.risk import build_book

ASOF = dt.date(2026, 7, 31)


def random_bonds(n: int, settle: dt.date, seed: int = 7) -> tuple[np.ndarray, list[dt.date]]:
    """Coupons [decimal] on a 1/8% grid in 0.5-7% and maturities 1.1-30y from settlement:
    a third on the 15th, a third on month ends (EOM rule), a third on any day."""
    rng = np.random.default_rng(seed)
    coupon = rng.integers(4, 57, n) * 0.00125
    # 29.9y upper bound: snapping to the month end may add up to a month; the curve stops at 30y
    years = rng.uniform(1.1, 29.9, n)
    mats = []
    for i, y in enumerate(years):
        day = settle + dt.timedelta(days=int(y * 365.25))
        last = calendar.monthrange(day.year, day.month)[1]
        mats.append([day.replace(day=15), day.replace(day=last), day][i % 3])
    return coupon, mats


def scenario_pars(n_scenarios: int) -> tuple[np.ndarray, np.ndarray]:
    """Base par curve [decimal] and ``n_scenarios`` shocked curves, shape (n_scenarios, 13).

    The default engine has ~2,500 historical 3-day shocks; they are reused cyclically if fewer.
    """
    market = default_market()
    shocks = VarEngine(market).scenarios.shocks
    return market.curve.yields, market.curve.yields + np.resize(shocks, (n_scenarios, 13))


# --------------------------------------------------------------------------------------------
# QuantLib
# --------------------------------------------------------------------------------------------


def _qd(day: dt.date):
    import QuantLib as ql

    return ql.Date(day.day, day.month, day.year)


def ql_bonds(coupon, mats, settle: dt.date, handle):
    """10,000 FixedRateBond objects sharing one DiscountingBondEngine on ``handle``.

    The set-up is tests/test_bonds_quantlib.py's (checked there to agree with xmsim's yield
    analytics to 1e-13): backward unadjusted schedule, EOM rule at month-end maturities,
    ActualActual(ISMA). Evaluation date = settlement date and 0 settlement days, so QuantLib's
    settlement date equals xmsim's T+1 date.
    """
    import QuantLib as ql

    ql.Settings.instance().evaluationDate = _qd(settle)
    engine = ql.DiscountingBondEngine(handle)
    effective = _qd(settle - dt.timedelta(days=400))  # stub never touches the live period
    out = []
    for c, m in zip(coupon, mats, strict=True):
        eom = m.day == calendar.monthrange(m.year, m.month)[1]
        sched = ql.Schedule(
            effective,
            _qd(m),
            ql.Period(6, ql.Months),
            ql.NullCalendar(),
            ql.Unadjusted,
            ql.Unadjusted,
            ql.DateGeneration.Backward,
            eom,
        )
        dc = ql.ActualActual(ql.ActualActual.ISMA, sched)
        b = ql.FixedRateBond(0, 100.0, sched, [float(c)], dc, ql.Unadjusted, 100.0, effective)
        b.setPricingEngine(engine)
        out.append(b)
    return out


def node_dates(settle: dt.date, grid: str) -> list:
    """QuantLib dates of the curve nodes.

    ``days``: settlement + round(node_years x 365.25) days (the plain mapping);
    ``months``: settlement + k calendar months, so a flow exactly 6j months after settlement
    sits on a node in both libraries and node k is 1/12 year apart in both.
    """
    import QuantLib as ql

    s = _qd(settle)
    if grid == "days":
        return [s + round(t * 365.25) for t in NODE_YEARS]
    return [s + ql.Period(k, ql.Months) for k in range(NODE_YEARS.size)]


def ql_dirty(bonds_ql, handle, df_nodes: np.ndarray, qdates: list, day_counter) -> np.ndarray:
    """Relink ``handle`` to a log-linear ql.DiscountCurve on ``qdates`` and price every bond."""
    import QuantLib as ql

    handle.linkTo(ql.DiscountCurve(qdates, df_nodes.tolist(), day_counter))
    return np.fromiter((b.dirtyPrice() for b in bonds_ql), float, len(bonds_ql))


def ql_dirty_aligned(coupon, mats, settle: dt.date, bonds_ql, df_nodes: np.ndarray) -> np.ndarray:
    """QuantLib dirty prices with curve times equal to xmsim's ICMA times.

    Bonds are grouped by coupon cycle (month mod 6, day, end-of-month rule); each group gets its
    own curve whose day counter is ActualActual(ISMA) on a schedule of that cycle, so QuantLib's
    time of every payment date is exactly xmsim's ICMA time (periods / 2). Nodes sit on
    settlement + k months; each node's DF is xmsim's curve (linear DF between monthly nodes)
    read at that node's ICMA time. What is left is log-linear vs linear interpolation only.
    Rebinds the bonds' pricing engines: call last.
    """
    import QuantLib as ql

    from xmsim.pricing.curve import discount_at

    groups: dict[tuple, list[int]] = {}
    for i, m in enumerate(mats):
        eom = m.day == calendar.monthrange(m.year, m.month)[1]
        groups.setdefault((m.month % 6, 0 if eom else m.day, eom), []).append(i)
    s = _qd(settle)
    qdates = node_dates(settle, "months")
    out = np.empty(len(mats))
    for members in groups.values():
        m = mats[members[0]]
        year = settle.year + 32  # one schedule long enough for every node date
        end = dt.date(year, m.month, min(m.day, calendar.monthrange(year, m.month)[1]))
        eom = m.day == calendar.monthrange(m.year, m.month)[1]
        sched = ql.Schedule(_qd(settle - dt.timedelta(days=400)), _qd(end), ql.Period(6, ql.Months),
                            ql.NullCalendar(), ql.Unadjusted, ql.Unadjusted,
                            ql.DateGeneration.Backward, eom)  # fmt: skip
        dc = ql.ActualActual(ql.ActualActual.ISMA, sched)
        t = np.array([dc.yearFraction(s, d) for d in qdates])
        curve = ql.DiscountCurve(qdates, discount_at(df_nodes, t).tolist(), dc)
        engine = ql.DiscountingBondEngine(ql.YieldTermStructureHandle(curve))
        for i in members:
            bonds_ql[i].setPricingEngine(engine)
            out[i] = bonds_ql[i].dirtyPrice()
    return out


def loglinear_at_icma(cf: bonds.CashflowArrays, df_nodes: np.ndarray) -> np.ndarray:
    """xmsim's flows and ICMA times, but DF log-linear between nodes (QuantLib's interpolation):
    isolates the interpolation part of the difference [per 100 face], shape (n_bonds,)."""
    log_df = np.interp(cf.times, NODE_YEARS, np.log(df_nodes))
    return (cf.amounts * np.exp(log_df)).sum(axis=1)


def rel_stats(ours: np.ndarray, theirs: np.ndarray, dv01: np.ndarray) -> str:
    """Relative price differences, and the largest as a yield difference [bp] (Δprice / DV01)."""
    rel = np.abs(ours / theirs - 1.0)
    bp = np.abs(ours - theirs) / dv01
    return (
        f"max {rel.max():.2e}, median {np.median(rel):.2e}, 99th pct {np.quantile(rel, 0.99):.2e}"
        f" (max {bp.max():.3f} bp of yield, {np.abs(ours - theirs).max() * 100:.2f} cents/100)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bonds", type=int, default=10_000)
    ap.add_argument("--scenarios", type=int, default=2_500)
    ap.add_argument("--ql-sample", type=int, default=10, help="QuantLib scenarios timed")
    args = ap.parse_args()
    n_b, n_s = args.bonds, args.scenarios
    settle = dates.settlement_date(ASOF)
    coupon, mats = random_bonds(n_b, settle)
    portfolio = Portfolio.of(
        Position(UST, 100.0, coupon_pct=float(c * 100), maturity=m)
        for c, m in zip(coupon, mats, strict=True)
    )  # face 100: each value is the dirty price per 100
    base_par, pars = scenario_pars(n_s)
    curve = default_market().curve
    print(f"{n_b:,} bonds x {n_s:,} curves, as of {ASOF}, settlement {settle}")

    t_stack, _ = best_of(lambda: bonds.stack_cashflows(coupon, mats, settle), 3)
    t_book, book = best_of(lambda: build_book(portfolio, curve), 3)
    t_df, df = best_of(lambda: discount_nodes(pars), 5)
    t_val, vals = best_of(lambda: book.values(df), 3)
    print(f"(a) build_book, once (stack_cashflows alone {t_stack * 1e3:.1f} ms): {fmt_s(t_book)}")
    print(f"(b) discount_nodes for {n_s:,} curves:                   {fmt_s(t_df)}")
    print(f"(c) book.values(df) -> {vals.shape}:                {fmt_s(t_val)}")
    xm_rate = n_b * n_s / (t_df + t_val)
    print(
        f"xmsim: {n_b * n_s / t_val:,.0f} bond-scenarios/s (values only); "
        f"{xm_rate:,.0f} with discount_nodes; {n_b * n_s / (t_book + t_df + t_val):,.0f} "
        "including the one-off book build"
    )
    del vals

    try:
        import QuantLib as ql
    except ImportError:
        print("QuantLib not installed: comparison skipped")
        return
    handle = ql.RelinkableYieldTermStructureHandle()
    t_build, bql = once(lambda: ql_bonds(coupon, mats, settle, handle))
    print(f"QuantLib: built {n_b:,} FixedRateBond objects once in {t_build:.2f} s")
    qdates, a365 = node_dates(settle, "days"), ql.Actual365Fixed()
    sample = np.linspace(0, n_s - 1, args.ql_sample).astype(int)
    ql_dirty(bql, handle, df[0], qdates, a365)  # warm-up
    t0 = dt.datetime.now()
    times, ql_prices = [], []
    for k in sample:
        t_one, p = once(lambda k=k: ql_dirty(bql, handle, df[k], qdates, a365))
        times.append(t_one)
        ql_prices.append(p)
    per_scen = float(np.mean(times))
    ql_rate = n_b / per_scen
    print(
        f"QuantLib: {per_scen * 1e3:.0f} ms per scenario (mean of {sample.size}, "
        f"{(dt.datetime.now() - t0).total_seconds():.1f} s), extrapolated "
        f"{per_scen * n_s:,.0f} s for {n_s:,} scenarios; {ql_rate:,.0f} bond-scenarios/s"
    )
    print(
        f"ratio xmsim / QuantLib: {xm_rate / ql_rate:,.0f}x with discount_nodes "
        f"({n_b * n_s / t_val / ql_rate:,.0f}x values only) (target >= 20x)"
    )

    # Accuracy on the base curve. Convention differences (why the plain comparison is not exact):
    # * time: xmsim discounts each flow at its ICMA time (coupon periods from settlement / 2,
    #   the fraction of the current period by actual days); QuantLib at its curve day counter's
    #   time of the payment date. Actual days / 365.25 and periods / 2 differ by up to ~2 days
    #   (half-years are 181-184 days), i.e. ~1e-4 of a flow's DF at 4-5% rates.
    # * interpolation: xmsim is linear in DF between monthly nodes (prices are linear in the
    #   node vector); QuantLib's DiscountCurve is log-linear. Below 3e-6 per flow (curve.py).
    base_df = discount_nodes(base_par)
    ours = book.values(base_df)[0]
    cf = bonds.stack_cashflows(coupon, mats, settle)
    ytm = bonds.yield_from_price(cf, ours - cf.accrued)
    dv01 = bonds.dv01_from_yield(cf, ytm)  # per 100 face per bp
    ql_base = ql_dirty(bql, handle, base_df, qdates, a365)
    pnl_ql = np.array(ql_prices) - ql_base
    pnl_xm = book.values(df[sample]) - ours
    err = np.abs(pnl_xm - pnl_ql)
    print(
        f"P&L vs base over the {sample.size} timed scenarios (plain node mapping): "
        f"sum|diff| / sum|P&L| = {err.sum() / np.abs(pnl_ql).sum():.2e}, max |diff| "
        f"{err.max() * 100:.3f} cents/100 (median |P&L| {np.median(np.abs(pnl_ql)) * 100:.1f})"
    )
    print("accuracy on the base curve, |xmsim / QuantLib - 1| of dirty prices:")
    grids = [
        ("nodes on settle + round(t x 365.25) days, Actual365Fixed", "days", a365),
        ("nodes on settle + k months, Actual365Fixed", "months", a365),
        ("nodes on settle + k months, Thirty360", "months", ql.Thirty360(ql.Thirty360.BondBasis)),
    ]
    for label, grid, dc in grids:
        theirs = ql_dirty(bql, handle, base_df, node_dates(settle, grid), dc)
        print(f"  {label}: {rel_stats(ours, theirs, dv01)}")
    print(
        "  numpy, xmsim flows at ICMA times with log-linear DF (interpolation alone): "
        f"{rel_stats(ours, loglinear_at_icma(cf, base_df), dv01)}"
    )
    aligned = ql_dirty_aligned(coupon, mats, settle, bql, base_df)
    print(
        "  QuantLib, ActualActual(ISMA) curve per coupon cycle (times agree; log-linear left): "
        f"{rel_stats(ours, aligned, dv01)}"
    )


if __name__ == "__main__":
    main()
