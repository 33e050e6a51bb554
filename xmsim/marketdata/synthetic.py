"""A synthetic Treasury par-curve history calibrated to the real 1990–2024 curve.

The repository never ships the real history (``../shared/data`` is for tests and calibration only);
it ships the **statistics** in ``xmsim/data/history_stats.json``, written by
``scripts/calibrate_history.py`` with :func:`calibrate_history_stats`, and generates from them a
history with the same daily-change behaviour for the embedded default market.

Model (all figures from the JSON unless marked ASSUMED)
------------------------------------------------------
* Daily par-yield changes [bp] follow a two-state Markov chain (calm / stressed). The regimes were
  labelled on the real history by the centred 60-business-day volatility of the 10Y change: the
  top 15% of days are *stressed*. [ASSUMED classifier; figures calibrated]
* In each regime the 13 changes are multivariate Student-t with that regime's volatility per
  tenor and correlation matrix, scaled to unit variance; one tail parameter (degrees of freedom)
  fitted on regime-standardised 1Y–30Y changes. One dof for all tenors is a simplification: bill
  tenors are thinner-tailed, long bonds fatter-tailed than observed. Each standardised shock is
  capped at the largest regime-standardised move observed for its tenor (an unbounded t would
  now and then draw a 200 bp day).
* One stressed stretch of :data:`STRESS_BLOCK_DAYS` business days is inserted at a seeded random
  place, and the other stressed spells are thinned so that the stressed share of days still
  matches the calibration. The VaR stress window therefore always finds a real stress period
  (for histories of more than 500 business days; shorter ones get no forced block).
* Levels are built backward from the base curve (the last day equals it) as a mean-reverting
  AR(1) around it, with the half-life fitted on 1990–2024 levels (weakly identified; it keeps
  11-year paths in a plausible range), and floored at :data:`YIELD_FLOOR`. [ASSUMED floor]
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from xmsim.dates import business_days_between
from xmsim.frozen import readonly
from xmsim.market import TENORS, ParCurve, YieldHistory
from xmsim.marketdata.gsw_curve import default_curve
from xmsim.units import BP, TRADING_DAYS_PER_YEAR

STATS_PATH = Path(__file__).resolve().parents[1] / "data" / "history_stats.json"
STATS_LABEL = "derived from U.S. Treasury daily par yield curve, 1990–2024"
STRESS_BLOCK_DAYS = 250
"""Length of the guaranteed stressed stretch [business days] (= the VaR stress window)."""
YIELD_FLOOR = -0.005
"""Lowest synthetic yield [decimal] (−0.5%). [ASSUMED]"""
REGIME_WINDOW_DAYS = 60
"""Centred window for the 10Y-volatility regime classifier [business days]. [ASSUMED]"""
STRESSED_QUANTILE = 0.85
"""Days above this quantile of the classifier's volatility are stressed. [ASSUMED]"""
TAIL_TENORS = ("1Y", "2Y", "3Y", "5Y", "7Y", "10Y", "20Y", "30Y")
"""Tenors pooled for the Student-t fit (the coupon curve that drives margins)."""


