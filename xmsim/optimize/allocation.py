"""The best futures allocation: :func:`best_allocation` and :class:`AllocationResult`.

Method: :mod:`xmsim.optimize`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xmsim.arrangement.crossmargin import (
    LEG_CME,
    ArrangementResult,
    assign_legs,
)
from xmsim.arrangement.pots import pot_labels
from xmsim.optimize._batch import _Batch
from xmsim.optimize._search import _allocation_moves, _Search, _total
from xmsim.portfolio import Portfolio, Position
from xmsim.simulate import Simulator


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """Which futures to place in the cross-margin account (amounts in USD).

    ``positions`` are the CME-eligible futures of the portfolio as held; ``in_xm`` the
    contracts of each placed in the cross-margin account, the rest stays in the regular
    account and is margined by SPAN as a separate portfolio (per combined portfolio
    of the arrangement's reading). ``total_usd`` = ``xm_result`` total_after + ``outside_span_usd``.
    """

    positions: tuple[Position, ...]
    in_xm: tuple[float, ...]
    xm_result: ArrangementResult
    outside_span_usd: float
    everything_in_usd: float
    nothing_in_usd: float
    partial: bool
    trivial: bool
    message: str
    n_evaluations: int = 0
    n_rounds: int = 0

    @property
    def total_usd(self) -> float:
        return _total(self.xm_result) + self.outside_span_usd

    @property
    def outside(self) -> tuple[float, ...]:
        return tuple(p.quantity - x for p, x in zip(self.positions, self.in_xm, strict=True))

    @property
    def saving_vs_everything_in_usd(self) -> float:
        return self.everything_in_usd - self.total_usd

    @property
    def saving_vs_nothing_in_usd(self) -> float:
        return self.nothing_in_usd - self.total_usd

    def to_frame(self) -> pd.DataFrame:
        """One row per futures position: contracts held, placed in XM, left outside."""
        return pd.DataFrame(
            {
                "row": [p.row for p in self.positions],
                "account": [p.account for p in self.positions],
                "position": [p.description for p in self.positions],
                "contracts": [p.quantity for p in self.positions],
                "in_cross_margin": list(self.in_xm),
                "outside": list(self.outside),
            }
        )

    def summary_frame(self) -> pd.DataFrame:
        """The three totals compared [USD]."""
        cases = ("optimal", "everything in", "nothing in")
        totals = (self.total_usd, self.everything_in_usd, self.nothing_in_usd)
        return pd.DataFrame(
            {
                "case": cases,
                "total_requirement_usd": totals,
                "saving_of_optimal_usd": [t - self.total_usd for t in totals],
            }
        )

    def to_dict(self) -> dict:
        """JSON-ready summary (amounts in USD)."""
        return {
            "trivial": self.trivial,
            "message": self.message,
            "partial": self.partial,
            "allocation": self.to_frame().to_dict(orient="records"),
            "total_usd": self.total_usd,
            "cross_margin_account_usd": _total(self.xm_result),
            "outside_span_usd": self.outside_span_usd,
            "everything_in_usd": self.everything_in_usd,
            "nothing_in_usd": self.nothing_in_usd,
            "saving_vs_everything_in_usd": self.saving_vs_everything_in_usd,
            "saving_vs_nothing_in_usd": self.saving_vs_nothing_in_usd,
            "applied": [a.applied for a in self.xm_result.accounts],
            "n_evaluations": self.n_evaluations,
            "n_rounds": self.n_rounds,
        }


def _allocatable(portfolio: Portfolio, sim: Simulator) -> np.ndarray:
    """Indices of the futures that may go either way: CME-eligible, non-zero."""
    legs, _ = assign_legs(portfolio, sim.market.asof)
    return np.array(
        [
            i
            for i, p in enumerate(portfolio)
            if p.is_future and legs[i] == LEG_CME and p.quantity != 0
        ],
        dtype=np.int64,
    )


def _outside_span(sim: Simulator, out: Sequence[Position]) -> float:
    """SPAN margin of futures left in the regular account: one portfolio per account under the
    combined portfolio of the arrangement's reading [USD]."""
    out = Portfolio(tuple(p for p in out if p.quantity != 0))
    if not len(out):
        return 0.0
    labels = pot_labels(out, sim.config.arrangement.arrangement)
    parts = [
        Portfolio(tuple(p for p, lab in zip(out, labels, strict=True) if lab == pot))
        for pot in dict.fromkeys(labels)
    ]
    return float(sum(sim.span_model.detail(p, sim.book(p)).margin_usd for p in parts))


def _split(portfolio: Portfolio, idx: np.ndarray, in_xm: np.ndarray):
    """(cross-margin portfolio, futures left outside) for ``in_xm`` contracts of ``idx``."""
    pos = {int(i): float(x) for i, x in zip(idx, in_xm, strict=True)}
    inside = tuple(
        p if i not in pos else dataclasses.replace(p, quantity=pos[i])
        for i, p in enumerate(portfolio)
        if i not in pos or pos[i] != 0
    )
    outside = tuple(
        dataclasses.replace(portfolio.positions[i], quantity=portfolio.positions[i].quantity - x)
        for i, x in pos.items()
    )
    return Portfolio(inside), outside


def _allocate_group(
    sim: Simulator, portfolio: Portfolio, idx: np.ndarray, mine: np.ndarray, partial: bool
) -> tuple[np.ndarray, _Search]:
    """Best contracts in the cross-margin account for the futures ``idx`` of one combined
    portfolio (its positions: ``mine``, shape (n_positions,)), by batched local search from
    the corners."""
    chosen = {int(i) for i in idx}
    base = Portfolio(tuple(p for i, p in enumerate(portfolio) if i not in chosen and bool(mine[i])))
    cols = [portfolio.positions[i] for i in idx]
    q = np.array([c.quantity for c in cols], dtype=float)
    batch = _Batch(sim, base, cols)
    search = _Search(
        lambda x: batch.totals(x, q - x),
        np.minimum(q, 0),
        np.maximum(q, 0),
        size=lambda x: float(np.abs(q - x).sum()),  # ties: fewer contracts left outside
        integer=False,
    )
    moves = _allocation_moves(q, [c.contract for c in cols], partial)
    return search.descend([q, np.zeros_like(q)], moves), search


def best_allocation(
    portfolio: Portfolio, simulator: Simulator, partial: bool = False
) -> AllocationResult:
    """The futures to place in the cross-margin account to minimise the total requirement.

    Total = ``Simulator.arrangement`` total_after of (all other positions + futures placed in
    the cross-margin account) + SPAN margin of the futures left in the regular account as a
    separate CME portfolio. Each CME-eligible futures position goes in or out whole, or with
    ``partial`` in integer parts [contracts]. Each combined portfolio of the reading
    (customer: each account) is its own problem. A book without futures has nothing to
    allocate: the result says so (``trivial``) with its requirement as is.
    """
    idx = _allocatable(portfolio, simulator)
    everything = simulator.arrangement(portfolio)
    if idx.size == 0:
        total = _total(everything)
        return AllocationResult(
            (),
            (),
            everything,
            0.0,
            total,
            total,
            partial,
            True,
            "nothing to allocate: the portfolio holds no CME-eligible futures (e.g. a "
            "cash-only book), so there is no choice of account to make; its requirement is "
            "the arrangement's as is",
        )
    labels = np.array(pot_labels(portfolio, simulator.config.arrangement.arrangement))
    held = np.array([portfolio.positions[i].quantity for i in idx])
    x_opt = held.copy()
    n_eval = n_rounds = 0
    for pot in dict.fromkeys(labels):  # combined portfolios never offset one another
        in_pot = labels[idx] == pot
        if in_pot.any():
            x_opt[in_pot], search = _allocate_group(
                simulator, portfolio, idx[in_pot], labels == pot, partial
            )
            n_eval, n_rounds = n_eval + search.n_evaluations, n_rounds + search.rounds
    # reported numbers: Simulator.arrangement and SpanModel on the materialised portfolios
    nothing_xm, nothing_out = _split(portfolio, idx, np.zeros_like(held))
    nothing = _total(simulator.arrangement(nothing_xm)) + _outside_span(simulator, nothing_out)
    xm, out = _split(portfolio, idx, x_opt)
    xm_result, out_usd = simulator.arrangement(xm), _outside_span(simulator, out)
    if min(_total(everything), nothing) < _total(xm_result) + out_usd - 0.005:
        # float dust between the batch and the simulator: never report worse than a corner
        x_opt = held if _total(everything) <= nothing else np.zeros_like(held)
        xm, out = _split(portfolio, idx, x_opt)
        xm_result, out_usd = simulator.arrangement(xm), _outside_span(simulator, out)
    n_in = int(np.count_nonzero(x_opt))
    message = (
        f"place {n_in} of {idx.size} futures positions "
        f"({np.abs(x_opt).sum():,.0f} of {np.abs(held).sum():,.0f} contracts) in the "
        "cross-margin account"
    )
    return AllocationResult(
        positions=tuple(portfolio.positions[i] for i in idx),
        in_xm=tuple(float(x) for x in x_opt),
        xm_result=xm_result,
        outside_span_usd=out_usd,
        everything_in_usd=_total(everything),
        nothing_in_usd=nothing,
        partial=partial,
        trivial=False,
        message=message,
        n_evaluations=n_eval,
        n_rounds=n_rounds,
    )
