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

import dataclasses
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
from xmsim.portfolio import Portfolio, Position, instrument_key, unit_position
from xmsim.pricing.risk import PricingBook, position_risk


def instrument_ids(positions: Sequence[Position]) -> tuple[np.ndarray, Portfolio]:
    """The instrument of each position, shape (n_positions,), and the unique instruments as
    unit positions (first appearance order)."""
    index: dict[tuple, int] = {}
    inst = np.empty(len(positions), dtype=np.int64)
    units: list[Position] = []
    for i, p in enumerate(positions):
        k = index.setdefault(instrument_key(p), len(index))
        if k == len(units):
            units.append(unit_position(p))
        inst[i] = k
    return inst, Portfolio(tuple(units))


def book_instrument_ids(portfolio: Portfolio) -> tuple[np.ndarray, Portfolio]:
    """:func:`instrument_ids` of a portfolio, read off its columns when it has them
    (:class:`~xmsim.portfolio.PositionColumns`: no position objects made)."""
    columns = portfolio.columns
    if columns is not None:
        return columns.inst, Portfolio(columns.units)
    return instrument_ids(portfolio.positions)


PNL_ONCE_MAX_VALUES = 2**25
"""Largest instrument P&L table priced once for a whole book [values] (256 MB at 8 bytes, some
13,000 instruments x 2,500 scenarios); beyond it each block prices the instruments it holds."""


@dataclass(frozen=True, slots=True)
class Instruments:
    """Unique instruments priced once (for a block, or a whole book shared by its blocks).

    Attributes
    ----------
    units : the instruments as unit positions (quantity 1), length n_instruments.
    book : their pricing book.
    legs : LEG_* code of each instrument, shape (n_instruments,).
    unit_rows : the ineligible row of each instrument (row 0), None if eligible.
    pnl : scenario P&L of each instrument [USD per unit], shape (n_instruments,
        n_scenarios), basis included; None when not priced ahead (:data:`PNL_ONCE_MAX_VALUES`).
    span_row : row of each instrument in ``span_unit``, -1 when outside every SPAN leg, shape
        (n_instruments,); None with ``span_unit`` when not built ahead.
    span_unit : SPAN book of the instruments in a leg, one unit position each.
    """

    units: Portfolio
    book: PricingBook
    legs: np.ndarray
    unit_rows: tuple[IneligibleRow | None, ...]
    pnl: np.ndarray | None = None
    span_row: np.ndarray | None = None
    span_unit: SpanBook | None = None

    def __len__(self) -> int:
        return len(self.units)

    def ineligible_rows(self, inst: np.ndarray, rows: np.ndarray) -> list:
        """(position index, :class:`IneligibleRow`) of the positions (instruments ``inst``,
        spreadsheet rows ``rows``) outside the arrangement, in position order."""
        shown = np.fromiter((u is not None for u in self.unit_rows), bool, len(self.unit_rows))
        out = []
        for i in np.flatnonzero(shown[inst]).tolist():
            u = self.unit_rows[inst[i]]
            out.append((i, IneligibleRow(int(rows[i]), u.description, u.home_ccp, u.reason)))
        return out


def price_instruments(units: Portfolio, price, legs_of, engine=None, span_model=None):
    """:class:`Instruments` of ``units``: ``price(portfolio) -> PricingBook`` prices them,
    ``legs_of(portfolio, terms) -> (legs, rows)`` is
    :func:`xmsim.arrangement.crossmargin.assign_legs` bound to the as-of date. With the VaR
    ``engine`` (and a table within :data:`PNL_ONCE_MAX_VALUES`) each instrument's scenario P&L
    is priced now; with the ``span_model`` the unit SPAN book is built now."""
    book = price(units)
    legs, unit_rows = legs_of(units, book.terms)
    out = Instruments(units, book, legs, tuple(unit_rows))
    if engine is not None and len(units) * engine.scenarios.n_scenarios <= PNL_ONCE_MAX_VALUES:
        pnl = np.ascontiguousarray(engine.pnl_matrix(book).T)
        pnl.setflags(write=False)
        out = dataclasses.replace(out, pnl=pnl)
    if span_model is not None:
        row_of, unit = _span_unit(span_model, out, np.flatnonzero(legs >= 0))
        out = dataclasses.replace(out, span_row=row_of, span_unit=unit)
    return out


def _span_unit(model: SpanModel, table: Instruments, used: np.ndarray, unit_dv01=None):
    """(row of each instrument in the unit SPAN book or -1, the unit SPAN book of ``used``);
    ``unit_dv01``: every instrument's DV01 [USD per bp] when the caller has it."""
    if unit_dv01 is None:
        dv01 = position_risk(table.book.take(used), model.curve).dv01_usd
    else:
        dv01 = np.asarray(unit_dv01)[used]
    unit = model.book(Portfolio(tuple(table.units.positions[i] for i in used)), dv01)
    row_of = np.full(len(table), -1, dtype=np.int64)
    row_of[used] = np.arange(used.size)
    return row_of, unit


