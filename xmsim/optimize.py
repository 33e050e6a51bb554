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
   * The arrangement: :func:`xmsim.crossmargin.run_arrangement` in customer mode (one account
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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize as sopt

from xmsim import contracts as ctr
from xmsim.crossmargin import (
    CUSTOMER_ARRANGEMENT,
    LEG_CME,
    LEG_FICC,
    N_LEGS,
    AccountResult,
    ArrangementResult,
    LegMargins,
    assign_legs,
    run_arrangement,
)
from xmsim.engines.span import SpanBook, _compile, _map_positions, span_margin_batch
from xmsim.portfolio import FUTURE, HOUSE, Portfolio, Position
from xmsim.risk import PositionTerms, PricingBook, position_risk
from xmsim.simulate import Simulator, dv01_neutral_hedge

CHUNK = 128
"""Candidates per engine pass (bounds memory: n_scenarios x CHUNK P&L matrices)."""
MAX_ROUNDS = 400
SCALINGS = (0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 1.01, 1.02, 1.05, 1.1, 1.25, 1.5)


# ----------------------------------------------------------------------------- batch evaluation


@dataclass(frozen=True)
class _Fixed:
    """A :class:`~xmsim.crossmargin.MarginModel` returning precomputed margins per account."""

    name: str
    margins: LegMargins

    def leg_margins(self, portfolio, book, account_idx, leg, n_accounts) -> LegMargins:
        return self.margins


def _net_rows(book: SpanBook) -> SpanBook:
    """The same SPAN book with rows netted per (contract, expiry or maturity, spot flag).

    SPAN reads only these net amounts (scan and spreads: net per CC; calendar and spot charges:
    net per expiry or maturity), so the margin is unchanged.
    """
    if book.n_positions == 0:
        return book
    _, code_id = np.unique(book.code, return_inverse=True)
    key = np.stack([code_id, book.sub_key, book.spot.astype(np.int64)], axis=1)
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
    )


_SPAN_FIELDS = ("code", "dv01_usd", "years_to_maturity", "sub_key", "spot")


def _compress_span(book: SpanBook | None, params, keep: set[tuple[str, int]]) -> SpanBook | None:
    """An equivalent SPAN book with at most two rows (long, short) per combined commodity.

    Per CC, SPAN reads the net contracts, the sums of positive and of negative nets per expiry
    or maturity (calendar charge) and the spot-month nets. Rows in the spot month and rows at
    an expiry some candidate trades (``keep``: (code, expiry ordinal)) stay as they are; the
    others are netted into one long and one short row per CC under fresh expiry keys, which
    leaves every one of those quantities unchanged.
    """
    if book is None or book.n_positions == 0:
        return book
    book = _net_rows(book)
    # the engine's own position -> CC map (private helpers, on purpose: no second copy of the
    # cash-bucket rule); the tests compare the result with Simulator.arrangement
    cc, q_eq, _ = _map_positions(book, _compile(params))
    kept = book.spot | np.array(
        [(c, k) in keep for c, k in zip(book.code, book.sub_key.tolist(), strict=True)]
    )
    rows = np.flatnonzero(kept)
    rest = np.flatnonzero(~kept & (q_eq != 0))
    grp = cc[rest] * 2 + (q_eq[rest] > 0)
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
        self.col_mv = np.abs(self.unit.terms.market_value_usd)
        self.col_notional = np.abs(self.unit.terms.notional_usd)
        self.col_risk = position_risk(self.unit, sim.market.curve)
        self.col_span = sim.span_model.book(cols, np.zeros(len(cols)))
        n_scen = self.col_pnl.shape[0]
        self.pnl = np.zeros((n_scen, N_LEGS + 1))  # base P&L by leg (+ unmodelled) [USD]
        self.mv = np.zeros(N_LEGS + 1)
        self.notional = np.zeros(N_LEGS + 1)
        self.span_const = LegMargins(*(np.zeros(1) for _ in range(5)))
        self.span_c = self.span_fc = None
        self.eligible_krd = np.zeros(self.col_risk.krd_usd.shape[1])
        if len(base):
            self._bind_base(base)
        margin = sim.var_engine.margins_from_pnl
        self.var_const = [
            float(margin(self.pnl[:, [k]], self.mv[k], self.notional[k])[0]) for k in range(N_LEGS)
        ]

    def _bind_base(self, base: Portfolio) -> None:
        sim = self.sim
        book = sim.book(base)
        legs, _ = assign_legs(base, sim.market.asof, book.terms)
        group = np.where(legs >= 0, legs, N_LEGS)  # unmodelled rows: a discarded group
        self.pnl = sim.var_engine.pnl_by_group(book, group, N_LEGS + 1)
        self.mv = np.bincount(group, np.abs(book.terms.market_value_usd), N_LEGS + 1)
        self.notional = np.bincount(group, np.abs(book.terms.notional_usd), N_LEGS + 1)
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
        mv_c = self.mv[c] + absq @ self.col_mv
        nt_c = self.notional[c] + absq @ self.col_notional
        margin = sim.var_engine.margins_from_pnl
        comb = margin(self.pnl[:, [f]] + cme_pnl, self.mv[f] + mv_c, self.notional[f] + nt_c)
        fixed = [np.full(n, v) for v in self.var_const]  # legs that do not move with q
        var = LegMargins(fixed[f], margin(cme_pnl, mv_c, nt_c), comb, fixed[2], fixed[3])
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


