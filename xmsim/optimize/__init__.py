"""Best hedge and futures allocation under the cross-margin arrangement, on the real engines.

Two questions (METHODOLOGY §1 arithmetic, both CCPs' models):

* :func:`best_hedge` — the integer numbers of contracts, in a chosen set of futures, whose
  addition minimises the requirement after cross-margining (FICC + CME + ineligible), compared
  with the naive single-contract DV01-neutral hedge.
* :func:`best_allocation` — which futures (or how many contracts of each) to place in the
  cross-margin account; those left in the regular account are a separate SPAN portfolio.

Method
------
1. **Exact batch evaluation.** A candidate is ``base + sum_j q_j * (one contract of column j)``.
   What does not move with ``q`` is margined once by the engines; what moves is computed for
   every candidate of a round in one vectorised pass:

   * VaR: full-revaluation P&L is linear in quantities (value = quantity x f(discount
     factors)), so leg P&L(q) = base leg P&L + unit P&L @ q, then the engine's own
     ``margins_from_pnl`` (quantile, floor, add-on).
   * SPAN: the engine's ``span_margin_batch`` on one stacked book, one account per candidate
     and leg: the base rows compressed to what SPAN reads (per combined commodity: net, longs
     and shorts across expiries or maturities, spot-month rows, rows at a traded expiry)
     plus the candidate's futures rows.
   * The arrangement: :func:`xmsim.arrangement.crossmargin.run_arrangement` in customer mode (one
   account
     per candidate) fed with those leg margins, so cap, savings basis and model switches are
     the simulator's own.

   The tests check these totals against ``Simulator.arrangement`` on the materialised
   portfolios, and every reported number comes from ``Simulator.arrangement``.
2. **Surrogate start.** A small ``scipy.optimize.milp``: integer contracts minimising the L1
   norm of the residual key-rate DV01 in principal-component coordinates of the VaR scenario
   shocks (weights sqrt(eigenvalue)), under the limits and the contract budget.
3. **Deterministic local search.** From the best start (no trade, each single-contract
   DV01-neutral hedge, the surrogate and scaled copies), steepest descent over coordinate
   moves (+-1, 2, 5, 10, 20, 50, ... contracts), DV01-preserving pair moves, equal-size
   exchanges when a budget binds, rescalings and pattern moves along the last step; all moves
   of a round in one batch. Ties: lower total (to the cent), then fewer contracts, then the
   quantity vector in contract order. No randomness. The allocation search is the same
   descent over per-position in/out (or partial) moves, started from "everything in" and
   "nothing in".

What to expect: at the 80% cap the requirement is 20% of the standalone margins, so every
contract dropped saves 20% of its SPAN margin until the lower savings percentage falls to the
cap. The margin-minimising hedge therefore sits on that boundary, usually with fewer contracts
than DV01-neutral; with the cap lifted it lies within a few contracts of DV01-neutral. The
result flags a hedge that raises the eligible DV01.

Layout
------
:mod:`xmsim.optimize._batch` (exact batch evaluation), :mod:`xmsim.optimize._search` (ranking,
local search, moves, surrogate), :mod:`xmsim.optimize.hedge` and
:mod:`xmsim.optimize.allocation` (the two questions and their results). This module is the
public entry point and re-exports them.
"""

from __future__ import annotations

from xmsim.optimize._batch import _Batch, _compress_span
from xmsim.optimize._search import _surrogate
from xmsim.optimize.allocation import AllocationResult, best_allocation
from xmsim.optimize.hedge import HedgeResult, _columns, best_hedge

# the private names are re-exported for the tests and benchmarks/bench_optimize.py
__all__ = [
    "AllocationResult",
    "HedgeResult",
    "_Batch",
    "_columns",
    "_compress_span",
    "_surrogate",
    "best_allocation",
    "best_hedge",
]
