"""QuantLib as an independent oracle for bond analytics and the settlement calendar.

QuantLib is a test-only dependency: xmsim itself never imports it (checked below).

QuantLib set-up for a U.S. Treasury: ``FixedRateBond`` with settlement days 1, a backward
schedule from maturity with the end-of-month rule when the maturity is a month end, unadjusted
coupon dates and payments (Treasuries pay on the next business day but accrue and discount to
the unadjusted date), ``ActualActual(ISMA, schedule)`` for both the coupons and the yield, and
``Compounded, Semiannual`` yields. That is exactly xmsim's street convention
(``first_period="compound"``), so agreement is to rounding. Known convention differences, not
exercised here: QuantLib has no Treasury "simple first period" method (31 CFR 356 App. B,
``first_period="simple"``), and neither library applies SIFMA's money-market yield in the final
coupon period. QuantLib's ``basisPointValue`` is a second-order estimate for a 1 bp *rise*
(negative for a long); xmsim's DV01 is the exact first derivative for a 1 bp fall, so it is
compared with QuantLib's modified duration × dirty price × 1 bp.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from xmsim import dates
from xmsim.pricing import bonds

ql = pytest.importorskip("QuantLib")

D = dt.date
REL_TOL = 1e-10  # the brief asks for 1e-8; observed agreement is ~1e-13


def _qd(day: dt.date):
    return ql.Date(day.day, day.month, day.year)


def _is_eom(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _ql_bond(cpn: float, mat: dt.date, settle: dt.date, issue=None, first=None):
    # Without an issue date, start the schedule long before settlement so that QuantLib's
    # initial stub never touches the settlement period.
    effective = issue or settle - dt.timedelta(days=400)
    schedule = ql.Schedule(
        _qd(effective),
        _qd(mat),
        ql.Period(6, ql.Months),
        ql.NullCalendar(),
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Backward,
        _is_eom(mat),
        _qd(first) if first else ql.Date(),
    )
    dc = ql.ActualActual(ql.ActualActual.ISMA, schedule)
    bond = ql.FixedRateBond(1, 100.0, schedule, [cpn], dc, ql.Unadjusted, 100.0, _qd(effective))
    return bond, dc


def _ql_measures(bond, dc, settle: dt.date, y: float, clean_for_yield: float):
    ql.Settings.instance().evaluationDate = _qd(settle)
    s = _qd(settle)
    clean = ql.BondFunctions.cleanPrice(bond, y, dc, ql.Compounded, ql.Semiannual, s)
    accrued = ql.BondFunctions.accruedAmount(bond, s)
    rate = ql.InterestRate(y, dc, ql.Compounded, ql.Semiannual)
    mod_dur = ql.BondFunctions.duration(bond, rate, ql.Duration.Modified, s)
    cx = ql.BondFunctions.convexity(bond, rate, s)
    price = ql.BondPrice(clean_for_yield, ql.BondPrice.Clean)
    yld = ql.BondFunctions.bondYield(
        bond, price, dc, ql.Compounded, ql.Semiannual, s, 1e-15, 1000, 0.05
    )
    return clean, accrued, mod_dur * (clean + accrued) * 1e-4, cx, yld


def _random_bonds(n: int, seed: int):
    """Treasury-like bonds: coupons on a 1/8% grid, maturities on the 15th, month ends or
    any day, settlement on random days, on coupon dates and on leap days."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        settle = D(2000, 1, 3) + dt.timedelta(days=int(rng.integers(0, 35 * 365)))
        target = settle + dt.timedelta(days=int(rng.uniform(1.1, 30.0) * 365.25))
        last = calendar.monthrange(target.year, target.month)[1]
        mat = [target.replace(day=15), target.replace(day=last), target][i % 3]
        if mat <= settle + dt.timedelta(days=400):
            mat = target
        if i % 7 == 0:  # settle on a coupon date
            back = bonds.coupon_dates_back(np.array([mat], dtype="datetime64[D]"))[0]
            settle = back[(back > np.datetime64(settle)).sum()].item()
        if i % 11 == 0:  # leap days
            settle = [D(2012, 2, 29), D(2016, 2, 29), D(2024, 2, 29), D(2028, 2, 29)][i % 4]
            mat = [D(2032, 2, 29), D(2030, 8, 31), D(2044, 2, 29), D(2053, 8, 31)][i % 4]
        cpn = int(rng.integers(1, 65)) * 0.00125
        rows.append((cpn, mat, settle, float(rng.uniform(0.001, 0.09))))
    return rows


