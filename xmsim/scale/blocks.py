"""The arrangement over blocks of accounts, in bounded memory, serially or on Dask workers.

A block holds at most ``block_size`` accounts (customer arrangement; the house arrangement is
one block). Every distinct instrument of the book is priced once, before the blocks (its scenario
P&L and unit SPAN book are shared by all of them, and scattered once to Dask workers); each block
is then margined on its own by :mod:`xmsim.arrangement.netted` (accounts as sparse weights over
the instruments), so peak memory follows the block size and the number of distinct instruments,
not the number of accounts; results come back block by block, in the book's account order, for
streaming.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from xmsim.arrangement.crossmargin import (
    AccountResult,
    ArrangementResult,
    IneligibleRow,
    account_results,
    assign_legs,
)
from xmsim.arrangement.netted import (
    Instruments,
    block_of,
    book_instrument_ids,
    price_instruments,
    span_leg_margins,
    var_leg_margins,
)
from xmsim.arrangement.pots import CUSTOMER_POT, Pots, form_pots
from xmsim.heap import heap_frozen
from xmsim.portfolio import Portfolio
from xmsim.simulate import Simulator

DEFAULT_BLOCK_SIZE = 2_000
"""Accounts per block [accounts]: ~20,000 positions, a few hundred MB at 2,500 scenarios."""
BLOCKED_MIN_POSITIONS = 20_000
"""Books with more positions than this run block by block on the command line; smaller ones
take :meth:`Simulator.arrangement` in one piece (no block machinery for a 10-row book)."""
MAX_IN_FLIGHT_PER_WORKER = 2
"""Blocks queued per Dask worker at a time (bounds the client's and workers' memory)."""


@dataclass(frozen=True, slots=True)
class Block:
    """Combined portfolios ``names`` (pot ``kinds``) and their positions as arrays, each
    shape (n_positions,): ``account`` indexes ``names``, ``inst`` the book's instruments
    (:class:`~xmsim.arrangement.netted.Instruments`), ``quantity`` [face USD or contracts],
    ``row`` the spreadsheet row."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    account: np.ndarray
    inst: np.ndarray
    quantity: np.ndarray
    row: np.ndarray

    @property
    def n_accounts(self) -> int:
        return len(self.names)


def account_blocks(
    portfolio: Portfolio, pots: Pots, block_size: int, inst: np.ndarray | None = None
) -> Iterator[Block]:
    """The book cut into blocks of at most ``block_size`` whole combined portfolios of
    ``pots`` (:func:`xmsim.arrangement.pots.form_pots`), in result order, positions in book
    order within each; a pooled house portfolio is never split. ``inst``: the instrument of
    each position (:func:`~xmsim.arrangement.netted.instrument_ids`, computed when None)."""
    if block_size < 1:
        raise ValueError(f"block size must be at least 1 account, got {block_size}")
    if inst is None:
        inst = book_instrument_ids(portfolio)[0]
    columns = portfolio.columns
    if columns is not None:
        qty, rows = columns.quantity, columns.row
    else:
        positions = portfolio.positions
        n = len(positions)
        qty = np.fromiter((p.quantity for p in positions), dtype=float, count=n)
        rows = np.fromiter((p.row for p in positions), dtype=np.int64, count=n)
    order = np.argsort(pots.index, kind="stable")
    pot = pots.index[order]
    for start in range(0, len(pots.names), block_size):
        stop = min(start + block_size, len(pots.names))
        lo, hi = np.searchsorted(pot, (start, stop))
        sel = order[lo:hi]
        yield Block(pots.names[start:stop], pots.kinds[start:stop], pot[lo:hi] - start,
                    inst[sel], qty[sel], rows[sel])  # fmt: skip


def book_instruments(sim: Simulator, units: Portfolio) -> Instruments:
    """The book's unique instruments priced once for all its blocks: pricing book, legs,
    scenario P&L per instrument (when within :data:`~xmsim.arrangement.netted.PNL_ONCE_MAX_VALUES`)
    and the unit SPAN book."""
    asof = sim.market.asof
    return price_instruments(units, sim.book, lambda pf, terms: assign_legs(pf, asof, terms),
                             sim.var_engine, sim.span_model)  # fmt: skip


def margin_block(sim: Simulator, block: Block, table: Instruments) -> tuple[AccountResult, ...]:
    """The arrangement for every account of one block (runs on a Dask worker or in process)."""
    blk = block_of(table, block.inst, block.quantity, block.account, block.n_accounts)
    margins = {
        "var": var_leg_margins(sim.var_engine, blk),
        "span": span_leg_margins(
            sim.span_model, blk, np.array([k == CUSTOMER_POT for k in block.kinds], bool)
        ),
    }
    inel: dict[int, tuple[IneligibleRow, ...]] = {}
    for i, r in table.ineligible_rows(block.inst, block.row):
        a = int(block.account[i])
        inel[a] = (*inel.get(a, ()), r)
    cfg = sim.config
    return account_results(block.names, block.kinds, margins, inel, cfg.arrangement,
                           cfg.ficc_model, cfg.cme_model)  # fmt: skip


