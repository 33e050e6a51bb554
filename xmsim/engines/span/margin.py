"""CME-like SPAN engine (METHODOLOGY §6): risk arrays, scanning spreads, credits, attribution.

Steps, for each portfolio (every number comes from a
:class:`~xmsim.engines.span.params_io.SpanParams`):

1. **Positions -> combined commodities (CC).** A future belongs to its contract's CC (all expiries
   together, so calendar spreads net). A cash Treasury or repo goes to the cash bucket whose
   ``max_years`` first covers its years to maturity (ACT/365.25 from ``asof``) as
   contracts-equivalent = position DV01 / DV01 of one contract of the bucket's future.
2. **Risk arrays.** 16 scenarios per contract (:data:`SCENARIO_LABELS`): price moves 0, +-1/3,
   +-2/3, +-1 of the PSR, each twice (volatility up/down; equal for futures), then +-3 x PSR
   counted at 33%. As CME does, moves are 0.3333 / 0.6667 / 1 / 0.99 and each per-contract array
   is rounded to whole dollars before multiplying by the quantity. Values are losses (+ = loss)
   of one long contract; "up" is a price rise (yields down).
3. **Intra-commodity (calendar) charge** per CC = ``intra_spread_usd`` x min(long, short), where
   long/short add the net quantity of each expiry (futures) or maturity date (cash).
   **Spot charge** = ``spot_usd`` x |net quantity| of each expiry in its delivery month.
4. **Scanning-based spreads** (priority order). Legs are listed in maturity order; spreads are
   formed pairwise between legs of opposite sign, adjacent legs first, then two apart, and so on
   (for UB:ZB:ZN:ZF that is UB-ZB, ZB-ZN, ZN-ZF, UB-ZN, ZB-ZF, UB-ZF). Each pair forms
   n = min(|q_a| / r_a, |q_b| / r_b) spreads (floored when ``fractional_spreads`` is false); the
   legs n*r move out of their CCs. Per scenario the pair's value is loss on losing legs -
   credit_rate x gain on winning legs; its charge is the worst scenario, >= 0. What is not
   spread stays outright in its CC.
5. **Scan risk** per CC on what remains = worst scenario loss, >= 0.
6. **Inter-commodity credits** (priority order) on the remaining net positions of opposite sign:
   credit = rate x sum over both legs of (contracts used x the leg's outright margin per
   contract, = its scan risk / |net contracts|). Ratios are in contracts (``basis='delta'``) or
   in USD per bp (``'dv01'``). A leg's contracts are consumed as spreads use them.
7. **Total** maintenance = scan + intra + spot + scanning-spread charges - credits; initial =
   maintenance x ``initial_multiplier``; ``shown`` says which one ``margin_usd`` is.

Cash in the Treasury spreads (default parameters, ASSUMED): cash buckets have their own scanning
groups mirroring CME's (CASH-UB:CASH-ZB:CASH-ZN:CASH-ZF 2:2:3:5, CASH-Z3N:CASH-ZT 1:1, 70%), since
contracts-equivalent are DV01-matched to the futures; cash offsets futures through
inter-commodity credits: the same bucket first (CASH-ZN vs ZN, 1:1, 90%), then the adjacent
buckets (CASH-TN vs ZN etc., DV01-matched, 70%). Because scanning spreads are formed before
inter-commodity credits, a future used in a futures curve spread is no longer available to
hedge cash (CME's priority order has the same greedy character).

Golden check (CME's scanning-spread example, ``tests/test_span.py``): with the scenario order
above, +2 ZB (PSR 3,100) vs -3 ZN (PSR 1,600) gives 0, 0, 152.80, 152.80, 946.70, ... 455.40,
2,811.60 -> 2,840; e.g. "up 1/3": ZN short loses 3 x 533 = 1,599, ZB long gains 2 x 1,033,
1,599 - 0.7 x 2,066 = 152.80.

Attribution: each CC's amount (scan + intra + its legs' share of spread charges, split by leg
outright risk, + its legs' credits) is split over the CC's positions in proportion to each
position's standalone scan risk (by |contracts| when that is zero); spot charges go to the spot
positions by |contracts|. The attribution sums to the maintenance total.
"""

# Split by concern (house guide: files under ~400 lines): the book in span_book.py, scenarios,
# risk arrays and the vectorised core in span_core.py, result values and attribution in
# span_result.py. This module keeps the public entry points and re-exports every name.

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from xmsim.engines.span._book import DAYS_PER_YEAR, SpanBook, concat_books, span_book, stack_books
from xmsim.engines.span._core import (
    N_SCENARIOS,
    SCENARIO_LABELS,
    _array_rows,
    _compile,
    _core,
    _map_positions,
    risk_arrays,
    scenario_moves,
)
from xmsim.engines.span._equiv import FuturesEquivalents
from xmsim.engines.span._result import (
    InterCredit,
    SpanBatchResult,
    SpanResult,
    SpreadCharge,
    _attribution,
)
from xmsim.engines.span.params_io import SpanParams
from xmsim.frozen import readonly


def map_positions(book: SpanBook, params: SpanParams) -> FuturesEquivalents:
    """Step 1 alone: the futures-equivalent rows of ``book`` under ``params`` [contracts per
    row, shape (n_rows,)].

    Parameters
    ----------
    book : the positions.
    params : the SPAN parameter set; its compiled form is cached.

    Returns
    -------
    The rows (:class:`~xmsim.engines.span._equiv.FuturesEquivalents`): each futures position
    once, each cash position once (user-mapped) or in up to two contracts (automatic split),
    with ``src`` pointing back to the book's position.

    Raises ``ValueError`` for a futures code without SPAN parameters or a contract cash maps
    onto without a positive DV01 in ``book.contract_dv01``.
    """
    return _map_positions(book, _compile(params))


