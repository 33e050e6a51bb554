"""The VaR scenario set's stressed window written out plainly (METHODOLOGY §5).

The most volatile ``n_days`` stretch of a history: for every start row, the sum over tenors of
the squared daily changes inside the window, one window at a time; the first largest wins.
"""

from __future__ import annotations

import itertools


def most_volatile_start(yields, n_days: int, upto: int) -> int:
    """Start row of the most volatile ``n_days`` window of ``yields[:upto]`` (rows x tenors)."""
    rows = [list(r) for r in yields[:upto]]
    if len(rows) <= n_days + 1:
        return 0
    daily = [sum((b - a) ** 2 for a, b in zip(r0, r1, strict=True))
             for r0, r1 in itertools.pairwise(rows)]  # fmt: skip
    best, best_start = None, 0
    for s in range(len(daily) - n_days + 1):
        v = sum(daily[s : s + n_days])
        if best is None or v > best:
            best, best_start = v, s
    return best_start