# ----------------------------------------------------------------------------- search


def _rank(total: float, q: np.ndarray, size: float) -> tuple:
    return (round(float(total), 2), round(float(size), 6), tuple(float(x) for x in q))


@dataclass
class _Search:
    """Deterministic batched steepest descent over integer vectors in a box (+ an L1 budget)."""

    evaluate: Callable[[np.ndarray], np.ndarray]
    lo: np.ndarray
    hi: np.ndarray
    budget: float | None = None
    size: Callable[[np.ndarray], float] = lambda q: float(np.abs(q).sum())
    integer: bool = True
    cache: dict = dataclasses.field(default_factory=dict)
    rounds: int = 0

    def feasible(self, q: np.ndarray) -> bool:
        ok = bool(np.all(q >= self.lo - 1e-9) and np.all(q <= self.hi + 1e-9))
        return ok and (self.budget is None or float(np.abs(q).sum()) <= self.budget + 1e-9)

    def project(self, q: np.ndarray) -> np.ndarray:
        q = np.clip(np.round(q) if self.integer else q, self.lo, self.hi)
        if self.budget is not None and np.abs(q).sum() > self.budget:
            q = np.trunc(q * self.budget / np.abs(q).sum())
        return q + 0.0

    def score(self, cands: Sequence[np.ndarray]) -> list[tuple]:
        """Rank keys of candidates, evaluating the new ones in one batch."""
        new = [c for c in dict.fromkeys(tuple(c) for c in cands) if c not in self.cache]
        if new:
            totals = self.evaluate(np.array(new, dtype=float))
            self.cache.update(zip(new, totals.tolist(), strict=True))
        return [_rank(self.cache[tuple(c)], np.asarray(c), self.size(np.asarray(c))) for c in cands]

    def descend(self, starts: Sequence[np.ndarray], moves: Callable) -> np.ndarray:
        """The best point reached from the best of ``starts`` (each projected to the box).

        Each round scores ``moves(best)`` plus pattern moves along the last accepted step
        (1, 2, 4, ... times it, Hooke-Jeeves style) in one batch and keeps the best if it ranks
        strictly better; it stops when no move improves.
        """
        starts = [self.project(np.asarray(s, dtype=float)) for s in starts]
        best_key, i = min(zip(self.score(starts), range(len(starts)), strict=True))
        best, last = starts[i], None
        while self.rounds < MAX_ROUNDS:
            cands = list(moves(best))
            if last is not None:
                cands += [best + last * 2.0**k for k in range(12)]
            cands = [c for c in cands if self.feasible(c)]
            if not cands:
                break
            self.rounds += 1
            key, i = min(zip(self.score(cands), range(len(cands)), strict=True))
            if key >= best_key:
                break
            best_key, last, best = key, cands[i] - best, cands[i]
        return best

    @property
    def n_evaluations(self) -> int:
        return len(self.cache)


