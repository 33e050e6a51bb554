"""The exact batched evaluator of :mod:`xmsim.optimize`: requirement totals of many candidates.

A candidate is ``base + sum_j q_j * (one contract of column j)``. What does not move with ``q``
is margined once by the engines; VaR P&L, the SPAN book and the arrangement of every candidate
of a chunk are computed in one vectorised pass (method: :mod:`xmsim.optimize`, step 1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from xmsim.arrangement.crossmargin import (
    CUSTOMER_ARRANGEMENT,
    LEG_CME,
    LEG_FICC,
    N_LEGS,
    LegMargins,
    assign_legs,
    run_arrangement,
)
from xmsim.engines.span.margin import SpanBook, span_margin_batch
from xmsim.engines.var.engine import gross_position_usd
from xmsim.portfolio import FUTURE, Portfolio, Position
from xmsim.pricing.risk import PositionTerms, PricingBook, position_risk
from xmsim.simulate import Simulator

CHUNK = 128
"""Candidates per engine pass (bounds memory: n_scenarios x CHUNK P&L matrices)."""


@dataclass(frozen=True)
class _Fixed:
    """A :class:`~xmsim.arrangement.crossmargin.MarginModel` returning precomputed margins per
    account."""

    name: str
    margins: LegMargins

    def leg_margins(self, portfolio, book, account_idx, leg, n_accounts, customer=None):
        return self.margins


def _net_rows(book: SpanBook) -> SpanBook:
    """The same SPAN book with rows netted per (contract, expiry or maturity, spot flag).

    SPAN reads only these net amounts (scan and spreads: net per CC; calendar and spot charges:
    net per expiry or maturity), so the margin is unchanged.
    """
    if book.n_positions == 0:
        return book
    _, code_id = np.unique(book.code, return_inverse=True)
    _, cusip_id = np.unique(book.cusip.astype(str), return_inverse=True)
    key = np.stack(
        [code_id, book.sub_key, book.spot.astype(np.int64), cusip_id.reshape(-1)], axis=1
    )
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    n = first.size
    return dataclasses.replace(
        book,
        code=book.code[first],
        quantity=np.bincount(inv, book.quantity, n),
        dv01_usd=np.bincount(inv, book.dv01_usd, n),
        years_to_maturity=book.years_to_maturity[first],
        sub_key=book.sub_key[first],
        spot=book.spot[first],
        account=np.zeros(n, dtype=np.int64),
        accounts=("ALL",),
        labels=(),
        cusip=book.cusip[first],
        face_usd=np.bincount(inv, book.face_usd, n),
    )


_SPAN_FIELDS = ("code", "dv01_usd", "years_to_maturity", "sub_key", "spot", "cusip", "face_usd")


def _compress_span(book: SpanBook | None, params, keep: set[tuple[str, int]]) -> SpanBook | None:
    """An equivalent SPAN book with at most two futures rows (long, short) per contract.

    Per contract, SPAN reads the net futures, the sums of positive and of negative nets per
    expiry (calendar charge) and the spot-month nets. Cash rows (netted per maturity and CUSIP
    by :func:`_net_rows`), rows in the spot month and rows at an expiry some candidate trades
    (``keep``: (code, expiry ordinal)) stay as they are; the other futures are netted into one
    long and one short row per contract under fresh expiry keys, which leaves every one of
    those quantities unchanged.
    """
    if book is None or book.n_positions == 0:
        return book
    book = _net_rows(book)
    kept = (book.code == "") | book.spot
    keys = zip(book.code, book.sub_key.tolist(), strict=True)
    kept |= np.array([(c, k) in keep for c, k in keys], dtype=bool)
    rows = np.flatnonzero(kept)
    rest = np.flatnonzero(~kept & (book.quantity != 0))
    _, code_id = np.unique(book.code[rest], return_inverse=True)
    grp = code_id.reshape(-1) * 2 + (book.quantity[rest] > 0)
    uniq, first, inv = np.unique(grp, return_index=True, return_inverse=True)
    src = rest[first]
    n_new = uniq.size
    quantity = np.concatenate([book.quantity[rows], np.bincount(inv, book.quantity[rest], n_new)])
    dv01 = np.concatenate([book.dv01_usd[rows], np.bincount(inv, book.dv01_usd[rest], n_new)])
    idx = np.concatenate([rows, src])
    n = idx.size
    return dataclasses.replace(
        book,
        code=book.code[idx],
        quantity=quantity,
        dv01_usd=dv01,
        years_to_maturity=book.years_to_maturity[idx],
        sub_key=np.concatenate([book.sub_key[rows], -1 - uniq]),  # fresh keys: no real date
        spot=np.concatenate([book.spot[rows], np.zeros(n_new, dtype=bool)]),
        account=np.zeros(n, dtype=np.int64),
        labels=("",) * n,
        cusip=book.cusip[idx],
        face_usd=np.concatenate([book.face_usd[rows], np.zeros(n_new)]),
    )


def _tile_span(bases: Sequence[SpanBook | None], cols: SpanBook, qty: np.ndarray) -> SpanBook:
    """One SPAN book whose account ``b * n_cand + k`` holds ``bases[b]`` plus the column
    futures with quantities ``qty[k]`` [contracts], ``qty`` shape (n_cand, n_cols)."""
    n_cand, n_cols = qty.shape
    parts: dict[str, list[np.ndarray]] = {f: [] for f in (*_SPAN_FIELDS, "quantity", "account")}
    dv01s = dict(cols.contract_dv01)
    for b, base in enumerate(bases):
        off = b * n_cand
        if base is not None and base.n_positions:
            for f in (*_SPAN_FIELDS, "quantity"):
                parts[f].append(np.tile(getattr(base, f), n_cand))
            parts["account"].append(off + np.repeat(np.arange(n_cand), base.n_positions))
            dv01s.update(base.contract_dv01)
        for f in _SPAN_FIELDS:
            parts[f].append(np.tile(getattr(cols, f), n_cand))
        parts["quantity"].append(np.asarray(qty, dtype=float).ravel())
        parts["account"].append(off + np.repeat(np.arange(n_cand), n_cols))
    n_acc = len(bases) * n_cand
    cat = {f: np.concatenate(v) for f, v in parts.items()}
    n_rows = cat["code"].size
    return SpanBook(
        asof=cols.asof,
        **cat,
        accounts=tuple(map(str, range(n_acc))),
        contract_dv01=tuple(dv01s.items()),
        labels=("",) * n_rows,
    )


def _tile_book(unit: PricingBook, qty: np.ndarray) -> PricingBook:
    """The pricing book of the column futures with quantities ``qty`` (n_cand, n_cols), row
    ``k * n_cols + j`` = column j of candidate k (values are linear in quantity)."""
    n_cand = qty.shape[0]
    q = np.asarray(qty, dtype=float).ravel()
    t = unit.terms

    def tile(a):
        return np.tile(a, n_cand) if a.ndim == 1 else np.tile(a, (n_cand, 1))

    terms = PositionTerms(
        tile(t.price),
        tile(t.market_value_usd) * q,
        tile(t.notional_usd) * q,
        tile(t.cf),
        t.ctd * n_cand,
        tile(t.priced),
        tile(t.years_to_maturity),
    )
    return PricingBook(
        tile(unit.numer),
        tile(unit.den_idx),
        tile(unit.den_w),
        tile(unit.scale) * q,
        tile(unit.base_value_usd) * q,
        unit.base_df,
        terms,
        unit.asof,
        unit.settlement,
        None if unit.basis_dv01_usd is None else tile(unit.basis_dv01_usd) * q[:, None],
    )


class _Batch:
    """Exact ``total_after`` of ``base + sum_j q_j * columns[j]`` for many ``q`` at once.

    ``columns`` are CME-eligible futures (their quantities are ignored: one contract each).
    :meth:`totals` optionally adds the SPAN margin of contracts left outside the arrangement,
    one separate portfolio per candidate (the allocation question).
    """

    def __init__(self, sim: Simulator, base: Portfolio, columns: Sequence[Position]) -> None:
        self.sim = sim
        cols = Portfolio(tuple(dataclasses.replace(c, quantity=1.0) for c in columns))
        self.columns = cols
        self.unit = sim.book(cols)
        col_legs, _ = assign_legs(cols, sim.market.asof, self.unit.terms)
        if np.any(col_legs != LEG_CME):
            bad = [c.description for c, g in zip(cols, col_legs, strict=True) if g != LEG_CME]
            raise ValueError(f"not CME-eligible futures, cannot be used: {', '.join(bad)}")
        self.col_pnl = sim.var_engine.pnl_matrix(self.unit)  # (n_scenarios, n_cols) [USD]
        self.col_gross = gross_position_usd(self.unit)
        self.col_risk = position_risk(self.unit, sim.market.curve)
        self.col_span = sim.span_model.book(cols, np.zeros(len(cols)))
        n_scen = self.col_pnl.shape[0]
        self.pnl = np.zeros((n_scen, N_LEGS + 1))  # base P&L by leg (+ unmodelled) [USD]
        self.gross = np.zeros(N_LEGS + 1)
        self.span_const = LegMargins(*(np.zeros(1) for _ in range(5)))
        self.span_c = self.span_fc = None
        self.eligible_krd = np.zeros(self.col_risk.krd_usd.shape[1])
        if len(base):
            self._bind_base(base)
        margin = sim.var_engine.margins_from_pnl
        self.var_const = [float(margin(self.pnl[:, [k]], self.gross[k])[0]) for k in range(N_LEGS)]

    def _bind_base(self, base: Portfolio) -> None:
        sim = self.sim
        book = sim.book(base)
        legs, _ = assign_legs(base, sim.market.asof, book.terms)
        group = np.where(legs >= 0, legs, N_LEGS)  # unmodelled rows: a discarded group
        self.pnl = sim.var_engine.pnl_by_group(book, group, N_LEGS + 1)
        self.gross = np.bincount(group, gross_position_usd(book), N_LEGS + 1)
        one = np.zeros(len(base), dtype=np.int64)
        self.span_const = sim.span_model.leg_margins(base, book, one, legs, 1)
        risk = position_risk(book, sim.market.curve)
        elig = (legs == LEG_FICC) | (legs == LEG_CME)
        self.eligible_krd = risk.krd_usd[elig].sum(axis=0)
        keep = {(c.contract, c.expiry.toordinal()) for c in self.columns}

        def compressed(mask: np.ndarray) -> SpanBook | None:
            idx = np.flatnonzero(mask)
            if idx.size == 0:
                return None
            sub = Portfolio(tuple(base.positions[i] for i in idx))
            book = sim.span_model.book(sub, risk.dv01_usd[idx])
            return _compress_span(book, sim.span_model.params, keep)

        self.span_c, self.span_fc = compressed(legs == LEG_CME), compressed(elig)

    def totals(self, qty: np.ndarray, outside: np.ndarray | None = None) -> np.ndarray:
        """Total requirement [USD] per candidate, shape (n_cand,).

        ``qty`` : contracts of each column inside the arrangement, shape (n_cand, n_cols);
        ``outside`` : contracts of each column left in the regular account (same shape), whose
        SPAN margin is added; None: no such contracts.
        """
        qty = np.atleast_2d(np.asarray(qty, dtype=float))
        total = np.zeros(qty.shape[0])
        params = self.sim.span_model.params
        for s in range(0, qty.shape[0], CHUNK):  # chunks of candidates, not candidates
            total[s : s + CHUNK] = self._chunk(qty[s : s + CHUNK])
            if outside is not None:
                out = np.atleast_2d(np.asarray(outside, dtype=float))[s : s + CHUNK]
                book = _tile_span([None], self.col_span, out)
                total[s : s + CHUNK] += span_margin_batch(book, params).margin_usd
        return total

    def _chunk(self, qty: np.ndarray) -> np.ndarray:
        sim, n = self.sim, qty.shape[0]
        f, c = LEG_FICC, LEG_CME
        absq = np.abs(qty)
        cme_pnl = self.pnl[:, [c]] + self.col_pnl @ qty.T  # (n_scenarios, n) [USD]
        gross_c = self.gross[c] + absq @ self.col_gross
        margin = sim.var_engine.margins_from_pnl
        comb = margin(self.pnl[:, [f]] + cme_pnl, self.gross[f] + gross_c)
        fixed = [np.full(n, v) for v in self.var_const]  # legs that do not move with q
        var = LegMargins(fixed[f], margin(cme_pnl, gross_c), comb, fixed[2], fixed[3])
        book = _tile_span([self.span_c, self.span_fc], self.col_span, qty)
        span = span_margin_batch(book, sim.span_model.params).margin_usd
        k = self.span_const
        span_lm = LegMargins(
            np.full(n, k.ficc_leg[0]),
            span[:n],
            span[n:],
            np.full(n, k.ineligible_ficc[0]),
            np.full(n, k.ineligible_cme[0]),
        )
        # the candidates' futures, one customer account each: run_arrangement applies the
        # simulator's own arrangement rules (cap, savings basis, which model stands for whom)
        hedges = Portfolio(
            tuple(
                Position(
                    FUTURE,
                    float(qty[i, j]),
                    account=f"c{i}",
                    contract=col.contract,
                    expiry=col.expiry,
                )
                for i in range(n)
                for j, col in enumerate(self.columns)
            )
        )
        cfg = sim.config
        settings = dataclasses.replace(cfg.arrangement, arrangement=CUSTOMER_ARRANGEMENT)
        res = run_arrangement(
            hedges,
            sim.market.asof,
            _Fixed("var", var),
            _Fixed("span", span_lm),
            settings,
            cfg.ficc_model,
            cfg.cme_model,
            book=_tile_book(self.unit, qty),
        )
        return np.array([a.total_after for a in res.accounts])