def _group_names(eq: FuturesEquivalents, cc: tuple[str, ...], n_pos: int) -> tuple[str, ...]:
    names: list[list[str]] = [[] for _ in range(n_pos)]
    for s, c in zip(eq.src.tolist(), eq.cc.tolist(), strict=True):
        names[s].append(cc[c])
    return tuple("+".join(n) for n in names)


def span_margin(book: SpanBook, params: SpanParams, customer: bool = False) -> SpanResult:
    """SPAN margin of ``book`` as one portfolio (accounts ignored) under ``params``;
    ``customer`` says whether it is a customer account (initial margin:
    :meth:`SpanParams.account_type_of`).

    ``book`` holds n_positions rows (contracts for futures, DV01 [USD per bp] and face [USD] for
    cash); the result's margin and every component are [USD], its risk arrays per combined
    commodity [USD per contract], shape (n_cc, 16).
    """
    account_type = params.account_type_of(customer)
    cp = _compile(params)
    eq = _map_positions(book, cp)
    eq = dataclasses.replace(eq, account=np.zeros_like(eq.account))
    core = _core(eq, 1, cp, params, _array_rows(book, eq, cp, params.label))
    n_pos = book.n_positions
    present = np.flatnonzero(np.bincount(eq.cc, minlength=len(cp.cc)) > 0)
    resid = core.resid[0] if np.ndim(core.resid) else 0.0
    spreads = tuple(
        SpreadCharge(
            name,
            (cp.cc[a], cp.cc[b]),
            float(core.pair_n[k, 0]),
            (float(core.pair_legs[k, 0, 0]), float(core.pair_legs[k, 1, 0])),
            readonly(core.pair_values[k, 0]),
            float(core.pair_charge[k, 0]),
        )
        for k, (name, a, b, *_r) in enumerate(cp.pairs)
        if core.pair_n[k, 0] > 0
    )
    credits = tuple(
        InterCredit(
            name,
            (cp.cc[a], cp.cc[b]),
            float(core.inter_n[k, 0]),
            (float(core.inter_used[k, 0, 0]), float(core.inter_used[k, 1, 0])),
            rate,
            -float(core.inter_credit[k, :, 0].sum()),
        )
        for k, (name, a, b, _ra, _rb, rate, _basis) in enumerate(cp.inters)
        if core.inter_n[k, 0] > 0
    )
    return SpanResult(
        params_label=params.label,
        asof=book.asof,
        shown=params.shown,
        initial_multiplier=params.multiplier_of(account_type),
        combined_commodities=tuple(cp.cc[i] for i in present),
        net_contracts=core.net[0, present],
        scan_risk_usd=core.scan[0, present],
        intra_charge_usd=core.intra[0, present],
        spot_charge_usd=core.spot[0, present],
        basis_charge_usd=core.basis[0, present],
        scanning_spreads=spreads,
        inter_credits=credits,
        scenario_loss_usd=(core.net[0, :, None] * core.eff[0] + resid)[present] + 0.0,
        position_labels=book.labels,
        position_group=_group_names(eq, cp.cc, n_pos),
        position_contracts=np.bincount(eq.src, eq.q, minlength=n_pos),
        attribution_usd=_attribution(core, eq, cp, n_pos),
        maintenance_usd=float(core.maintenance[0]),
        account_type=account_type,
        equivalents=tuple(
            (int(s), cp.cc[c], float(q)) for s, c, q in zip(eq.src, eq.cc, eq.q, strict=True)
        ),
    )


def span_margin_batch(
    books: SpanBook | Sequence[SpanBook],
    params: SpanParams,
    customer: np.ndarray | Sequence[bool] | None = None,
) -> SpanBatchResult:
    """SPAN margin per account [USD], shape (n_accounts,), every account its own portfolio
    (customer gross margining); ``customer`` (bool, shape (n_accounts,); None: none) marks the
    customer accounts, whose initial margin follows :meth:`SpanParams.account_type_of`.

    ``books`` is one book whose ``account`` array separates the portfolios (``span_book(...,
    by_account=True)``) or a sequence of books (one account each). All accounts run through
    one vectorised pass (segment sums over (account, CC)), no loop per account.
    """
    book = books if isinstance(books, SpanBook) else stack_books(books)
    cp = _compile(params)
    eq = _map_positions(book, cp)
    rows = _array_rows(book, eq, cp, params.label)
    n = len(book.accounts)
    maint = _core(eq, n, cp, params, rows).maintenance
    is_customer = np.zeros(n, bool) if customer is None else np.asarray(customer, bool)
    if is_customer.shape != (n,):
        raise ValueError(f"customer has shape {is_customer.shape}, expected ({n},)")
    kinds = (params.account_type_of(False), params.account_type_of(True))
    multiplier = np.array([params.multiplier_of(k) for k in kinds])[is_customer.astype(int)]
    return SpanBatchResult(
        book.accounts,
        readonly(maint),
        readonly(maint * multiplier),
        params.shown,
        params.label,
        tuple(kinds[int(c)] for c in is_customer),
    )


__all__ = [
    "DAYS_PER_YEAR", "N_SCENARIOS", "SCENARIO_LABELS", "FuturesEquivalents", "InterCredit",
    "SpanBatchResult", "SpanBook", "SpanResult", "SpreadCharge", "concat_books",
    "map_positions", "risk_arrays", "scenario_moves", "span_book", "span_margin",
    "span_margin_batch", "stack_books",
]  # fmt: skip
