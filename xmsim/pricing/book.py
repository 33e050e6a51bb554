"""Every position as a function of the discount-node vector, priced for many curves at once.

Each position's value is ``scale * (numer · DF) / den(DF)`` with ``DF`` the node discount
factors of :mod:`xmsim.pricing.curve` and ``den(DF)`` the discount factor at one date (1 for cash
bonds).
Because the curve interpolates DF linearly between nodes, this is **exact full revaluation**
under the curve model, and pricing many positions under many scenarios is two array products.

* UST: value = face/100 × dirty price.
* REPO (cash borrower): FICC holds the close leg, a forward purchase of the collateral at
  ``end_date`` for the forward price K fixed today: value = face/100 × (PV of the flows after
  the close − K × DF(close)); 0 on the base curve [METHODOLOGY §4, ASSUMED mapping].
  REVERSE_REPO: the negative (forward sale).
* Treasury future: contracts × face/100 × (forward dirty price of the CTD at delivery) / CF;
  P&L per contract = face/100 × ΔF with F = forward clean / CF (so DV01 = CTD forward DV01 / CF).
* SR3 / SR1 / ZQ: the reference-period forward rate R = (DF(t1)/DF(t2) − 1)/τ (τ act/360);
  value = −contracts × usd_per_bp × 1e4 × R: a long gains when rates fall [SRC CME specs].
* TIPS / AGENCY / BILL / STRIPS with a coupon and maturity: priced as their nominal Treasury
  stand-in (:func:`xmsim.portfolio.nominal_stand_in`) [ASSUMED approximation, only used to
  margin them outside the arrangement].
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from xmsim import contracts, dates
from xmsim.market import BASIS_FACTORS, ParCurve
from xmsim.portfolio import BILL, FUTURE, REPO, REVERSE_REPO, Portfolio, nominal_stand_in
from xmsim.pricing import bonds, futures
from xmsim.pricing.curve import (
    MAX_YEARS,
    N_NODES,
    df_at_weights,
    discount_nodes,
    node_weights,
    par_yields_at,
)
from xmsim.pricing.priced import CtdOverride, PositionTerms, PricingBook
from xmsim.units import DAYS_PER_YEAR, DAYS_PER_YEAR_ACT360

BUMP_BP = 1.0


def _schedule_time(cf: bonds.CashflowArrays, when: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ICMA time [years] of a date on each bond's own coupon schedule, and the period fraction
    elapsed at that date (for accrued interest). ``when`` shape (n_bonds,), datetime64[D]."""
    n = cf.times.shape[0]
    far = np.datetime64("2200-01-01")
    sched_dates = np.concatenate(
        [cf.prev_coupon[:, None], np.where(np.isnat(cf.dates), far, cf.dates)], axis=1
    )
    sched_times = np.concatenate([cf.times[:, :1] - 0.5, cf.times], axis=1)
    j = np.clip((sched_dates <= when[:, None]).sum(axis=1) - 1, 0, sched_dates.shape[1] - 2)
    rows = np.arange(n)
    a, b = sched_dates[rows, j], sched_dates[rows, j + 1]
    frac = (when - a).astype(float) / (b - a).astype(float)
    return sched_times[rows, j] + 0.5 * frac, frac


def _add_flows(numer: np.ndarray, rows: np.ndarray, times: np.ndarray, amounts: np.ndarray):
    """Accumulate cash flows (amounts at times, shape (n, m)) into ``numer`` rows in place."""
    idx, w = node_weights(times)
    r = np.broadcast_to(rows[:, None], times.shape)
    flat_l = (r * N_NODES + idx).ravel()
    vals_l = (amounts * (1.0 - w)).ravel()
    vals_r = (amounts * w).ravel()
    size = numer.size
    numer += np.bincount(flat_l, vals_l, minlength=size).reshape(numer.shape)
    numer += np.bincount(flat_l + 1, vals_r, minlength=size).reshape(numer.shape)


def _years(settle: dt.date, day) -> float:
    return (day - settle).days / DAYS_PER_YEAR


