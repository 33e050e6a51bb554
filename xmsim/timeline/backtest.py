"""Margin backtests: exceptions, Kupiec's proportion of failures, Christoffersen's independence.

An *exception* is a date whose realised loss exceeds the margin set on that date. For a model
meant to cover a loss with probability ``1 − p`` the exception count is Binomial(n, p):

* Kupiec (1995) POF: ``LR = −2 ln[(1−p)^(n−x) p^x] + 2 ln[(1−x/n)^(n−x) (x/n)^x]`` ~ χ²(1);
* Christoffersen (1998) independence, from the transition counts ``n_ij`` (state i then j):
  ``LR = −2 ln[(1−π)^(n00+n10) π^(n01+n11)] + 2 ln[(1−π0)^n00 π0^n01 (1−π1)^n10 π1^n11]``
  with ``π0 = n01/(n00+n01)``, ``π1 = n11/(n10+n11)``, ``π = (n01+n11)/(n00+n01+n10+n11)``,
  ~ χ²(1); ``0 ln 0 = 0``.

Daily points with a 3-day horizon overlap, so their exceptions cluster by construction; the
independence test is then informative only on non-overlapping points (``--every week``).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * np.log(y)


def kupiec_pof(exceptions: np.ndarray, p: float) -> tuple[float, float]:
    """Kupiec's likelihood ratio and its χ²(1) p-value.

    Parameters
    ----------
    exceptions : True where the loss exceeded the margin, shape (n_days,).
    p : expected exception probability [1] (0.01 for a 99% model).
    """
    e = np.asarray(exceptions, dtype=bool)
    n, x = e.size, int(e.sum())
    if n == 0:
        return float("nan"), float("nan")
    rate = x / n
    null = _xlogy(n - x, 1 - p) + _xlogy(x, p)
    alt = _xlogy(n - x, 1 - rate) + _xlogy(x, rate)
    lr = max(-2.0 * (null - alt), 0.0) + 0.0  # + 0.0: no "-0.00"
    return lr, float(stats.chi2.sf(lr, 1))


def transition_counts(exceptions: np.ndarray) -> tuple[int, int, int, int]:
    """(n00, n01, n10, n11): day-to-day transitions between no exception (0) and exception (1)."""
    e = np.asarray(exceptions, dtype=np.int64)
    pair = e[:-1] * 2 + e[1:]
    c = np.bincount(pair, minlength=4) if pair.size else np.zeros(4, dtype=np.int64)
    return int(c[0]), int(c[1]), int(c[2]), int(c[3])


def christoffersen_independence(exceptions: np.ndarray) -> tuple[float, float]:
    """Christoffersen's independence likelihood ratio and its χ²(1) p-value."""
    n00, n01, n10, n11 = transition_counts(exceptions)
    total = n00 + n01 + n10 + n11
    if total == 0:
        return float("nan"), float("nan")
    pi = (n01 + n11) / total
    pi0 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi1 = n11 / (n10 + n11) if n10 + n11 else 0.0
    null = _xlogy(n00 + n10, 1 - pi) + _xlogy(n01 + n11, pi)
    alt = _xlogy(n00, 1 - pi0) + _xlogy(n01, pi0) + _xlogy(n10, 1 - pi1) + _xlogy(n11, pi1)
    lr = max(-2.0 * (null - alt), 0.0) + 0.0  # + 0.0: no "-0.00"
    return lr, float(stats.chi2.sf(lr, 1))


def exception_band(n: int, p: float, level: float = 0.95) -> tuple[int, int]:
    """Two-sided ``level`` band of the exception count of a correct model: Binomial(n, p)."""
    tail = (1.0 - level) / 2.0
    return int(stats.binom.ppf(tail, n, p)), int(stats.binom.isf(tail, n, p))


def backtest(margin_usd: np.ndarray, pnl_usd: np.ndarray, p: float, level: float = 0.95) -> dict:
    """Exceptions of a margin series against realised P&L, with both tests.

    Parameters
    ----------
    margin_usd : margin set on each date [USD], shape (n_days,).
    pnl_usd : realised P&L over the model's horizon from each date [USD], NaN where not yet
        known (left out), shape (n_days,).
    p : expected exception probability [1]; ``level`` the test level (0.95: reject at 5%).
    """
    m, pnl = np.asarray(margin_usd, float), np.asarray(pnl_usd, float)
    exc = exception_flags(m, pnl)[np.isfinite(pnl)]
    n, x = int(exc.size), int(exc.sum())
    lr_pof, p_pof = kupiec_pof(exc, p)
    lr_ind, p_ind = christoffersen_independence(exc)
    low, high = exception_band(n, p, level) if n else (0, 0)
    return {
        "n": n, "exceptions": x, "rate": x / n if n else float("nan"), "expected_rate": p,
        "band": [low, high], "band_level": level,
        "kupiec_lr": lr_pof, "kupiec_p": p_pof, "kupiec_reject": bool(p_pof < 1 - level),
        "christoffersen_lr": lr_ind, "christoffersen_p": p_ind,
        "christoffersen_reject": bool(p_ind < 1 - level),
    }  # fmt: skip


def exception_flags(margin_usd: np.ndarray, pnl_usd: np.ndarray) -> np.ndarray:
    """True where the realised loss exceeds the margin (False where P&L is not known)."""
    pnl = np.asarray(pnl_usd, float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(pnl) & (-pnl > np.asarray(margin_usd, float))
