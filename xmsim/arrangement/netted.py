"""Both models on instruments priced once: accounts as sparse weights over unique instruments.

The scale path of the arrangement. Positions that are the same instrument (same product, coupon,
maturity, repo close, contract month ...) are priced and revalued once per block of accounts, as
a unit position (quantity 1); an account's leg is a row of a sparse weight matrix ``W`` (groups ×
instruments) holding its net quantity of each instrument, so the scenario P&L of every leg of
every account in the block is one sparse product ``W @ P`` with ``P`` the instruments' P&L
(instruments × scenarios). SPAN margins the same net quantities per (account, leg, instrument).

A value is linear in the quantity for every product (cash, repos, futures; full revaluation and
the sensitivity mode alike), so this equals :meth:`VarModel.leg_margins` /
:meth:`SpanModel.leg_margins` on the row-by-row book up to floating-point rounding (tested to
1e-9 in ``tests/arrangement/test_netted.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from xmsim.arrangement.crossmargin import (
    LEG_CME,
    LEG_FICC,
    LEG_INELIGIBLE_CME,
    LEG_INELIGIBLE_FICC,
    N_LEGS,
    IneligibleRow,
    LegMargins,
)
from xmsim.arrangement.models import SpanModel, group_account
from xmsim.engines.span.margin import SpanBook, span_margin_batch
from xmsim.engines.var.engine import VarEngine, gross_position_usd
from xmsim.portfolio import HOUSE, Portfolio, Position
from xmsim.pricing.risk import PricingBook, position_risk


def instrument_key(p: Position) -> tuple:
    """Everything about a position except its size, owner, label and row: equal keys price
    identically per unit of quantity."""
    return (p.product, p.coupon_pct, p.maturity, p.issue_date, p.cusip, p.price, p.end_date,
            p.contract, p.expiry)  # fmt: skip


def unit_position(p: Position) -> Position:
    """The instrument of ``p`` as a position of quantity 1 (face 1 USD or 1 contract)."""
    return Position(p.product, 1.0, HOUSE, p.coupon_pct, p.maturity, p.issue_date, p.cusip,
                    p.price, p.end_date, p.contract, p.expiry)  # fmt: skip


@dataclass(frozen=True, slots=True)
class InstrumentBlock:
    """A block of accounts as net weights over its unique instruments.

    Attributes
    ----------
    instruments : the unique instruments as unit positions, length n_instruments.
    book : their pricing book (quantity 1 each).
    inst : instrument of each position, shape (n_positions,).
    quantity : each position's quantity [face USD or contracts], shape (n_positions,).
    account : account index of each position in [0, n_accounts), shape (n_positions,).
    leg : LEG_* code of each position, shape (n_positions,).
    n_accounts : accounts in the block.
    """

    instruments: Portfolio
    book: PricingBook
    inst: np.ndarray
    quantity: np.ndarray
    account: np.ndarray
    leg: np.ndarray
    n_accounts: int

    def weights(self, rows: np.ndarray, keep: np.ndarray) -> sparse.csr_matrix:
        """Net quantity of each instrument per row id (``rows`` per kept position), shape
        (rows.max() + 1 or 0, n_instruments); duplicates are summed."""
        n_rows = int(rows.max()) + 1 if rows.size else 0
        return sparse.csr_matrix(
            (self.quantity[keep], (rows, self.inst[keep])),
            shape=(n_rows, len(self.instruments)),
        )


def instrument_block(
    positions: Sequence[Position],
    account_idx: np.ndarray,
    n_accounts: int,
    price,
    legs_of,
) -> tuple[InstrumentBlock, tuple[IneligibleRow | None, ...]]:
    """Deduplicate ``positions`` into unique instruments, price them once and assign legs.

    ``price(portfolio) -> PricingBook`` prices the unit instruments; ``legs_of(portfolio,
    terms) -> (legs, rows)`` is :func:`xmsim.arrangement.crossmargin.assign_legs` bound to the
    as-of date. Returns the block and the ineligible row of each position (None if eligible).
    """
    index: dict[tuple, int] = {}
    inst = np.empty(len(positions), dtype=np.int64)
    units: list[Position] = []
    for i, p in enumerate(positions):
        k = index.setdefault(instrument_key(p), len(index))
        if k == len(units):
            units.append(unit_position(p))
        inst[i] = k
    instruments = Portfolio(tuple(units))
    book = price(instruments)
    unit_legs, unit_rows = legs_of(instruments, book.terms)
    rows = tuple(
        None if (u := unit_rows[k]) is None else IneligibleRow(p.row, u.description, u.home_ccp,
                                                                u.reason)
        for p, k in zip(positions, inst, strict=True)
    )  # fmt: skip
    qty = np.fromiter((p.quantity for p in positions), dtype=float, count=len(positions))
    blk = InstrumentBlock(instruments, book, inst, qty, np.asarray(account_idx, dtype=np.int64),
                          unit_legs[inst], n_accounts)  # fmt: skip
    return blk, rows


def instrument_pnl(engine: VarEngine, book: PricingBook, w: sparse.csr_matrix) -> np.ndarray:
    """Scenario P&L [USD] of the weighted sums of instruments in the rows of ``w``, shape
    (n_rows, n_scenarios).

    Full revaluation: a cash instrument (denominator 1) is linear in the node DFs, so each
    row's net node weights ``W · (scale · numer)`` (n_rows × n_nodes, from every unique
    instrument's cash flows, built once) are priced under all scenarios by one dense product
    with the scenario DFs. Futures (a delivery-date denominator) are priced once per
    instrument and weighted. The sensitivity mode prices each instrument from its key-rate
    DV01s and convexity, then weights.
    """
    if engine.settings.mode != "full":
        return _weighted(w, engine.pnl_matrix(book).T)
    df = engine.scenario_df  # (n_scenarios, n_nodes)
    cash = (book.den_idx == 0) & (book.den_w == 0.0)
    c, f = np.flatnonzero(cash), np.flatnonzero(~cash)
    out = np.zeros((w.shape[0], df.shape[0]))
    if c.size:
        wc = w[:, c]
        a = book.scale[c, None] * book.numer[c]  # (n_cash, n_nodes) [USD per unit DF]
        if _price_instruments_first(wc, df.shape):
            out += _weighted(wc, a @ df.T)  # each instrument priced once, then weighted
        else:
            out += np.asarray(wc @ a) @ df.T  # net node weights per row, then priced
        out -= (wc @ book.base_value_usd[c])[:, None]
    if f.size:
        pnl_f = book.pnl(df, f, sparse_rows=True)  # a future reads a few nodes only
        out += _weighted(w[:, f], engine.basis_pnl(book, pnl_f, cols=f).T)
    return out


SPARSE_SLOWDOWN = 64
"""Measured cost of one multiply-add in a sparse × dense product relative to one in BLAS
(scipy's CSR loop vs OpenBLAS dgemm on this 2-core machine, ~0.3 vs ~25 G per s)."""
DENSE_MIN_DENSITY = 1.0 / 16.0
"""Weight blocks at least this dense (non-zeros / entries) are multiplied densely (BLAS)."""


def _price_instruments_first(w: sparse.csr_matrix, df_shape: tuple[int, int]) -> bool:
    """Whether ``(w @ numer) @ DFᵀ`` is costlier than ``w @ (numer @ DFᵀ)`` (multiply-adds):
    shared instruments (few columns) are priced first, distinct ones summed first."""
    n_scen, n_nodes = df_shape
    n_inst = w.shape[1]
    weighted = n_scen * (w.shape[0] * n_inst / SPARSE_SLOWDOWN if _dense(w) else w.nnz)
    first = n_inst * n_nodes * n_scen + SPARSE_SLOWDOWN * weighted
    summed = SPARSE_SLOWDOWN * w.nnz * n_nodes + w.shape[0] * n_nodes * n_scen
    return first < summed


def _dense(w: sparse.csr_matrix) -> bool:
    return w.nnz >= DENSE_MIN_DENSITY * w.shape[0] * w.shape[1]


def _weighted(w: sparse.csr_matrix, pnl_inst: np.ndarray) -> np.ndarray:
    """``w @ pnl_inst`` for instrument P&L of shape (n_instruments, n_scenarios)."""
    if _dense(w):
        return w.toarray() @ pnl_inst
    return np.asarray(w @ np.ascontiguousarray(pnl_inst))


def var_leg_margins(engine: VarEngine, blk: InstrumentBlock) -> LegMargins:
    """VaR margins per account of each leg and of the combined portfolio [USD], shape
    (n_accounts,) each.

    One margin column per held (account, leg) and one per account holding both eligible legs;
    an account with one eligible leg has that leg's margin as its combined margin (the same
    P&L vector), and empty legs are 0 without a quantile.
    """
    n_acc = blk.n_accounts
    keep = np.flatnonzero(blk.leg >= 0)
    group = blk.account[keep] * N_LEGS + blk.leg[keep]
    held = np.bincount(group, minlength=n_acc * N_LEGS).reshape(n_acc, N_LEGS) > 0
    both = np.flatnonzero(held[:, LEG_FICC] & held[:, LEG_CME])
    leg_cols, col = np.unique(group, return_inverse=True)
    comb_col = np.full(n_acc, -1, dtype=np.int64)
    comb_col[both] = leg_cols.size + np.arange(both.size)
    extra = np.flatnonzero((blk.leg[keep] <= LEG_CME) & (comb_col[blk.account[keep]] >= 0))
    cols = np.concatenate([col.ravel(), comb_col[blk.account[keep[extra]]]])
    sel = np.concatenate([keep, keep[extra]])
    w = blk.weights(cols, sel)
    pnl = instrument_pnl(engine, blk.book, w)  # (n_cols, n_scen)
    # gross size per position (quantity x the unit instrument's), as on the row-by-row book
    size = np.abs(blk.quantity[sel]) * gross_position_usd(blk.book)[blk.inst[sel]]
    gross = np.bincount(cols, size, w.shape[0])
    margin = engine.margins_from_pnl(pnl.T, gross) if w.shape[0] else np.zeros(0)
    per_leg = np.zeros(n_acc * N_LEGS)
    per_leg[leg_cols] = margin[: leg_cols.size]
    per_leg = per_leg.reshape(n_acc, N_LEGS)
    combined = np.where(held[:, LEG_FICC], per_leg[:, LEG_FICC], per_leg[:, LEG_CME])
    combined[both] = margin[leg_cols.size :]
    return _leg_margins(lambda *legs: combined if len(legs) == 2 else per_leg[:, legs[0]])


def span_leg_margins(
    model: SpanModel, blk: InstrumentBlock, customer: np.ndarray | None = None
) -> LegMargins:
    """SPAN margins per account of each leg and of the combined portfolio [USD] on the net
    quantity of every instrument per (account, leg); ``customer`` (bool, shape
    (n_accounts,); None: none) picks each account's CME account type."""
    n_acc = blk.n_accounts
    customer = np.zeros(n_acc, bool) if customer is None else np.asarray(customer, bool)
    types = tuple(model.params.account_type_of(bool(c)) for c in customer)
    net = span_leg_book(model, blk)
    if net is None:
        return _leg_margins(lambda *legs: np.zeros(n_acc), types)
    book, names = net
    margin_usd = span_margin_batch(
        book, model.params, customer[group_account(names, n_acc)]
    ).margin_usd
    return span_group_margins(names, margin_usd, n_acc, types)


def span_leg_book(
    model: SpanModel, blk: InstrumentBlock, unit_dv01: np.ndarray | None = None
) -> tuple[SpanBook, np.ndarray] | None:
    """The SPAN book of every (account, leg) and combined portfolio of ``blk`` as accounts of
    one batch, and the group id of each of its accounts (``account * N_LEGS + leg``, combined
    portfolios ``n_accounts * N_LEGS + account``; :func:`group_account` gives the account);
    None when no position is in a leg. ``unit_dv01``: each instrument's DV01 [USD per bp],
    shape (n_instruments,), when the caller has it (:func:`position_risk` of ``blk.book``)."""
    keep = np.flatnonzero(blk.leg >= 0)
    n_acc = blk.n_accounts
    if keep.size == 0:
        return None
    used = np.unique(blk.inst[keep])  # instruments SPAN sees, rows of the unit SPAN book
    if unit_dv01 is None:
        dv01 = position_risk(blk.book.take(used), model.curve).dv01_usd
    else:
        dv01 = np.asarray(unit_dv01)[used]
    unit = model.book(Portfolio(tuple(blk.instruments.positions[i] for i in used)), dv01)
    row_of = np.full(len(blk.instruments), -1, dtype=np.int64)
    row_of[used] = np.arange(used.size)
    acc, lg = blk.account[keep], blk.leg[keep]
    eligible = np.flatnonzero(lg <= LEG_CME)
    # each position in its (account, leg) group and, if eligible, in its account's combined
    # portfolio (group n_acc * N_LEGS + account), netted per instrument
    sel = np.concatenate([keep, keep[eligible]])
    group = np.concatenate([acc * N_LEGS + lg, n_acc * N_LEGS + acc[eligible]])
    net = blk.weights(group, sel).tocoo()
    names, account = np.unique(net.row, return_inverse=True)
    r, q = row_of[net.col], net.data
    book = SpanBook(
        asof=unit.asof, code=unit.code[r], quantity=unit.quantity[r] * q,
        dv01_usd=unit.dv01_usd[r] * q, years_to_maturity=unit.years_to_maturity[r],
        sub_key=unit.sub_key[r], spot=unit.spot[r], account=account.ravel(),
        accounts=tuple(str(n) for n in names), contract_dv01=unit.contract_dv01,
        labels=tuple(unit.labels[i] for i in r),
    )  # fmt: skip
    return book, names


def span_group_margins(
    names: np.ndarray, margin_usd: np.ndarray, n_acc: int, account_types: tuple[str, ...] = ()
) -> LegMargins:
    """:class:`LegMargins` of a block of ``n_acc`` accounts (CME account types
    ``account_types``) from the SPAN margins [USD] of its groups ``names``
    (:func:`span_leg_book`), shape (len(names),) each."""
    margin = np.zeros(n_acc * N_LEGS + n_acc)
    margin[names] = margin_usd
    per_leg = margin[: n_acc * N_LEGS].reshape(n_acc, N_LEGS)
    combined = margin[n_acc * N_LEGS :]
    return _leg_margins(
        lambda *legs: combined if len(legs) == 2 else per_leg[:, legs[0]], account_types
    )


def _leg_margins(margin, account_types: tuple[str, ...] = ()) -> LegMargins:
    """LegMargins from ``margin(*legs)`` (one leg, or LEG_FICC and LEG_CME together)."""
    return LegMargins(
        account_types=account_types,
        ficc_leg=margin(LEG_FICC), cme_leg=margin(LEG_CME), combined=margin(LEG_FICC, LEG_CME),
        ineligible_ficc=margin(LEG_INELIGIBLE_FICC), ineligible_cme=margin(LEG_INELIGIBLE_CME),
    )  # fmt: skip


__all__ = ["InstrumentBlock", "instrument_block", "span_group_margins", "span_leg_book",
           "span_leg_margins", "var_leg_margins"]  # fmt: skip