def _check(cpn, mat, settle, y, issue=None, first=None):
    cf = bonds.stack_cashflows([cpn], [mat], settle, issue_date=issue, first_coupon=first)
    ours_clean = bonds.clean_price_from_yield(cf, y)[0]
    bond, dc = _ql_bond(cpn, mat, settle, issue, first)
    clean, accrued, dv01, cx, yld = _ql_measures(bond, dc, settle, y, ours_clean)
    errors = {
        "clean price": abs(ours_clean / clean - 1),
        "accrued": abs(cf.accrued[0] - accrued) / max(accrued, 1e-2),
        "dv01": abs(bonds.dv01_from_yield(cf, y)[0] / dv01 - 1),
        "convexity": abs(bonds.convexity(cf, y)[0] / cx - 1),
        "yield from price": abs(bonds.yield_from_price(cf, clean)[0] - y) / max(y, 1e-2),
        "QuantLib yield of our price": abs(yld - y) / max(y, 1e-2),
    }
    return errors


@pytest.mark.parametrize("seed", [1, 2])
def test_random_treasuries_agree_with_quantlib(seed):
    worst: dict[str, float] = {}
    for cpn, mat, settle, y in _random_bonds(200, seed):
        for key, err in _check(cpn, mat, settle, y).items():
            worst[key] = max(worst.get(key, 0.0), err)
            assert err < REL_TOL, (key, cpn, mat, settle, y, err)
    print(f"\nmax relative errors vs QuantLib (seed {seed}): {worst}")


def test_odd_first_coupons_agree_with_quantlib():
    """Short and long first periods (when-issued / new issues) against QuantLib schedules with
    an issue date (and ``firstDate`` for a long first coupon)."""
    rng = np.random.default_rng(3)
    n_checked = 0
    for _ in range(60):
        mat = D(2030, 1, 15) + dt.timedelta(days=int(rng.integers(0, 20 * 365)))
        mat = mat.replace(day=15) if rng.random() < 0.5 else mat
        back = bonds.coupon_dates_back(np.array([mat], dtype="datetime64[D]"))[0]
        k = int(rng.integers(4, 10))
        long_first = bool(rng.random() < 0.5)
        start = back[k + (1 if long_first else 0)].item()
        issue = start + dt.timedelta(days=int(rng.integers(1, 170)))
        first = back[k - 1].item() if long_first else None
        end_first = back[k - 1].item()
        settle = issue + dt.timedelta(days=int(rng.integers(0, (end_first - issue).days)))
        cpn = int(rng.integers(1, 65)) * 0.00125
        for key, err in _check(cpn, mat, settle, 0.045, issue, first).items():
            assert err < REL_TOL, (key, mat, issue, first, settle, err)
        n_checked += 1
    assert n_checked == 60


# SIFMA (``holidays`` XSIF) and QuantLib's UnitedStates.GovernmentBond disagree on these days:
KNOWN_CALENDAR_DIFFERENCES = {
    # Good Friday 1996: the bond market was open (jobs report); ``holidays`` marks it closed.
    D(1996, 4, 5),
    # 12 Sep 2001: bond market closed after 9/11; QuantLib only closes 11 Sep.
    D(2001, 9, 12),
    # Good Friday 2034 falls on the first Friday of April: QuantLib assumes SIFMA's
    # jobs-report early close (open), ``holidays`` a full close. Unknowable today.
    D(2034, 4, 7),
}


def test_settlement_dates_agree_with_quantlib_government_bond_calendar():
    cal = ql.UnitedStates(ql.UnitedStates.GovernmentBond)
    day, end = D(1996, 1, 2), D(2035, 12, 31)  # ``holidays`` has no XSIF data before 1996
    differ, n_dates = set(), 0
    while day <= end:
        if day.weekday() < 5:
            n_dates += 1
            ql_open = cal.isBusinessDay(_qd(day))
            if ql_open != dates.is_business_day(day):
                differ.add(day)
            elif ql_open:
                expected = cal.advance(_qd(day), 1, ql.Days)
                ours = dates.settlement_date(day)
                if _qd(ours) != expected:
                    differ.add(day)
        day += dt.timedelta(days=1)
    assert n_dates > 10_000
    # days next to a disputed holiday settle differently too; allow those
    neighbours = {d - dt.timedelta(days=k) for d in KNOWN_CALENDAR_DIFFERENCES for k in range(5)}
    assert differ <= neighbours, sorted(differ - neighbours)
    assert differ >= KNOWN_CALENDAR_DIFFERENCES


def test_xmsim_never_imports_quantlib():
    package = Path(bonds.__file__).resolve().parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "import QuantLib" in path.read_text(encoding="utf-8")
        or "from QuantLib" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
