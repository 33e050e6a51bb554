"""The SOFR / fed funds–Treasury basis of the VaR model: real where loaded, synthetic otherwise.

Basis level on each business day of a yield history [decimal]::

    spread_SOFR = SOFR − Treasury 1M par yield;   spread_EFFR = EFFR − Treasury 1M par yield
    basis = median of the spread over the last SMOOTH_DAYS business days

the overnight rate taken on that date, or the last published one at most
:data:`MAX_CARRY_DAYS` calendar days before (SOFR is not published on SIFMA holidays). The
rolling median [ASSUMED] keeps persistent shifts of the spread and drops one- and two-day
spikes (month-ends, tax dates), which barely move a 1- or 3-month average reference rate. SR3 and
SR1 reference rates move with the Treasury curve at their reference period plus the SOFR
basis change; ZQ's with the EFFR basis change (METHODOLOGY §5) [ASSUMED model, settable scale].

The embedded default market's history is synthetic, so its basis is synthetic too: a
mean-reverting AR(1) per factor with Student-t shocks, correlated across the two factors, whose
figures (``xmsim/data/basis_stats.json``, written by ``scripts/calibrate_basis.py`` with
:func:`calibrate_basis_stats` from the real SOFR, EFFR and Treasury files) make its 3-day
changes — the VaR horizon — as volatile as the real ones. Labelled synthetic wherever shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from xmsim.market import BASIS_FACTORS, TENORS, BasisHistory, OvernightSeries, YieldHistory
from xmsim.units import BP

MAX_CARRY_DAYS = 5
"""An overnight rate stands for later dates without a publication for at most this many
calendar days [days]. [ASSUMED]"""

TREASURY_TENOR = "1M"
"""The Treasury par yield the overnight rates are compared with. [ASSUMED]"""

SMOOTH_DAYS = 5
"""Business days of the rolling median that turns the daily spread into the basis. [ASSUMED]"""

STATS_PATH = Path(__file__).resolve().parents[1] / "data" / "basis_stats.json"
HORIZON_DAYS = 3
"""The horizon whose change volatility the synthetic basis matches [business days]."""


def basis_from_series(history: YieldHistory, series: Sequence[OvernightSeries]) -> BasisHistory:
    """Basis levels on ``history``'s dates from loaded overnight series (see the module text).

    Parameters
    ----------
    history : the Treasury par-yield history the scenarios come from.
    series : at most one series per factor of :data:`BASIS_FACTORS`.

    Returns
    -------
    BasisHistory, levels [decimal] shape (n_days, n_basis), NaN where a factor has no value.
    """
    names = [s.name for s in series]
    if len(set(names)) != len(names):
        raise ValueError(f"one overnight series per factor, got {', '.join(names)}")
    spread = np.full((history.dates.size, len(BASIS_FACTORS)), np.nan)
    short = history.yields[:, TENORS.index(TREASURY_TENOR)]
    for s in series:
        idx = np.searchsorted(s.dates, history.dates, side="right") - 1
        ok = idx >= 0
        gap = history.dates[ok] - s.dates[idx[ok]]
        ok[ok] = gap <= np.timedelta64(MAX_CARRY_DAYS, "D")
        spread[ok, BASIS_FACTORS.index(s.name)] = s.rates[idx[ok]] - short[ok]
    levels = pd.DataFrame(spread).rolling(SMOOTH_DAYS, min_periods=SMOOTH_DAYS).median()
    text = "; ".join(s.source for s in series)
    source = (
        f"{' and '.join(names)} − Treasury {TREASURY_TENOR} basis ({SMOOTH_DAYS}-day median) "
        f"from {text}"
    )
    return BasisHistory(history.dates, levels.to_numpy(), source)


def horizon_changes(levels: np.ndarray, h: int = HORIZON_DAYS) -> np.ndarray:
    """Overlapping ``h``-day changes of basis levels [decimal], shape (n_days − h, n_basis)."""
    return levels[h:] - levels[:-h]


def calibrate_basis_stats(basis: BasisHistory) -> dict:
    """The figures the synthetic basis is generated from, per factor (real basis in, JSON out).

    mean and AR(1) coefficient of the daily level, the standard deviation [bp] and 1% / 99%
    quantiles [bp] of the 3-day change, the excess kurtosis of the daily AR(1) residual (its
    Student-t degrees of freedom 4 + 6 / kurtosis), and the correlation of the two factors'
    3-day changes on the days both exist.
    """
    out: dict = {"factors": {}}
    for j, name in enumerate(BASIS_FACTORS):
        x = basis.levels[:, j]
        x = x[np.isfinite(x)]
        if x.size < 250:
            raise ValueError(f"{name}: fewer than 250 days of basis to calibrate")
        phi = float(np.corrcoef(x[:-1], x[1:])[0, 1])
        mean = float(x.mean())
        resid = (x[1:] - mean) - phi * (x[:-1] - mean)
        z = (resid - resid.mean()) / resid.std()
        kurt = float((z**4).mean() - 3.0)
        d3 = horizon_changes(x) * 1e4
        out["factors"][name] = {
            "n_days": int(x.size),
            "mean_bp": round(mean * 1e4, 3),
            "ar1_daily": round(phi, 5),
            "change_3d_std_bp": round(float(d3.std()), 4),
            "change_3d_q01_bp": round(float(np.quantile(d3, 0.01)), 3),
            "change_3d_q99_bp": round(float(np.quantile(d3, 0.99)), 3),
            "residual_excess_kurtosis": round(kurt, 3),
            "student_t_dof": round(max(4.0 + 6.0 / kurt, 2.5) if kurt > 0 else 30.0, 3),
        }
    both = np.all(np.isfinite(basis.levels), axis=1)
    d3 = horizon_changes(basis.levels[both])
    out["correlation_3d"] = round(float(np.corrcoef(d3.T)[0, 1]), 4)
    return out


@cache
def load_basis_stats(path: Path = STATS_PATH) -> dict:
    """The committed calibration (cached; treat as read-only)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def synthetic_basis(history: YieldHistory, seed: int = 20260731) -> BasisHistory:
    """A synthetic basis on ``history``'s dates from the committed statistics.

    Each factor is ``b_t = m + φ (b_{t−1} − m) + σ ε_t`` with ε multivariate Student-t (the
    factors' correlation, unit variance), σ set so the 3-day change has the calibrated standard
    deviation: Var(b_{t+3} − b_t) = 2 σ² (1 − φ³) / (1 − φ²). The same seed gives the same path.
    """
    doc = load_basis_stats()
    f = [doc["factors"][n] for n in BASIS_FACTORS]
    phi = np.array([x["ar1_daily"] for x in f])
    mean = np.array([x["mean_bp"] for x in f]) * BP
    sd3 = np.array([x["change_3d_std_bp"] for x in f]) * BP
    sigma = sd3 / np.sqrt(2.0 * (1.0 - phi**HORIZON_DAYS) / (1.0 - phi**2))
    nu = min(x["student_t_dof"] for x in f)
    rng = np.random.default_rng(seed)
    n = history.dates.size
    rho = doc["correlation_3d"]
    chol = np.linalg.cholesky(np.array([[1.0, rho], [rho, 1.0]]))
    gauss = rng.standard_normal((n, 2)) @ chol.T
    eps = gauss * np.sqrt((nu - 2.0) / rng.chisquare(nu, (n, 1)))
    levels = np.empty((n, 2))
    levels[0] = mean
    for t in range(1, n):  # a 2-factor recursion over ~2,750 days: cheap, and obvious
        levels[t] = mean + phi * (levels[t - 1] - mean) + sigma * eps[t]
    label = (
        f"synthetic SOFR/EFFR–Treasury basis calibrated to {doc['label']} (seed {seed}) — "
        "not observed data"
    )
    return BasisHistory(history.dates, levels, label, synthetic=True)