@dataclass(frozen=True, slots=True)
class InstrumentBlock:
    """A block of accounts as net weights over unique instruments.

    Attributes
    ----------
    table : the instruments, priced once.
    inst : instrument of each position, shape (n_positions,).
    quantity : each position's quantity [face USD or contracts], shape (n_positions,).
    account : account index of each position in [0, n_accounts), shape (n_positions,).
    leg : LEG_* code of each position, shape (n_positions,).
    n_accounts : accounts in the block.
    """

    table: Instruments
    inst: np.ndarray
    quantity: np.ndarray
    account: np.ndarray
    leg: np.ndarray
    n_accounts: int

    @property
    def instruments(self) -> Portfolio:
        return self.table.units

    @property
    def book(self) -> PricingBook:
        return self.table.book

    def weights(self, rows: np.ndarray, keep: np.ndarray) -> sparse.csr_matrix:
        """Net quantity of each instrument per row id (``rows`` per kept position), shape
        (rows.max() + 1 or 0, n_instruments); duplicates are summed."""
        n_rows = int(rows.max()) + 1 if rows.size else 0
        return sparse.csr_matrix(
            (self.quantity[keep], (rows, self.inst[keep])),
            shape=(n_rows, len(self.table)),
        )


def block_of(
    table: Instruments, inst: np.ndarray, quantity: np.ndarray, account: np.ndarray,
    n_accounts: int,
) -> InstrumentBlock:  # fmt: skip
    """The block of positions with instruments ``inst`` of ``table``, quantities and account
    indices (each shape (n_positions,))."""
    inst = np.asarray(inst, dtype=np.int64)
    quantity, account = np.asarray(quantity, dtype=float), np.asarray(account, dtype=np.int64)
    return InstrumentBlock(table, inst, quantity, account, table.legs[inst], n_accounts)


def instrument_block(
    positions: Sequence[Position],
    account_idx: np.ndarray,
    n_accounts: int,
    price,
    legs_of,
) -> tuple[InstrumentBlock, tuple[IneligibleRow | None, ...]]:
    """Deduplicate ``positions`` into unique instruments, price them once and assign legs
    (:func:`price_instruments`). Returns the block and the ineligible row of each position
    (None if eligible)."""
    inst, units = instrument_ids(positions)
    table = price_instruments(units, price, legs_of)
    rows = tuple(
        None if (u := table.unit_rows[k]) is None else IneligibleRow(p.row, u.description,
                                                                      u.home_ccp, u.reason)
        for p, k in zip(positions, inst, strict=True)
    )  # fmt: skip
    qty = np.fromiter((p.quantity for p in positions), dtype=float, count=len(positions))
    return block_of(table, inst, qty, account_idx, n_accounts), rows


def instrument_pnl(
    engine: VarEngine, book: PricingBook, w: sparse.csr_matrix, pnl: np.ndarray | None = None
) -> np.ndarray:
    """Scenario P&L [USD] of the weighted sums of instruments in the rows of ``w``, shape
    (n_rows, n_scenarios); ``pnl`` is the instruments' P&L when priced ahead (shape
    (n_instruments, n_scenarios), :class:`Instruments`), and then only summed.

    Two orders of the same sums, whichever costs fewer multiply-adds
    (:func:`_price_instruments_first`): each instrument priced once under every scenario
    (its P&L row, basis included) and the rows of ``w`` summed over them by one sparse
    product - the order for many accounts sharing few instruments; or, in full revaluation,
    each row's net node weights ``W · (scale · numer)`` summed first over the cash instruments
    (linear in the node DFs) and priced by one dense product with the scenario DFs, futures
    (a delivery-date denominator; their numerators a sparse product: a CTD's coupons after
    delivery, a rate future's two nodes) priced once and weighted - the order for a few
    portfolios of many distinct instruments (a house book).
    """
    if pnl is not None:
        return _weighted(w, pnl)
    used = np.unique(w.indices)
    if used.size < w.shape[1]:  # price only the instruments these rows hold
        book, w = book.take(used), w[:, used]
    df = engine.scenario_df  # (n_scenarios, n_nodes)
    if engine.settings.mode != "full" or _price_instruments_first(w, df.shape):
        return _priced_then_weighted(engine, book, w)
    cash = (book.den_idx == 0) & (book.den_w == 0.0)
    c, f = np.flatnonzero(cash), np.flatnonzero(~cash)
    out = np.zeros((w.shape[0], df.shape[0]))
    if c.size:
        wc = w[:, c]
        a = book.scale[c, None] * book.numer[c]  # (n_cash, n_nodes) [USD per unit DF]
        out += np.asarray(wc @ a) @ df.T  # net node weights per row, then priced
        out -= (wc @ book.base_value_usd[c])[:, None]
    if f.size:
        pnl_f = book.pnl(df, f, sparse_rows=True)  # a future reads a few nodes only
        out += _weighted(w[:, f], engine.basis_pnl(book, pnl_f, cols=f).T)
    return out


