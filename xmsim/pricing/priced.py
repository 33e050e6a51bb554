"""The priced book :func:`xmsim.pricing.book.build_book` returns: every position as weights on
the discount-node vector (value = scale × (numer · DF) / den(DF)), its terms, and the values,
DV01s and bumps computed from it for many curves at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from xmsim.pricing.curve import (
    df_at_weights,
)


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
