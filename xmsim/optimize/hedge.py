"""The best futures hedge: :func:`best_hedge` and :class:`HedgeResult`.

Method: :mod:`xmsim.optimize`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

from xmsim import contracts as ctr
from xmsim.arrangement.crossmargin import (
    LEG_CME,
    LEG_FICC,
)
from xmsim.arrangement.pots import pot_labels
from xmsim.optimize._batch import _Batch
from xmsim.optimize._search import (
    MAX_ROUNDS,
    SCALINGS,
    _hedge_moves,
    _rank,
    _Search,
    _surrogate,
    _total,
)
from xmsim.optimize.hedge_result import HedgeResult
from xmsim.portfolio import FUTURE, HOUSE, Portfolio, Position
from xmsim.pricing.risk import position_risk
from xmsim.simulate import Simulator, dv01_neutral_hedge


def _target(portfolio: Portfolio, sim: Simulator, account: str | None) -> tuple[str, Portfolio]:
    """The account receiving the hedge and the positions of its combined portfolio (the
    arrangement's reading decides which accounts share one)."""
    accounts = portfolio.accounts or (HOUSE,)
    labels = pot_labels(portfolio, sim.config.arrangement.arrangement)
    n_pots = len(set(labels))
    if account is None:
        if n_pots > 1:
            raise ValueError(
                f"{n_pots} combined portfolios ({sim.config.arrangement.arrangement} reading): "
                "each is margined on its own, so name the account to hedge "
                f"(one of {', '.join(accounts)})"
            )
        account = accounts[0]
    elif account not in accounts:
        raise ValueError(f"account {account!r} is not in the portfolio ({', '.join(accounts)})")
    if n_pots <= 1:
        return account, portfolio
    pot = next(lab for p, lab in zip(portfolio, labels, strict=True) if p.account == account)
    mine = tuple(p for p, lab in zip(portfolio, labels, strict=True) if lab == pot)
    return account, Portfolio(mine)


def _columns(
    contracts: Sequence[str | tuple[str, dt.date]], asof: dt.date, account: str
) -> tuple[Position, ...]:
    cols = []
    for item in contracts:
        code, expiry = (item, None) if isinstance(item, str) else item
        code = ctr.get_contract(code).code
        expiry = expiry or ctr.front_month(code, asof)
        cols.append(
            Position(
                FUTURE, 1.0, account=account, contract=code, expiry=expiry, label="optimal hedge"
            )
        )
    keys = [(c.contract, c.expiry) for c in cols]
    if not cols or len(set(keys)) != len(keys):
        raise ValueError(f"contracts must be a non-empty list without repeats, got {contracts!r}")
    return tuple(cols)


MAX_MONTHS_SEARCHED = 4
"""Months of one contract in the full search; a contract listing more (SR3, SR1, ZQ) has
every listed month screened first and the best ones searched [ASSUMED, for speed]."""


def _month_columns(
    contracts: Sequence[str | tuple[str, dt.date]], asof: dt.date, account: str
) -> tuple[tuple[Position, ...], dict[str, tuple[Position, ...]]]:
    """(columns searched in full, listed months to screen by contract code).

    A code means every listed month (:func:`xmsim.contracts.listed_months`); a
    ``(code, expiry)`` pair that month only.
    """
    full: list[Position] = []
    screen: dict[str, tuple[Position, ...]] = {}
    for item in contracts:
        code, expiry = (item, None) if isinstance(item, str) else item
        code = ctr.get_contract(code).code
        months = (expiry,) if expiry else ctr.listed_months(code, asof)
        cols = tuple(
            Position(FUTURE, 1.0, account=account, contract=code, expiry=m, label="optimal hedge")
            for m in months
        )
        if len(cols) > MAX_MONTHS_SEARCHED:
            screen[code] = cols
        else:
            full.extend(cols)
    keys = [(c.contract, c.expiry) for c in (*full, *(c for v in screen.values() for c in v))]
    if not keys or len(set(keys)) != len(keys):
        raise ValueError(f"contracts must be a non-empty list without repeats, got {contracts!r}")
    return tuple(full), screen


def _screen_months(
    sim: Simulator, target: Portfolio, cols: tuple[Position, ...], net_dv01: float
) -> tuple[Position, ...]:
    """The :data:`MAX_MONTHS_SEARCHED` months of one contract whose DV01-neutral hedge (and
    half of it) gives the lowest total, months the book already holds first."""
    batch = _Batch(sim, target, cols)
    dv01 = batch.col_risk.dv01_usd
    n = len(cols)
    q = np.diag([-np.round(net_dv01 / d) if d else 0.0 for d in dv01])
    totals = batch.totals(np.vstack([q, np.round(q / 2.0)])).reshape(2, n).min(axis=0)
    held = {(p.contract, p.expiry) for p in target if p.is_future}
    order = sorted(range(n), key=lambda j: ((cols[j].contract, cols[j].expiry) not in held,
                                            round(float(totals[j]), 2), j))  # fmt: skip
    return tuple(cols[j] for j in sorted(order[:MAX_MONTHS_SEARCHED]))


def _bounds(cols, limits: Mapping[str, float] | None) -> tuple[np.ndarray, np.ndarray]:
    hi = np.full(len(cols), 1e7)
    for name, value in (limits or {}).items():
        code = ctr.get_contract(name).code
        hit = [j for j, c in enumerate(cols) if c.contract == code]
        if not hit:
            raise ValueError(f"limit given for {code}, which is not among the hedge contracts")
        if value < 0:
            raise ValueError(f"position limit for {code} must be >= 0, got {value}")
        hi[hit] = np.floor(value)
    return -hi, hi


def best_hedge(
    portfolio: Portfolio,
    simulator: Simulator,
    contracts: Sequence[str | tuple[str, dt.date]] = ("ZN",),
    max_contracts: int | None = None,
    limits: Mapping[str, float] | None = None,
    naive_contract: str | None = None,
    account: str | None = None,
) -> HedgeResult:
    """The integer futures hedge minimising the requirement after cross-margining.

    Parameters
    ----------
    portfolio : the book to hedge (cash, futures or both).
    simulator : engines and settings; its arrangement (house or customer) is respected.
    contracts : hedge contracts, codes or aliases (every listed month,
        ``contracts.listed_months``; a contract listing more than :data:`MAX_MONTHS_SEARCHED`
        months has them screened and the best searched) or ``(code, expiry)`` pairs.
    max_contracts : optional cap on sum |contracts added| [contracts].
    limits : optional cap on |contracts added| per contract code [contracts].
    naive_contract : contract of the DV01-neutral comparison hedge (the month the book holds,
        else the front month); default the first of ``contracts``.
    account : customer arrangement: the account to hedge (required with several accounts).

    Returns
    -------
    HedgeResult; its ``margin_after_usd`` is never above the portfolio as is, nor above the
    DV01-neutral hedge when that hedge is one of the admissible candidates.
    """
    asof = simulator.market.asof
    account, target = _target(portfolio, simulator, account)
    budget = None if max_contracts is None else float(max_contracts)
    if budget is not None and budget < 0:
        raise ValueError(f"max_contracts must be >= 0, got {max_contracts}")
    cols, screen = _month_columns(contracts, asof, account)
    if naive_contract is None:
        first = contracts[0]
        naive_contract = first if isinstance(first, str) else first[0]
    run = simulator.run(target, details=False)
    elig = (run.legs == LEG_FICC) | (run.legs == LEG_CME)
    net_dv01 = float(run.risk.dv01_usd[elig].sum())
    notes = []
    for code, months in screen.items():
        best_months = _screen_months(simulator, target, months, net_dv01)
        cols += best_months
        notes.append(
            f"{code}: all {len(months)} listed months screened with a DV01-neutral hedge; the "
            f"search used {', '.join(f'{c.expiry:%b-%y}' for c in best_months)}"
        )
    naive = dataclasses.replace(dv01_neutral_hedge(run, naive_contract), account=account)
    lo, hi = _bounds(cols, limits)
    batch = _Batch(simulator, target, cols)
    search = _Search(batch.totals, lo, hi, budget)
    dv01 = batch.col_risk.dv01_usd
    singles = [  # single-contract DV01-neutral hedges
        np.where(np.arange(len(cols)) == j, -np.round(net_dv01 / d) if d else 0.0, 0.0)
        for j, d in enumerate(dv01)
    ]
    shocks_bp = simulator.var_engine.scenarios.shocks * 1e4
    sur = _surrogate(batch.eligible_krd, batch.col_risk.krd_usd.T, shocks_bp, lo, hi, budget)
    scales = np.minimum(np.maximum(20.0, 4.0 * np.abs(np.array(singles)).sum(0)), hi - lo)
    n, sub = len(cols), _one_month_each(cols, target)
    evaluations = rounds = 0
    if len(sub) < n:  # phase 1: one month per contract (the month held, else the front)
        first = _Search(lambda q: batch.totals(_embed(q, sub, n)), lo[sub], hi[sub], budget)
        sur1 = _surrogate(batch.eligible_krd, batch.col_risk.krd_usd.T[:, sub], shocks_bp,
                          lo[sub], hi[sub], budget)  # fmt: skip
        starts1 = [np.zeros(len(sub)), *(q[sub] for q in singles if q[sub].any()), sur1,
                   *(np.round(sur1 * f) for f in SCALINGS[:6])]  # fmt: skip
        best1 = first.descend(starts1, _hedge_moves(scales[sub], dv01[sub], budget))
        evaluations, rounds = first.n_evaluations, first.rounds
        starts = [np.zeros(n), _embed(best1, sub, n), *singles]  # phase 2: every month,
        # pair moves between months of one contract (rolls) and the months of phase 1
        chosen = set(sub.tolist())
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
                 if cols[i].contract == cols[j].contract or {i, j} <= chosen]  # fmt: skip
    else:
        starts = [np.zeros(n), *singles, sur, *(np.round(sur * f) for f in SCALINGS[:6])]
        pairs = None
    best = search.descend(starts, _hedge_moves(scales, dv01, budget, pairs))
    naive_q = np.array(
        [
            naive.quantity if (c.contract, c.expiry) == (naive.contract, naive.expiry) else 0.0
            for c in cols
        ]
    )
    naive_ok = (naive_q.any() and search.feasible(naive_q)) or naive.quantity == 0
    why_not = _why_not_admissible(naive, naive_q, cols, lo, hi, budget)
    # the reported numbers: Simulator.arrangement on the materialised portfolios
    before = simulator.arrangement(portfolio) if len(target) != len(portfolio) else run.result
    naive_res = simulator.arrangement(portfolio + Portfolio((naive,)))
    choices = [(best, None), (np.zeros(len(cols)), before)]
    choices += [(naive_q, naive_res)] if naive_ok else []
    best, trades, after, settle_notes = _settle(simulator, portfolio, cols, choices, search)
    notes += settle_notes
    dv01_after = net_dv01 + float(dv01 @ best)
    if abs(dv01_after) > abs(net_dv01) + 1.0:
        notes.append(
            f"the optimal trades raise the eligible DV01 from {net_dv01:,.0f} to "
            f"{dv01_after:,.0f} USD/bp: the saving comes from the arrangement arithmetic "
            "(smaller standalone legs or a higher applied percentage), not from less risk"
        )
    if not naive_ok:
        notes.append(
            f"the DV01-neutral hedge ({naive.quantity:+g} {naive.description}) is outside the "
            f"search ({why_not}); shown for comparison only"
        )
    return HedgeResult(
        account=account,
        contracts=tuple(c.contract for c in cols),
        expiries=tuple(c.expiry for c in cols),
        quantities=tuple(float(x) for x in best),
        trades=trades,
        before=before,
        after=after,
        naive_trade=naive,
        naive=naive_res,
        dv01_before_usd=net_dv01,
        dv01_after_usd=dv01_after,
        dv01_naive_usd=net_dv01 + naive.quantity * float(_unit_dv01(simulator, naive)),
        n_evaluations=evaluations + search.n_evaluations,
        n_rounds=rounds + search.rounds,
        notes=tuple(notes),
        naive_outside="" if naive_ok else why_not,
    )