def build_book(
    portfolio: Portfolio,
    curve: ParCurve,
    ctd_overrides: dict[tuple[str, dt.date], CtdOverride] | None = None,
) -> PricingBook:
    """Stack a portfolio for vectorised valuation on ``curve`` (as-of = ``curve.asof``).

    Positions the pricer cannot model (an ineligible product without coupon and maturity) get
    zero weights and ``terms.priced == False``; callers report them, never silently.

    Parameters
    ----------
    portfolio : n_positions positions (face [USD] for cash, contracts for futures).
    curve : the base par curve [decimal]; its ``asof`` sets settlement.
    ctd_overrides : (contract code, expiry) -> user CTD (coupon [percent], maturity).

    Returns
    -------
    PricingBook whose value under node discount factors ``df`` of shape (n_curves, n_nodes) is
    ``book.values(df)`` [USD], shape (n_curves, n_positions).
    """
    b = _Builder(portfolio.positions, curve, ctd_overrides or {})
    cash, futures_rows = [], []
    for i, p in enumerate(b.positions):  # classification only; pricing is vectorised
        if p.product == FUTURE:
            futures_rows.append(i)
        elif p.maturity is None or (p.coupon_pct is None and p.product != BILL):
            b.ctd[i] = "not modelled: needs coupon and maturity"
        elif p.maturity <= b.settle:
            b.ctd[i] = "not modelled: matures before settlement"
        elif (p.maturity - b.settle).days / DAYS_PER_YEAR > MAX_YEARS - 0.01:
            b.ctd[i] = f"not modelled: matures more than {MAX_YEARS:g} years after settlement"
        else:
            cash.append(i)
    if cash:
        b.add_cash(np.array(cash))
    treasury = [
        i for i in futures_rows if contracts.get_contract(b.positions[i].contract).is_treasury
    ]
    if treasury:
        b.add_treasury_futures(np.array(treasury))
    for i in sorted(set(futures_rows) - set(treasury)):  # two node weights each
        b.add_rate_future(i)
    return b.finish()