@dataclass(frozen=True, slots=True)
class HistoryStats:
    """The generator's parameters, read from the committed calibration.

    Attributes
    ----------
    std_bp : daily change volatility [bp], shape (n_tenors,), all days.
    correlation : daily change correlation, shape (n_tenors, n_tenors), all days.
    regime_std_bp : per-regime volatility [bp], shape (2, n_tenors), rows calm, stressed.
    regime_correlation : per-regime correlation, shape (2, n_tenors, n_tenors).
    p_stay : probability of staying in the regime the next day, shape (2,) (calm, stressed).
    stressed_share : stationary share of stressed days [0..1].
    dof : Student-t degrees of freedom of the within-regime shocks.
    max_abs_z : largest observed regime-standardised move per tenor [regime std], shape
        (n_tenors,); synthetic shocks are capped there.
    half_life_years : level mean-reversion half-life [years].
    label : provenance, shown in the UI.
    """

    std_bp: np.ndarray
    correlation: np.ndarray
    regime_std_bp: np.ndarray
    regime_correlation: np.ndarray
    p_stay: np.ndarray
    stressed_share: float
    dof: float
    max_abs_z: np.ndarray
    half_life_years: float
    label: str

    def __post_init__(self) -> None:
        n = len(TENORS)
        shapes = {
            "std_bp": (n,),
            "correlation": (n, n),
            "regime_std_bp": (2, n),
            "regime_correlation": (2, n, n),
            "p_stay": (2,),
            "max_abs_z": (n,),
        }
        for name, shape in shapes.items():
            arr = readonly(getattr(self, name))
            if arr.shape != shape or not np.all(np.isfinite(arr)):
                raise ValueError(f"history stats {name}: expected finite {shape}, got {arr.shape}")
            object.__setattr__(self, name, arr)
        if not self.dof > 2:
            raise ValueError(f"Student-t dof must exceed 2 for a finite variance, got {self.dof}")

    @classmethod
    def from_json(cls, doc: dict) -> HistoryStats:
        """Parameters from the calibration document.

        Tenors first published late (2M from 2018, 4M from 2022) saw more stress than the
        1990–2024 average, so their raw per-regime volatilities, mixed at the long-run stressed
        share, understate their full-sample volatility. Each tenor's two regime volatilities are
        therefore scaled by one factor so that the stationary mixture reproduces the full-sample
        volatility; the stressed-to-calm ratio is kept. (For 1Y–30Y the factor is ≈ 1.)
        """
        reg = doc["regimes"]
        std = np.asarray(doc["daily_change_bp"]["std"], float)
        regime_std = np.array([reg["std_bp"]["calm"], reg["std_bp"]["stressed"]], float)
        share = float(reg["stressed_share"])
        mixture = np.sqrt((1 - share) * regime_std[0] ** 2 + share * regime_std[1] ** 2)
        return cls(
            std_bp=std,
            correlation=doc["correlation"],
            regime_std_bp=regime_std * (std / mixture),
            regime_correlation=[reg["correlation"]["calm"], reg["correlation"]["stressed"]],
            p_stay=[reg["p_stay"]["calm"], reg["p_stay"]["stressed"]],
            stressed_share=reg["stressed_share"],
            dof=doc["tails"]["student_t_dof"],
            max_abs_z=doc["tails"]["max_abs_standardised"],
            half_life_years=doc["levels"]["half_life_years_used"],
            label=doc["label"],
        )