PRICED_CHUNK_VALUES = 2**25
"""Instrument P&L values priced at a time [values]: 256 MB at 8 bytes (bounds the memory of a
block with many distinct instruments)."""


def _priced_then_weighted(engine: VarEngine, book: PricingBook, w: sparse.csr_matrix):
    """``w @ P`` with P the instruments' P&L (n_instruments, n_scenarios), priced in chunks
    of instruments."""
    n_inst, n_scen = w.shape[1], engine.scenarios.n_scenarios
    step = max(1, PRICED_CHUNK_VALUES // max(n_scen, 1))
    if n_inst <= step:
        return _weighted(w, np.ascontiguousarray(engine.pnl_matrix(book).T))
    out = np.zeros((w.shape[0], n_scen))
    for start in range(0, n_inst, step):
        idx = np.arange(start, min(start + step, n_inst))
        out += _weighted(w[:, idx], np.ascontiguousarray(engine.pnl_matrix(book.take(idx)).T))
    return out


SPARSE_SLOWDOWN = 10
"""Measured cost of one multiply-add in a sparse × dense product relative to one in BLAS
(scipy's CSR loop, memory-bound, vs OpenBLAS dgemm on this 2-core machine, ~1.5 vs ~17 G per
s with other jobs running)."""
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


QUANTILE_CHUNK_ROWS = 64
"""P&L rows per quantile pass [rows]: 64 x 2,497 scenarios x 8 bytes = 1.3 MB stays in cache
through the sum of legs, the negation and the order statistics (measured on the 50,000-account
book: 35 ms per block of 2,000 accounts against 67 ms for whole-block passes)."""


def var_leg_margins(engine: VarEngine, blk: InstrumentBlock) -> LegMargins:
    """VaR margins per account of each leg and of the combined portfolio [USD], shape
    (n_accounts,) each.

    One P&L row per held (account, leg); an account holding both eligible legs has the sum
    of their two rows as its combined P&L, one with a single eligible leg that leg's margin
    as its combined margin (the same P&L vector), and empty legs are 0 without a quantile.
    """
    n_acc = blk.n_accounts
    keep = np.flatnonzero(blk.leg >= 0)
    group = blk.account[keep] * N_LEGS + blk.leg[keep]
    leg_cols, col = np.unique(group, return_inverse=True)
    col = col.ravel()
    w = blk.weights(col, keep)
    pnl = instrument_pnl(engine, blk.book, w, blk.table.pnl)  # (n_cols, n_scen)
    # gross size per position (quantity x the unit instrument's), as on the row-by-row book
    size = np.abs(blk.quantity[keep]) * gross_position_usd(blk.book)[blk.inst[keep]]
    gross = np.bincount(col, size, w.shape[0])
    at = np.full(n_acc * N_LEGS, -1, dtype=np.int64)
    at[leg_cols] = np.arange(leg_cols.size)
    at = at.reshape(n_acc, N_LEGS)
    both = np.flatnonzero((at[:, LEG_FICC] >= 0) & (at[:, LEG_CME] >= 0))
    f_row, c_row = at[both, LEG_FICC], at[both, LEG_CME]
    comb_gross = gross[f_row] + gross[c_row]
    comb_margin = np.empty(both.size)
    step = QUANTILE_CHUNK_ROWS
    for s in range(0, both.size, step):  # P&L adds across legs; combined before legs negate
        comb = pnl[f_row[s : s + step]]
        comb += pnl[c_row[s : s + step]]
        comb_margin[s : s + step] = engine.margins_from_pnl(comb.T, comb_gross[s : s + step],
                                                            overwrite=True)  # fmt: skip
    margin = np.empty(w.shape[0])
    for s in range(0, w.shape[0], step):
        margin[s : s + step] = engine.margins_from_pnl(pnl[s : s + step].T, gross[s : s + step],
                                                       overwrite=True)  # fmt: skip
    del pnl
    per_leg = np.zeros(n_acc * N_LEGS)
    per_leg[leg_cols] = margin
    per_leg = per_leg.reshape(n_acc, N_LEGS)
    combined = np.where(at[:, LEG_FICC] >= 0, per_leg[:, LEG_FICC], per_leg[:, LEG_CME])
    combined[both] = comb_margin
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
    n_acc = blk.n_accounts
    keep = np.flatnonzero(blk.leg >= 0)
    if keep.size == 0:
        return None
    if blk.table.span_unit is None:  # instruments SPAN sees, rows of the unit SPAN book
        row_of, unit = _span_unit(model, blk.table, np.unique(blk.inst[keep]), unit_dv01)
    else:
        row_of, unit = blk.table.span_row, blk.table.span_unit
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
        labels=tuple(map(unit.labels.__getitem__, r.tolist())), cusip=unit.cusip[r],
        face_usd=unit.face_usd[r] * q,
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