def _steps(scale: float) -> list[float]:
    """1, 2, 5, 10, 20, 50, ... up to ``scale`` [contracts]."""
    out, k = [], 0
    while True:
        s = (1, 2, 5)[k % 3] * 10 ** (k // 3)
        if s > max(scale, 1):
            return out
        out.append(float(s))
        k += 1


def _hedge_moves(scales: np.ndarray, dv01: np.ndarray, budget: float | None) -> Callable:
    """Moves of the hedge search: +-1, 2, 5, ... contracts of one contract; pair moves that
    keep the DV01 (shift along the curve); rescalings of the whole hedge; with a contract
    budget, pair exchanges of equal size (to slide along the budget's face)."""
    n = scales.size
    steps = [_steps(s) for s in scales]

    def moves(q: np.ndarray) -> list[np.ndarray]:
        out = []
        for j in range(n):
            for s in steps[j]:
                for sign in (1.0, -1.0):
                    c = q.copy()
                    c[j] += sign * s
                    out.append(c)
        for i, j in itertools.combinations(range(n), 2):
            for s in steps[i]:
                shifts = [(a, -np.round(a * dv01[i] / dv01[j])) for a in (s, -s) if dv01[j]]
                if budget is not None:
                    shifts += [(a * s, b * s) for a in (1.0, -1.0) for b in (1.0, -1.0)]
                for a, b in shifts:
                    c = q.copy()
                    c[i] += a
                    c[j] += b
                    out.append(c)
        out += [np.round(q * f) + 0.0 for f in SCALINGS]
        return out

    return moves


def _surrogate(k0: np.ndarray, k: np.ndarray, shocks_bp: np.ndarray, lo, hi, budget) -> np.ndarray:
    """Integer q minimising sum_i |a_i . (k0 + K q)| (a_i: principal axes of the scenario
    shocks scaled by their standard deviation), by ``scipy.optimize.milp``.

    Parameters
    ----------
    k0 : base key-rate DV01 [USD per bp], shape (n_tenors,).
    k : key-rate DV01 of one contract per column [USD per bp], shape (n_tenors, n_cols).
    shocks_bp : scenario shocks [bp], shape (n_scenarios, n_tenors).
    lo, hi : bounds [contracts], shape (n_cols,); budget : max sum |q| or None.
    """
    cov = shocks_bp.T @ shocks_bp / shocks_bp.shape[0]
    lam, vec = np.linalg.eigh(cov)
    keep = lam > 1e-10 * lam.max()
    a = (vec[:, keep] * np.sqrt(lam[keep])).T  # (n_pc, n_tenors) [bp]
    c0, m = a @ k0, a @ k  # [USD]
    n, p = k.shape[1], a.shape[0]
    tiny = 1e-6 * max(float(np.abs(m).max(initial=0.0)), 1.0)
    cost = np.concatenate([np.zeros(n), np.ones(p), np.full(n, tiny)])
    eye_n, eye_p, z = np.eye(n), np.eye(p), np.zeros
    rows = [
        sopt.LinearConstraint(np.hstack([m, -eye_p, z((p, n))]), -np.inf, -c0),
        sopt.LinearConstraint(np.hstack([-m, -eye_p, z((p, n))]), -np.inf, c0),
        sopt.LinearConstraint(np.hstack([eye_n, z((n, p)), -eye_n]), -np.inf, 0.0),
        sopt.LinearConstraint(np.hstack([-eye_n, z((n, p)), -eye_n]), -np.inf, 0.0),
    ]
    if budget is not None:
        rows.append(sopt.LinearConstraint(np.concatenate([z(n + p), np.ones(n)]), 0.0, budget))
    bounds = sopt.Bounds(np.concatenate([lo, z(p), z(n)]), np.concatenate([hi, [np.inf] * (p + n)]))
    integrality = np.concatenate([np.ones(n), z(p + n)])
    res = sopt.milp(
        cost, constraints=rows, bounds=bounds, integrality=integrality, options={"time_limit": 10.0}
    )
    if res.x is not None:
        return np.round(res.x[:n]) + 0.0
    q, *_ = np.linalg.lstsq(m, -c0, rcond=None)  # no integer solution found: round the LS one
    return np.clip(np.round(q), lo, hi) + 0.0


# ----------------------------------------------------------------------------- best hedge


def _account_result(result: ArrangementResult, account: str) -> AccountResult:
    if len(result.accounts) == 1:
        return result.accounts[0]
    return next(a for a in result.accounts if a.account == account)


def _total(result: ArrangementResult) -> float:
    return result.totals["total_after"]


def _target(portfolio: Portfolio, sim: Simulator, account: str | None) -> tuple[str, Portfolio]:
    """The account receiving the hedge and the positions its requirement depends on."""
    accounts = portfolio.accounts or (HOUSE,)
    customer = sim.config.arrangement.arrangement == CUSTOMER_ARRANGEMENT
    if account is None:
        if customer and len(accounts) > 1:
            raise ValueError(
                f"customer arrangement with {len(accounts)} accounts: each account is margined "
                f"on its own, so name the account to hedge (one of {', '.join(accounts)})"
            )
        account = accounts[0]
    elif account not in accounts:
        raise ValueError(f"account {account!r} is not in the portfolio ({', '.join(accounts)})")
    if customer:
        return account, portfolio.for_account(account)
    return account, portfolio


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


@dataclass(frozen=True, slots=True)
class HedgeResult:
    """The best futures hedge of a portfolio and its comparison with the naive one.

    Amounts in USD; ``quantities`` in contracts to add (negative = sell), one per column
    (``contracts``, ``expiries``); ``trades`` the non-zero ones as positions ready to append.
    ``before`` / ``after`` / ``naive`` are ``Simulator.arrangement`` of the portfolio as is,
    with ``trades``, and with ``naive_trade`` (single-contract DV01-neutral hedge).
    Residual DV01s are of the eligible legs [USD per bp].
    """

    account: str
    contracts: tuple[str, ...]
    expiries: tuple[dt.date, ...]
    quantities: tuple[float, ...]
    trades: tuple[Position, ...]
    before: ArrangementResult
    after: ArrangementResult
    naive_trade: Position
    naive: ArrangementResult
    dv01_before_usd: float
    dv01_after_usd: float
    dv01_naive_usd: float
    n_evaluations: int
    n_rounds: int
    notes: tuple[str, ...] = ()

    @property
    def margin_before_usd(self) -> float:
        return _total(self.before)

    @property
    def margin_after_usd(self) -> float:
        return _total(self.after)

    @property
    def naive_margin_usd(self) -> float:
        return _total(self.naive)

    @property
    def saving_usd(self) -> float:
        return self.margin_before_usd - self.margin_after_usd

    @property
    def saving_vs_naive_usd(self) -> float:
        return self.naive_margin_usd - self.margin_after_usd

    @property
    def total_contracts(self) -> float:
        return float(sum(abs(q) for q in self.quantities))

    def apply(self, portfolio: Portfolio) -> Portfolio:
        """``portfolio`` with the hedge trades appended (the app's "apply this hedge")."""
        return portfolio + Portfolio(self.trades)

    def _row(self, name: str, hedge: str, n: float, res: ArrangementResult, dv01: float) -> dict:
        a = _account_result(res, self.account)
        t = res.totals
        return {
            "case": name,
            "hedge": hedge,
            "contracts": n,
            "ficc_requirement_usd": t["ficc_requirement"],
            "cme_requirement_usd": t["cme_requirement"],
            "ineligible_margin_usd": t["ineligible_margin_ficc"] + t["ineligible_margin_cme"],
            "total_requirement_usd": t["total_after"],
            "total_without_arrangement_usd": t["total_before"],
            "savings_ficc_model": a.savings_ficc_model,
            "savings_cme_model": a.savings_cme_model,
            "applied": a.applied,
            "saving_vs_as_is_usd": self.margin_before_usd - t["total_after"],
            "residual_dv01_usd": dv01,
        }

    def _describe(self) -> str:
        return (
            ", ".join(f"{q:+g} {t.description}" for t, q in ((t, t.quantity) for t in self.trades))
            or "no trade"
        )

    def to_frame(self) -> pd.DataFrame:
        """Three rows — as is, naive DV01-neutral, optimal — with both models' savings, the
        applied percentage and the requirements [USD]."""
        nq = self.naive_trade.quantity
        return pd.DataFrame(
            [
                self._row("as is", "no trade", 0.0, self.before, self.dv01_before_usd),
                self._row(
                    "DV01-neutral",
                    f"{nq:+g} {self.naive_trade.description}",
                    abs(nq),
                    self.naive,
                    self.dv01_naive_usd,
                ),
                self._row(
                    "optimal",
                    self._describe(),
                    self.total_contracts,
                    self.after,
                    self.dv01_after_usd,
                ),
            ]
        )

    def trades_frame(self) -> pd.DataFrame:
        """One row per hedge contract: contract, expiry, contracts to add."""
        return pd.DataFrame(
            {
                "contract": self.contracts,
                "expiry": [f"{e:%Y-%m}" for e in self.expiries],
                "contracts_to_add": self.quantities,
            }
        )

    def to_dict(self) -> dict:
        """JSON-ready summary (amounts in USD, fractions in [0, 1])."""
        rows = self.to_frame().to_dict(orient="records")
        return {
            "account": self.account,
            "trades": self.trades_frame().to_dict(orient="records"),
            "margin_before_usd": self.margin_before_usd,
            "margin_after_usd": self.margin_after_usd,
            "saving_usd": self.saving_usd,
            "naive": {
                "contract": self.naive_trade.contract,
                "expiry": f"{self.naive_trade.expiry:%Y-%m}",
                "contracts_to_add": self.naive_trade.quantity,
                "margin_usd": self.naive_margin_usd,
            },
            "saving_vs_naive_usd": self.saving_vs_naive_usd,
            "comparison": rows,
            "n_evaluations": self.n_evaluations,
            "n_rounds": self.n_rounds,
            "notes": list(self.notes),
        }


def best_hedge(
    portfolio: Portfolio,
    simulator: Simulator,
    contracts: Sequence[str | tuple[str, dt.date]] = ("ZN",),
    max_contracts: int | None = None,
    limits: Mapping[str, float] | None = None,
    naive_contract: str = "ZN",
    account: str | None = None,
) -> HedgeResult:
    """The integer futures hedge minimising the requirement after cross-margining.

    Parameters
    ----------
    portfolio : the book to hedge (cash, futures or both).
    simulator : engines and settings; its arrangement (house or customer) is respected.
    contracts : hedge contracts, codes or aliases (front month, ``contracts.front_month``) or
        ``(code, expiry)`` pairs.
    max_contracts : optional cap on sum |contracts added| [contracts].
    limits : optional cap on |contracts added| per contract code [contracts].
    naive_contract : contract of the DV01-neutral comparison hedge (front month).
    account : customer arrangement: the account to hedge (required with several accounts).

    Returns
    -------
    HedgeResult; its ``margin_after_usd`` is never above the portfolio as is, nor above the
    DV01-neutral hedge when that hedge is one of the admissible candidates.
    """
    asof = simulator.market.asof
    account, target = _target(portfolio, simulator, account)
    cols = _columns(contracts, asof, account)
    lo, hi = _bounds(cols, limits)
    budget = None if max_contracts is None else float(max_contracts)
    if budget is not None and budget < 0:
        raise ValueError(f"max_contracts must be >= 0, got {max_contracts}")
    run = simulator.run(target, details=False)
    naive = dataclasses.replace(dv01_neutral_hedge(run, naive_contract), account=account)
    batch = _Batch(simulator, target, cols)
    search = _Search(batch.totals, lo, hi, budget)
    dv01 = batch.col_risk.dv01_usd
    elig = (run.legs == LEG_FICC) | (run.legs == LEG_CME)
    net_dv01 = float(run.risk.dv01_usd[elig].sum())
    singles = [  # single-contract DV01-neutral hedges
        np.where(np.arange(len(cols)) == j, -np.round(net_dv01 / d) if d else 0.0, 0.0)
        for j, d in enumerate(dv01)
    ]
    shocks_bp = simulator.var_engine.scenarios.shocks * 1e4
    sur = _surrogate(batch.eligible_krd, batch.col_risk.krd_usd.T, shocks_bp, lo, hi, budget)
    starts = [np.zeros(len(cols)), *singles, sur, *(np.round(sur * f) for f in SCALINGS[:6])]
    scales = np.minimum(np.maximum(20.0, 4.0 * np.abs(np.array(singles)).sum(0)), hi - lo)
    best = search.descend(starts, _hedge_moves(scales, dv01, budget))
    naive_q = np.array(
        [
            naive.quantity if (c.contract, c.expiry) == (naive.contract, naive.expiry) else 0.0
            for c in cols
        ]
    )
    naive_ok = (naive_q.any() and search.feasible(naive_q)) or naive.quantity == 0
    # the reported numbers: Simulator.arrangement on the materialised portfolios
    before = simulator.arrangement(portfolio) if len(target) != len(portfolio) else run.result
    naive_res = simulator.arrangement(portfolio + Portfolio((naive,)))
    choices = [(best, None), (np.zeros(len(cols)), before)]
    choices += [(naive_q, naive_res)] if naive_ok else []
    best, trades, after, notes = _settle(simulator, portfolio, cols, choices, search)
    dv01_after = net_dv01 + float(dv01 @ best)
    if abs(dv01_after) > abs(net_dv01) + 1.0:
        notes.append(
            f"the optimal trades raise the eligible DV01 from {net_dv01:,.0f} to "
            f"{dv01_after:,.0f} USD/bp: the saving comes from the arrangement arithmetic "
            "(smaller standalone legs or a higher applied percentage), not from less risk"
        )
    if not naive_ok:
        notes.append(
            f"the DV01-neutral hedge ({naive.quantity:+g} {naive.description}) is not "
            "admissible (contract set, limits or max_contracts); shown for comparison"
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
        n_evaluations=search.n_evaluations,
        n_rounds=search.rounds,
        notes=tuple(notes),
    )


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


# ----------------------------------------------------------------------------- allocation


def _allocation_moves(q: np.ndarray, codes: Sequence[str], partial: bool) -> Callable:
    """Moves of the allocation search: everything in or out, one contract's positions in or
    out, one position in or out, and with ``partial`` +-1, 2, 5, ... contracts of one position
    (the box [min(0, q), max(0, q)] is enforced by the search)."""
    groups = [np.array([c == code for c in codes]) for code in dict.fromkeys(codes)]
    steps = [_steps(abs(x)) for x in q] if partial else [[] for _ in q]

    def moves(x: np.ndarray) -> list[np.ndarray]:
        out = [q.copy(), np.zeros_like(q)]
        for g in groups:
            out += [np.where(g, q, x), np.where(g, 0.0, x)]
        for i in range(q.size):
            shifts = [x[i] + np.sign(q[i]) * s * d for s in steps[i] for d in (1.0, -1.0)]
            for v in (0.0, q[i], *shifts):
                c = x.copy()
                c[i] = v
                out.append(c)
        return out

    return moves


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """Which futures to place in the cross-margin account (amounts in USD).

    ``positions`` are the CME-eligible futures of the portfolio as held; ``in_xm`` the
    contracts of each placed in the cross-margin account, the rest stays in the regular
    account and is margined by SPAN as a separate portfolio (per account under the customer
    arrangement). ``total_usd`` = ``xm_result`` total_after + ``outside_span_usd``.
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
    customer arrangement, one portfolio otherwise [USD]."""
    out = Portfolio(tuple(p for p in out if p.quantity != 0))
    if not len(out):
        return 0.0
    customer = sim.config.arrangement.arrangement == CUSTOMER_ARRANGEMENT
    parts = out.by_account().values() if customer else (out,)
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
    sim: Simulator, portfolio: Portfolio, idx: np.ndarray, account: str | None, partial: bool
) -> tuple[np.ndarray, _Search]:
    """Best contracts in the cross-margin account for the futures ``idx`` of one combined
    portfolio (``account``; None: the whole file), by batched local search from the corners."""
    chosen = {int(i) for i in idx}
    base = Portfolio(
        tuple(
            p
            for i, p in enumerate(portfolio)
            if i not in chosen and (account is None or p.account == account)
        )
    )
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
    ``partial`` in integer parts [contracts]. Under the customer arrangement each account is
    its own problem. A book without futures has nothing to allocate: the result says so
    (``trivial``) with its requirement as is.
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
    customer = simulator.config.arrangement.arrangement == CUSTOMER_ARRANGEMENT
    held = np.array([portfolio.positions[i].quantity for i in idx])
    x_opt = held.copy()
    n_eval = n_rounds = 0
    for acc in portfolio.accounts if customer else (None,):  # accounts never offset
        mine = np.array([acc is None or portfolio.positions[i].account == acc for i in idx])
        if mine.any():
            x_opt[mine], search = _allocate_group(simulator, portfolio, idx[mine], acc, partial)
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