@cache
def load_stats_document(path: Path = STATS_PATH) -> dict:
    """The committed calibration JSON as a dict (cached; treat as read-only)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


@cache
def load_stats(path: Path = STATS_PATH) -> HistoryStats:
    """The committed calibration as :class:`HistoryStats` (cached)."""
    return HistoryStats.from_json(load_stats_document(path))


def synthetic_history(
    end: dt.date,
    n_days: int = 2750,
    seed: int = 20260731,
    base_curve: ParCurve | None = None,
    *,
    params: HistoryStats | None = None,
) -> YieldHistory:
    """Generate a calibrated Markov-switching Student-t par-curve history.

    Parameters
    ----------
    end : last date; the history ends on the last SIFMA business day on or before it.
    n_days : number of business days [count] (2750 ≈ 11 years: a 10-year look-back plus room).
    seed : random seed; the same seed gives the same history.
    base_curve : the curve of the last day; default
        :func:`xmsim.marketdata.gsw_curve.default_curve`.
    params : generator parameters; default the committed calibration (:func:`load_stats`).

    Returns
    -------
    YieldHistory with yields [decimal], shape (n_days, n_tenors), ``synthetic=True``.
    """
    if n_days < 2:
        raise ValueError(f"n_days must be at least 2, got {n_days}")
    if base_curve is None:
        base_curve = default_curve()
    p = params if params is not None else load_stats()
    dates = _business_days_ending(end, n_days)
    rng = np.random.default_rng(seed)
    n_changes = n_days - 1
    stressed = _regime_path(n_changes, p, rng)
    shocks = _student_t_shocks(stressed, p, rng)  # (n_changes, n_tenors) [bp]
    phi = 0.5 ** (1.0 / (p.half_life_years * TRADING_DAYS_PER_YEAR))
    # Backward AR(1) of the deviation from the base curve, zero on the last day:
    # x[t] = phi * x[t+1] - shock[t], solved as one linear filter over the reversed shocks.
    back = ar1_filter(-shocks[::-1], phi)
    deviation_bp = np.vstack([back[::-1], np.zeros((1, len(TENORS)))])
    base = base_curve.yields
    levels = np.maximum(base + deviation_bp * BP, np.minimum(YIELD_FLOOR, base))
    return YieldHistory(
        dates, levels, f"synthetic, calibrated to 1990–2024 (seed {seed})", synthetic=True
    )


def _business_days_ending(end: dt.date, n_days: int) -> np.ndarray:
    span = int(n_days * 1.5) + 30
    while True:
        days = business_days_between(end - dt.timedelta(days=span), end)
        if days.size >= n_days:
            return days[-n_days:]
        span *= 2


def _regime_path(n: int, p: HistoryStats, rng: np.random.Generator) -> np.ndarray:
    """Stressed flags, shape (n,): a seeded stressed block plus a thinned Markov chain."""
    block = STRESS_BLOCK_DAYS if n >= 2 * STRESS_BLOCK_DAYS else 0
    rest = n - block
    # Keep the overall stressed share at the calibrated one: the block uses part of it.
    share = max(0.0, (p.stressed_share * n - block) / rest) if rest else 0.0
    leave_stressed = 1.0 - p.p_stay[1]
    leave_calm = share * leave_stressed / (1.0 - share) if share < 1.0 else 1.0
    flags = _markov_chain(rest, (leave_calm, leave_stressed), share, rng)
    start = int(rng.integers(0, rest + 1))
    return np.concatenate([flags[:start], np.ones(block, bool), flags[start:]])


def _markov_chain(n: int, leave: tuple[float, float], share: float, rng) -> np.ndarray:
    """A two-state chain of length n from geometric run lengths (no per-day loop)."""
    if n == 0 or leave[0] <= 0.0:
        return np.zeros(n, bool)
    state = bool(rng.random() < share)
    runs, states, total = [], [], 0
    while total < n:  # a few batches of runs, not a loop over days
        k = 64
        s = (np.arange(k) % 2 == 1) ^ state
        r = rng.geometric(np.where(s, leave[1], leave[0]))
        runs.append(r)
        states.append(s)
        total += int(r.sum())
    return np.repeat(np.concatenate(states), np.concatenate(runs))[:n]


def _student_t_shocks(stressed: np.ndarray, p: HistoryStats, rng) -> np.ndarray:
    """Unit-variance multivariate-t shocks scaled by regime vol [bp], shape (n, n_tenors)."""
    n, k = stressed.size, len(TENORS)
    z = rng.standard_normal((n, k))
    # Stratified chi-square mixing draws, separately in each regime: the t marginals are exact,
    # and each regime's realised volatility stays close to its calibrated value (variance
    # reduction: no seed turns the guaranteed stressed stretch into a calm one).
    u = np.empty(n)
    for flag in (False, True):
        where = np.flatnonzero(stressed == flag)
        u[where] = (rng.permutation(where.size) + rng.random(where.size)) / max(where.size, 1)
    chi2 = 2.0 * special.gammaincinv(p.dof / 2.0, u)  # chi-square(dof) quantile of u
    mix = np.sqrt((p.dof - 2.0) / chi2)
    chol = np.stack([np.linalg.cholesky(nearest_correlation(c)) for c in p.regime_correlation])
    idx = stressed.astype(int)
    correlated = np.einsum("nij,nj->ni", chol[idx], z)
    capped = np.clip(correlated * mix[:, None], -p.max_abs_z, p.max_abs_z)
    return capped * p.regime_std_bp[idx]


def ar1_filter(u: np.ndarray, phi: float) -> np.ndarray:
    """``x[k] = phi * x[k-1] + u[k]`` with ``x[-1] = 0`` along axis 0, without a per-day loop.

    Within a chunk ``x[k] = phi^k * cumsum(u[i] / phi^i) + phi^(k+1) * carry`` (exact); chunks are
    short enough that ``phi^-k`` stays below e^27. Shapes (n, ...) in and out; 0 < phi <= 1.
    """
    u = np.asarray(u, dtype=float)
    n = u.shape[0]
    step = n if phi >= 1.0 else max(1, min(n, int(27.0 / -np.log(phi))))
    powers = (phi ** np.arange(step, dtype=float)).reshape((-1,) + (1,) * (u.ndim - 1))
    out = np.empty_like(u)
    carry = np.zeros(u.shape[1:])
    for start in range(0, n, step):  # one pass per chunk (a few for an 11-year history)
        block = u[start : start + step]
        pw = powers[: block.shape[0]]
        out[start : start + step] = pw * np.cumsum(block / pw, axis=0) + phi * pw * carry
        carry = out[start + block.shape[0] - 1]
    return out


def nearest_correlation(c: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Clip a symmetric matrix's eigenvalues at ``floor`` and rescale it to a unit diagonal.

    Pairwise-complete correlations (tenors published over different years) need not be
    positive definite; this is the usual one-step repair. Shape (n, n) in and out.
    """
    c = 0.5 * (np.asarray(c, float) + np.asarray(c, float).T)
    w, v = np.linalg.eigh(c)
    fixed = (v * np.maximum(w, floor)) @ v.T
    d = np.sqrt(np.diag(fixed))
    return fixed / np.outer(d, d)


