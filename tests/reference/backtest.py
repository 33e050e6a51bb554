"""The VaR backtests written out from the textbooks, one day pair at a time.

Kupiec's proportion-of-failures likelihood ratio (Jorion, *Value at Risk*, ch. 6) and
Christoffersen's independence ratio from transition counts (Christoffersen 1998), with the
convention 0 ln 0 = 0; Portfolio Differential as the closed-form EWMA sum of day-on-day VaR
increases.
"""

from __future__ import annotations

import itertools
import math


def kupiec(n: int, x: int, p: float) -> float:
    """LR_POF for ``x`` exceptions in ``n`` days at exception probability ``p``."""
    r = x / n
    log_null = (n - x) * math.log(1 - p) + x * math.log(p)
    log_alt = (n - x) * math.log(1 - r) + x * math.log(r)
    return -2 * (log_null - log_alt)


def christoffersen(days: list[bool]) -> float:
    """LR_ind of an exception series, from transition counts counted one day pair at a time."""
    n = {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 0}
    for a, b in itertools.pairwise(days):
        n[(int(a), int(b))] += 1
    n00, n01, n10, n11 = n[(0, 0)], n[(0, 1)], n[(1, 0)], n[(1, 1)]
    pi0 = n01 / (n00 + n01)
    pi1 = n11 / (n10 + n11)
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)

    def term(count: int, prob: float) -> float:  # the convention 0 ln 0 = 0
        return 0.0 if count == 0 else count * math.log(prob)

    log_null = term(n00 + n10, 1 - pi) + term(n01 + n11, pi)
    log_alt = term(n00, 1 - pi0) + term(n01, pi0) + term(n10, 1 - pi1) + term(n11, pi1)
    return -2 * (log_null - log_alt)


def portfolio_differential(var: list[float], decay: float, multiplier: float) -> list[float]:
    """multiplier × (1 − λ) Σ_k λ^(t−k) max(VaR_k − VaR_(k−1), 0), day by day (first day 0)."""
    inc = [0.0] + [max(b - a, 0.0) for a, b in itertools.pairwise(var)]
    return [multiplier * (1 - decay) * sum(decay ** (t - k) * inc[k] for k in range(t + 1))
            for t in range(len(var))]  # fmt: skip
