"""The search of :mod:`xmsim.optimize`: ranking, the deterministic batched local search, its
step and move generators, and the MILP surrogate start (method: :mod:`xmsim.optimize`, steps 2-3).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize as sopt

from xmsim.arrangement.crossmargin import ArrangementResult

MAX_ROUNDS = 400
SCALINGS = (0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 1.01, 1.02, 1.05, 1.1, 1.25, 1.5)


def _total(result: ArrangementResult) -> float:
    return result.totals["total_after"]


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


def _hedge_moves(
    scales: np.ndarray,
    dv01: np.ndarray,
    budget: float | None,
    pairs: Sequence[tuple[int, int]] | None = None,
) -> Callable:
    """Moves of the hedge search: +-1, 2, 5, ... contracts of one contract; pair moves that
    keep the DV01 (shift along the curve); rescalings of the whole hedge; with a contract
    budget, pair exchanges of equal size (to slide along the budget's face); transfers of a
    whole column into another at equal DV01 (a roll between months). ``pairs``: the column
    pairs of the pair moves and transfers (default every pair)."""
    n = scales.size
    steps = [_steps(s) for s in scales]
    pairs = list(itertools.combinations(range(n), 2)) if pairs is None else list(pairs)

    def moves(q: np.ndarray) -> list[np.ndarray]:
        out = []
        for j in range(n):
            for s in steps[j]:
                for sign in (1.0, -1.0):
                    c = q.copy()
                    c[j] += sign * s
                    out.append(c)
        for i, j in pairs:  # transfers: all of one column into the other, DV01 kept (rolls)
            for a, b in ((i, j), (j, i)):
                if q[a] and dv01[b]:
                    c = q.copy()
                    c[b] += np.round(q[a] * dv01[a] / dv01[b])
                    c[a] = 0.0
                    out.append(c)
        for i, j in pairs:
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
