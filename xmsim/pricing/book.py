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
from dataclasses import dataclass

import numpy as np
from scipy import sparse

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
from xmsim.units import DAYS_PER_YEAR, DAYS_PER_YEAR_ACT360

BUMP_BP = 1.0


@dataclass(frozen=True, slots=True)
class CtdOverride:
    """A user-supplied cheapest-to-deliver bond for one contract month."""

    coupon_pct: float
    maturity: dt.date


@dataclass(frozen=True, slots=True)
class PositionTerms:
    """What the pricer used for each position (display and audit), per position arrays.

    ``price`` is the clean price per 100 (futures: the futures price; rate futures: 100 − R);
    ``market_value_usd`` is face × dirty / 100 for cash (0 for repos and futures, which are
    forward contracts worth 0 at inception); ``notional_usd`` is face (cash) or contracts ×
    contract face; ``ctd`` describes the CTD used, ``cf`` its conversion factor (NaN otherwise).
    ``priced`` is False for positions the pricer cannot model (no coupon/maturity).
    """

    price: np.ndarray
    market_value_usd: np.ndarray
    notional_usd: np.ndarray
    cf: np.ndarray
    ctd: tuple[str, ...]
    priced: np.ndarray
    years_to_maturity: np.ndarray


@dataclass(frozen=True, slots=True)
class PricingBook:
    """Positions stacked for vectorised valuation.

    Attributes
    ----------
    numer : node weights [USD-scaled later], shape (n_positions, n_nodes).
    den_idx, den_w : the denominator DF(t) = (1 − w) DF[idx] + w DF[idx + 1], shape (n_positions,);
        (0, 0) for cash bonds (DF(0) = 1).
    scale : USD multiplier, shape (n_positions,).
    base_value_usd : value on the base curve, shape (n_positions,).
    base_df : the base curve's node DFs, shape (n_nodes,).
    terms : display/audit terms.
    basis_dv01_usd : P&L for a 1 bp rise of each basis factor of
        :data:`xmsim.market.BASIS_FACTORS` [USD per bp], shape (n_positions, n_basis): SR3 and
        SR1 on SOFR, ZQ on fed funds (their reference rate R rises with the basis), 0 otherwise;
        None: no position has one.
    """

    numer: np.ndarray
    den_idx: np.ndarray
    den_w: np.ndarray
    scale: np.ndarray
    base_value_usd: np.ndarray
    base_df: np.ndarray
    terms: PositionTerms
    asof: dt.date
    settlement: dt.date
    basis_dv01_usd: np.ndarray | None = None

    @property
    def n_positions(self) -> int:
        """Positions in the book [count]: length of ``scale``."""
        return self.scale.size

    def take(self, idx: np.ndarray) -> PricingBook:
        """The book of positions ``idx`` [index, shape (k,)] only (no re-pricing), in that
        order: k positions."""
        t = self.terms
        terms = PositionTerms(
            t.price[idx], t.market_value_usd[idx], t.notional_usd[idx], t.cf[idx],
            tuple(t.ctd[i] for i in idx), t.priced[idx], t.years_to_maturity[idx],
        )  # fmt: skip
        basis = None if self.basis_dv01_usd is None else self.basis_dv01_usd[idx]
        return dataclasses.replace(
            self, numer=self.numer[idx], den_idx=self.den_idx[idx], den_w=self.den_w[idx],
            scale=self.scale[idx], base_value_usd=self.base_value_usd[idx], terms=terms,
            basis_dv01_usd=basis,
        )  # fmt: skip

    def values(
        self, df: np.ndarray, cols: slice | np.ndarray | None = None, sparse_rows: bool = False
    ) -> np.ndarray:
        """Position values [USD] under node DFs ``df`` (n_curves, n_nodes) -> (n_curves, n_pos).

        ``sparse_rows``: the numerators as a sparse product (positions reading few nodes,
        such as futures: a CTD's coupons after delivery, a rate future's two nodes); equal to
        the dense product up to rounding."""
        sel = slice(None) if cols is None else cols
        df2 = np.atleast_2d(df)
        if sparse_rows:
            num = np.asarray(sparse.csr_matrix(self.numer[sel]) @ df2.T).T
        else:
            num = df2 @ self.numer[sel].T
        i, w = self.den_idx[sel], self.den_w[sel]
        if not (df2[:, 0] == 1.0).all():
            return self.scale[sel] * num / df_at_weights(df2, i, w)
        out = self.scale[sel] * num  # cash divides by DF(0) = 1: only futures are divided
        fut = np.flatnonzero((i != 0) | (w != 0.0))
        if fut.size:
            out[:, fut] /= df_at_weights(df2, i[fut], w[fut])
        return out

    def pnl(
        self, df: np.ndarray, cols: slice | np.ndarray | None = None, sparse_rows: bool = False
    ) -> np.ndarray:
        """Position P&L against the base curve [USD], shape (n_curves, n_pos)."""
        sel = slice(None) if cols is None else cols
        return self.values(df, sel, sparse_rows) - self.base_value_usd[sel]

    def pnl_by_group(self, df: np.ndarray, group_ids: np.ndarray, n_groups: int) -> np.ndarray:
        """P&L summed within groups of positions [USD], shape (n_curves, n_groups).

        Exact and fast: for a fixed denominator date a value is linear in its node weights, so
        positions sharing a group and a denominator date (every cash bond; the futures of one
        contract month) are summed into one weight row *before* the matrix product.

        Parameters
        ----------
        df : node DFs, shape (n_curves, n_nodes).
        group_ids : group of each position, shape (n_positions,), values in [0, n_groups).
        """
        df2 = np.atleast_2d(df)
        n = self.n_positions
        gid = np.asarray(group_ids, dtype=np.int64)
        if n == 0:
            return np.zeros((df2.shape[0], n_groups))
        dens, den_key = np.unique(
            np.column_stack([self.den_idx, self.den_w]), axis=0, return_inverse=True
        )
        combo = den_key.ravel() * n_groups + gid
        used, row = np.unique(combo, return_inverse=True)
        rows = sparse.csr_matrix((self.scale, (row.ravel(), np.arange(n))), shape=(used.size, n))
        weights = np.asarray(rows @ self.numer)  # (n_used, n_nodes)
        values = df2 @ weights.T  # (n_curves, n_used), columns sorted by denominator key
        bounds = np.searchsorted(used // n_groups, np.arange(len(dens) + 1))
        for k, (i, w) in enumerate(dens):  # one slice per delivery date, not per position
            if i == 0 and w == 0.0:
                continue  # cash: DF(0) = 1
            i = int(i)
            values[:, bounds[k] : bounds[k + 1]] /= df_at_weights(df2, i, w)[:, None]
        to_group = sparse.csr_matrix(
            (np.ones(used.size), (np.arange(used.size), used % n_groups)),
            shape=(used.size, n_groups),
        )
        base = np.bincount(gid, self.base_value_usd, minlength=n_groups)
        return np.asarray(values @ to_group) - base

    def portfolio_pnl(self, df: np.ndarray) -> np.ndarray:
        """P&L of all positions together [USD], shape (n_curves,)."""
        return self.pnl_by_group(df, np.zeros(self.n_positions, dtype=np.int64), 1)[:, 0]


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