def _one_month_each(cols: Sequence[Position], target: Portfolio) -> np.ndarray:
    """Column indices of one month per contract: the month the book holds most, else the
    first listed (the search's first phase)."""
    held: dict[tuple[str, dt.date], float] = {}
    for p in target:
        if p.is_future:
            held[(p.contract, p.expiry)] = held.get((p.contract, p.expiry), 0.0) + abs(p.quantity)
    pick: dict[str, int] = {}
    for j, c in enumerate(cols):
        k = pick.get(c.contract)
        if k is None or held.get((c.contract, c.expiry), 0.0) > held.get(
            (cols[k].contract, cols[k].expiry), 0.0
        ):
            pick[c.contract] = j
    return np.array(sorted(pick.values()), dtype=int)


def _embed(q: np.ndarray, sub: np.ndarray, n: int) -> np.ndarray:
    """Quantities on the columns ``sub`` (shape (..., len(sub))) as full vectors (..., n)."""
    q = np.asarray(q, dtype=float)
    out = np.zeros((*q.shape[:-1], n))
    out[..., sub] = q
    return out


def _why_not_admissible(naive: Position, naive_q, cols, lo, hi, budget) -> str:
    """Why the DV01-neutral hedge is not a candidate, in the user's terms."""
    if not np.any(naive_q):
        months = [f"{c.expiry:%b-%y}" for c in cols if c.contract == naive.contract]
        if not months:
            return f"{naive.contract} is not among the hedge contracts"
        return f"{naive.expiry:%b-%y} is not among the {naive.contract} months searched"
    n = abs(naive.quantity)
    if budget is not None and n > budget:
        return f"{n:,.0f} contracts is more than the limit of {budget:,.0f}"
    j = int(np.flatnonzero(naive_q)[0])
    return f"{n:,.0f} contracts is more than the {naive.contract} limit of {hi[j]:,.0f}"