def warm(sim: Simulator) -> Simulator:
    """Build the simulator's lazy, shared state (scenario DFs, bucket DV01s) once, before it is
    copied to workers."""
    _ = sim.var_engine.scenario_df, sim.span_model.bucket_dv01
    return sim


def run_blocks(
    sim: Simulator, blocks: Iterable[Block], table: Instruments, client=None, work=None
) -> Iterator:
    """Each block's results, in block order: in this process, or on the workers of a
    ``distributed.Client`` (the simulator - market, scenario matrix, SPAN parameters - and the
    priced instruments are scattered once; at most :data:`MAX_IN_FLIGHT_PER_WORKER` blocks per
    worker are queued). ``work(sim, block, table)`` is what each block yields (default
    :func:`margin_block`, its results); a module-level function (or a ``functools.partial``
    of one) so that workers can import it, e.g. one that renders the results to text on the
    worker so that only text comes back."""
    warm(sim)
    work = work or margin_block
    if client is None:
        for b in blocks:
            yield work(sim, b, table)
        return
    from distributed import as_completed

    shared = client.scatter(sim, broadcast=True)
    priced = client.scatter(table, broadcast=True)
    window = MAX_IN_FLIGHT_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))
    todo = enumerate(blocks)
    order: dict = {}
    done: dict[int, object] = {}  # each block's work, until its turn comes
    pending = as_completed()
    for i, b in todo:
        order[client.submit(work, shared, b, priced, pure=False)] = i
        pending.add(next(reversed(order)))
        if len(order) >= window:
            break
    nxt = 0
    for fut in pending:
        done[order.pop(fut)] = fut.result()
        fut.release()
        for i, b in todo:  # top the queue up by one block
            new = client.submit(work, shared, b, priced, pure=False)
            order[new] = i
            pending.add(new)
            break
        while nxt in done:
            yield done.pop(nxt)
            nxt += 1


def arrangement_blocked(
    sim: Simulator,
    portfolio: Portfolio,
    block_size: int = DEFAULT_BLOCK_SIZE,
    client=None,
    on_block: Callable[[tuple[AccountResult, ...]], None] | None = None,
    keep: bool = True,
    pots: Pots | None = None,
    work=None,
) -> ArrangementResult:
    """The arrangement of ``portfolio`` computed block by block (same numbers as
    :meth:`Simulator.arrangement` to floating-point rounding).

    Every distinct instrument of the book is priced once (:func:`book_instruments`), each
    block of accounts is a sparse weight matrix over them. ``on_block`` sees each block's
    results as they arrive (streaming output, progress); with ``keep=False`` they are not
    collected (the result's ``accounts`` is empty); ``pots`` are the portfolio's combined
    portfolios when already formed. ``work``: what each block computes instead of its results
    (:func:`run_blocks`; ``on_block`` then sees its output, and ``keep`` must be False).
    """
    if work is not None and keep:
        raise ValueError("a block's work other than its results cannot be kept: keep=False")
    pots = pots or form_pots(portfolio, sim.config.arrangement.arrangement)
    warm(sim)
    inst, units = book_instrument_ids(portfolio)
    table = book_instruments(sim, units)
    blocks = account_blocks(portfolio, pots, block_size, inst)
    kept: list[AccountResult] = []
    with heap_frozen():  # the book's objects stay out of the collections of every block
        for res in run_blocks(sim, blocks, table, client, work):
            if on_block is not None:
                on_block(res)
            if keep:
                kept.extend(res)
    return dataclasses.replace(empty_result(sim, pots), accounts=tuple(kept))


def empty_result(sim: Simulator, pots: Pots) -> ArrangementResult:
    """The run's description without accounts (the header of a streamed result)."""
    cfg = sim.config
    return ArrangementResult(
        asof=sim.market.asof, settings=cfg.arrangement, ficc_model=cfg.ficc_model,
        cme_model=cfg.cme_model, history=sim.var_engine.scenarios.description,
        accounts=(), model_settings=cfg.settings_dict(sim.span_params), reading=pots.reading(),
    )  # fmt: skip


__all__ = ["DEFAULT_BLOCK_SIZE", "Block", "account_blocks", "arrangement_blocked",
           "book_instruments", "empty_result", "margin_block", "run_blocks"]  # fmt: skip