class _Builder:
    """Accumulates the arrays of a :class:`PricingBook`, one product family at a time."""

    def __init__(self, positions, curve: ParCurve, overrides) -> None:
        n = len(positions)
        self.positions = positions
        self.curve = curve
        self.overrides = overrides
        self.settle = dates.settlement_date(curve.asof)
        self.base_df = discount_nodes(curve.yields)
        self.numer = np.zeros((n, N_NODES))
        self.den_idx = np.zeros(n, dtype=np.int64)
        self.den_w = np.zeros(n)
        self.scale = np.zeros(n)
        self.price = np.full(n, np.nan)
        self.mv = np.zeros(n)
        self.notional = np.zeros(n)
        self.cf = np.full(n, np.nan)
        self.ctd = [""] * n
        self.priced = np.zeros(n, dtype=bool)
        self.years = np.full(n, np.nan)
        self.basis = np.zeros((n, len(BASIS_FACTORS)))

    def _df(self, idx, w):
        return df_at_weights(self.base_df, idx, w)

    def add_cash(self, rows: np.ndarray) -> None:
        """UST (and ineligible cash as its nominal Treasury stand-in), REPO, REVERSE_REPO."""
        ps = [nominal_stand_in(self.positions[i]) for i in rows]
        cpn = np.array([p.coupon_pct / 100.0 for p in ps])
        mat = np.array([p.maturity for p in ps], dtype="datetime64[D]")
        kinds = np.array([p.product for p in ps])
        face = np.array([p.quantity for p in ps], dtype=float)
        is_repo = np.isin(kinds, [REPO, REVERSE_REPO])
        end = np.array(
            [p.end_date if r else self.settle for p, r in zip(ps, is_repo, strict=True)],
            dtype="datetime64[D]",
        )
        cf = bonds.stack_cashflows(cpn, mat, self.settle)
        local = np.zeros((rows.size, N_NODES))
        full = np.zeros((rows.size, N_NODES))
        # forward legs keep only the flows after the close date, less the forward price there
        forward_amounts = np.where(is_repo[:, None] & ~(cf.dates > end[:, None]), 0.0, cf.amounts)
        _add_flows(local, np.arange(rows.size), cf.times, forward_amounts)
        _add_flows(full, np.arange(rows.size), cf.times, cf.amounts)
        if np.any(is_repo):
            idx, w = node_weights(_schedule_time(cf, end)[0])
            k_fwd = (local @ self.base_df) / self._df(idx, w)  # forward dirty price per 100
            r = np.flatnonzero(is_repo)
            local[r, idx[r]] -= k_fwd[r] * (1 - w[r])
            local[r, idx[r] + 1] -= k_fwd[r] * w[r]
        dirty = full @ self.base_df
        sign = np.where(kinds == REVERSE_REPO, -1.0, 1.0)
        self.numer[rows] = local
        self.scale[rows] = sign * face / 100.0
        self.price[rows] = dirty - cf.accrued
        self.mv[rows] = np.where(is_repo, 0.0, face * dirty / 100.0)
        self.notional[rows] = face * sign
        self.priced[rows] = True
        self.years[rows] = (mat - np.datetime64(self.settle, "D")).astype(float) / DAYS_PER_YEAR

    def add_treasury_futures(self, rows: np.ndarray) -> None:
        """Treasury futures: CTD forward dirty price at delivery / CF (one CTD per month)."""
        ps = [self.positions[i] for i in rows]
        keys = sorted({(p.contract, p.expiry) for p in ps})
        key_pos = {k: j for j, k in enumerate(keys)}
        ctds = [ctd_for(code, expiry, self.curve, self.overrides) for code, expiry in keys]
        cpn = np.array([c[0] for c in ctds])
        conv = np.array(
            [
                futures.conversion_factor(code, c[0], c[1], expiry)
                for (code, expiry), c in zip(keys, ctds, strict=True)
            ]
        )
        deliv = np.array(
            [futures.delivery_date(code, expiry) for code, expiry in keys], dtype="datetime64[D]"
        )
        cf = bonds.stack_cashflows(
            cpn, np.array([c[1] for c in ctds], dtype="datetime64[D]"), self.settle
        )
        t_del, frac = _schedule_time(cf, deliv)
        kn = np.zeros((len(keys), N_NODES))
        _add_flows(
            kn, np.arange(len(keys)), cf.times, np.where(cf.dates > deliv[:, None], cf.amounts, 0.0)
        )
        idx, w = node_weights(t_del)
        fwd_clean = (kn @ self.base_df) / self._df(idx, w) - 100.0 * cpn / 2.0 * frac
        k = np.array([key_pos[(p.contract, p.expiry)] for p in ps])
        face = np.array([contracts.get_contract(p.contract).face_usd for p in ps])
        qty = np.array([p.quantity for p in ps], dtype=float)
        self.numer[rows] = kn[k]
        self.den_idx[rows], self.den_w[rows] = idx[k], w[k]
        self.scale[rows] = qty * face / 100.0 / conv[k]
        self.price[rows] = futures.futures_price_from_ctd_forward(fwd_clean[k], conv[k])
        self.notional[rows] = qty * face
        self.cf[rows] = conv[k]
        self.years[rows] = t_del[k]
        self.priced[rows] = True
        for i, kk in zip(rows, k, strict=True):
            self.ctd[i] = ctds[kk][2]

    def add_rate_future(self, i: int) -> None:
        """SR3 / SR1 / ZQ: value = −contracts × $/bp × 1e4 × R, R the simple act/360 forward
        over the reference period (only its unfixed part once the period has started)."""
        p = self.positions[i]
        spec = contracts.get_contract(p.contract)
        start, end = contracts.reference_period(spec.code, p.expiry)
        tau = (end - start).days / DAYS_PER_YEAR_ACT360
        t_start, t_end = _years(self.settle, start), _years(self.settle, end)
        t1, t2 = max(t_start, 0.0), max(t_end, 1e-6)
        remaining = min(1.0, (t2 - t1) / max(t_end - t_start, 1e-9))
        (i1,), (w1,) = node_weights(np.array([t1]))
        (i2,), (w2,) = node_weights(np.array([t2]))
        self.numer[i, i1] += 1 - w1
        self.numer[i, i1 + 1] += w1
        self.den_idx[i], self.den_w[i] = i2, w2
        self.scale[i] = -p.quantity * spec.usd_per_bp * 1e4 / tau * remaining
        fwd = (self._df(i1, w1) / self._df(i2, w2) - 1.0) / tau
        self.price[i] = 100.0 - 100.0 * fwd
        self.notional[i] = p.quantity * spec.face_usd
        # dV/dR = −contracts × $/bp × 1e4 × remaining: a 1 bp basis rise moves R by 1e-4
        factor = BASIS_FACTORS.index("EFFR" if spec.kind == "fedfunds" else "SOFR")
        self.basis[i, factor] = -p.quantity * spec.usd_per_bp * remaining
        self.ctd[i] = f"reference {start:%Y-%m-%d} to {end:%Y-%m-%d}"
        self.priced[i] = True
        self.years[i] = t2

    def finish(self) -> PricingBook:
        terms = PositionTerms(
            self.price, self.mv, self.notional, self.cf, tuple(self.ctd), self.priced, self.years
        )
        book = PricingBook(
            self.numer,
            self.den_idx,
            self.den_w,
            self.scale,
            np.zeros(self.scale.size),
            self.base_df,
            terms,
            self.curve.asof,
            self.settle,
            self.basis if self.basis.any() else None,
        )
        return dataclasses.replace(book, base_value_usd=book.values(self.base_df)[0])


def ctd_for(
    code: str,
    expiry: dt.date,
    curve: ParCurve,
    overrides: dict[tuple[str, dt.date], CtdOverride] | None = None,
) -> tuple[float, dt.date, str]:
    """The CTD used for a contract month: (coupon [decimal], maturity, description).

    A user override wins; otherwise METHODOLOGY §4's proxy [ASSUMED]: a hypothetical note at
    the shortest remaining term in the basket with a coupon at the curve's par yield.
    """
    key = (code, expiry.replace(day=1))
    if overrides and key in overrides:
        o = overrides[key]
        return o.coupon_pct / 100.0, o.maturity, f"CTD {o.coupon_pct:g}% {o.maturity} (user)"
    maturity = futures.proxy_ctd_maturity(code, expiry)
    settle = dates.settlement_date(curve.asof)
    cpn = float(par_yields_at(curve.yields, np.array([_years(settle, maturity)]))[0])
    return cpn, maturity, f"proxy CTD {cpn * 100:.3f}% {maturity} (par coupon, ASSUMED)"