def _settle(sim: Simulator, portfolio: Portfolio, cols, choices, search: _Search):
    """The best of the search result and the admissible reference hedges, each margined by
    ``Simulator.arrangement`` on the materialised portfolio (so the reported optimum is never
    worse than them, whatever float dust separates the batch from the simulator)."""
    scored = []
    for q, res in choices:
        trades = tuple(
            dataclasses.replace(c, quantity=float(x))
            for c, x in zip(cols, q, strict=True)
            if x != 0
        )
        res = res or sim.arrangement(portfolio + Portfolio(trades))
        scored.append((_rank(_total(res), q, float(np.abs(q).sum())), q, trades, res))
    notes = []
    q0, exact = choices[0][0], _total(scored[0][3])
    fast = search.cache[tuple(q0)] + _total(choices[1][1]) - search.cache[(0.0,) * len(cols)]
    if abs(fast - exact) > 1e-6 * max(1.0, abs(fast)) + 0.01:
        notes.append(
            f"batch total {fast:,.2f} differs from Simulator.arrangement {exact:,.2f}; "
            "the latter is reported"
        )
    if search.rounds >= MAX_ROUNDS:
        notes.append(f"search stopped after {MAX_ROUNDS} rounds (best found is reported)")
    _, best, trades, after = min(scored, key=lambda s: s[0])
    return best, trades, after, notes


def _unit_dv01(sim: Simulator, trade: Position) -> float:
    one = Portfolio((dataclasses.replace(trade, quantity=1.0),))
    return float(position_risk(sim.book(one), sim.market.curve).dv01_usd[0])