# ------------------------------------------------------------------------------ calibration


def daily_changes_bp(history: YieldHistory) -> pd.DataFrame:
    """Day-on-day par-yield changes [bp] where both days were published (filled cells -> NaN).

    Returns a frame of shape (n_days - 1, n_tenors), indexed by the later date.
    """
    d = np.diff(history.yields, axis=0) / BP
    observed = ~history.filled[1:] & ~history.filled[:-1]
    return pd.DataFrame(np.where(observed, d, np.nan), index=history.dates[1:], columns=TENORS)


def stressed_days(changes_bp: pd.DataFrame) -> tuple[np.ndarray, float]:
    """Regime labels: centred rolling 10Y-change vol above its 85% quantile -> stressed.

    Returns (flags of shape (n_days,), threshold [bp per day]).
    """
    vol = changes_bp["10Y"].rolling(REGIME_WINDOW_DAYS, center=True, min_periods=40).std()
    threshold = float(vol.quantile(STRESSED_QUANTILE))
    return (vol > threshold).to_numpy(), threshold


def calibrate_history_stats(history: YieldHistory) -> dict:
    """Derive the generator's statistics from a real history (JSON-ready, rounded).

    Parameters
    ----------
    history : a loaded real history (yields [decimal]); filled cells are excluded.

    Returns
    -------
    dict with ``daily_change_bp`` (std, excess kurtosis, 1%/99% quantiles, n_obs by tenor),
    ``correlation`` (13×13), ``regimes`` (classifier, per-regime vol and correlation, persistence,
    durations), ``tails`` (Student-t dof) and ``levels`` (range, AR(1) half-life).
    """
    from scipy import stats  # slow import, needed only for calibration

    ch = daily_changes_bp(history)
    stressed, threshold = stressed_days(ch)
    calm_sd, stress_sd = ch[~stressed].std(), ch[stressed].std()
    regime_sd = np.where(stressed[:, None], stress_sd.to_numpy(), calm_sd.to_numpy())
    standardised = ch / regime_sd
    pooled = standardised[list(TAIL_TENORS)].to_numpy().ravel()
    dof_pooled = stats.t.fit(pooled[np.isfinite(pooled)], floc=0)[0]
    dof_by_tenor = [stats.t.fit(standardised[t].dropna().to_numpy(), floc=0)[0] for t in TENORS]
    s = stressed
    p_ss = float((s[1:] & s[:-1]).sum() / s[:-1].sum())
    p_cc = float((~s[1:] & ~s[:-1]).sum() / (~s[:-1]).sum())
    edges = np.flatnonzero(np.diff(np.concatenate([[0], s.astype(int), [0]])))
    longest = int((edges[1::2] - edges[::2]).max()) if edges.size else 0
    lv = pd.DataFrame(np.where(history.filled, np.nan, history.yields * 100), columns=TENORS)
    phis = [_ar1(lv[t].to_numpy()) for t in TENORS]
    half_lives = [
        float(np.log(0.5) / np.log(f) / TRADING_DAYS_PER_YEAR) if 0 < f < 1 else None for f in phis
    ]
    used = float(
        np.median([h for t, h in zip(TENORS, half_lives, strict=True) if t in TAIL_TENORS])
    )
    r = _round
    return {
        "label": STATS_LABEL,
        "tenors": list(TENORS),
        "daily_change_bp": {
            "n_obs": [int(n) for n in ch.count()],
            "std": r(ch.std()),
            "excess_kurtosis": r(ch.kurt()),
            "q01": r(ch.quantile(0.01)),
            "q99": r(ch.quantile(0.99)),
        },
        "correlation": r(ch.corr().to_numpy()),
        "regimes": {
            "classifier": (
                f"centred {REGIME_WINDOW_DAYS}-business-day std of the 10Y daily change; days "
                f"above its {STRESSED_QUANTILE:.0%} quantile are stressed"
            ),
            "threshold_bp": r(threshold),
            "stressed_share": r(float(s.mean())),
            "std_bp": {"calm": r(calm_sd), "stressed": r(stress_sd)},
            "correlation": {
                "calm": r(ch[~s].corr().to_numpy()),
                "stressed": r(ch[s].corr().to_numpy()),
            },
            "p_stay": {"calm": r(p_cc), "stressed": r(p_ss)},
            "mean_duration_days": {"calm": r(1 / (1 - p_cc)), "stressed": r(1 / (1 - p_ss))},
            "longest_stressed_run_days": longest,
            "stressed_to_calm_vol_10y": r(float(stress_sd["10Y"] / calm_sd["10Y"])),
        },
        "tails": {
            "student_t_dof": r(float(dof_pooled)),
            "fit": "MLE (loc 0) on regime-standardised daily changes pooled over "
            + ", ".join(TAIL_TENORS),
            "dof_by_tenor": r(np.array(dof_by_tenor)),
            "max_abs_standardised": r(standardised.abs().max()),
            "cap_note": "synthetic shocks are capped at the largest regime-standardised move "
            "observed per tenor",
        },
        "levels": {
            "min_pct": r(lv.min()),
            "max_pct": r(lv.max()),
            "mean_pct": r(lv.mean()),
            "ar1_half_life_years": [None if h is None else r(h) for h in half_lives],
            "half_life_years_used": r(used),
            "half_life_note": "median over 1Y–30Y of AR(1) fits on daily levels; weakly identified",
        },
    }


def _ar1(x: np.ndarray) -> float:
    ok = np.isfinite(x[1:]) & np.isfinite(x[:-1])
    return float(np.polyfit(x[:-1][ok], x[1:][ok], 1)[0])


def _round(x, digits: int = 4):
    """Round numbers (scalars, Series, arrays) to JSON-ready Python floats."""
    if isinstance(x, pd.Series):
        x = x.to_numpy()
    if isinstance(x, np.ndarray):
        return np.round(x.astype(float), digits).tolist()
    return round(float(x), digits)
