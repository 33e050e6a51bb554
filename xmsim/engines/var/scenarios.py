"""Historical VaR scenarios: overlapping N-day par-curve changes plus a stressed window.

[SRC DTCC FICC market-risk page] 99% confidence and a 3-day liquidation horizon.
[ASSUMED, settable] 10-year look-back ending at the as-of date, absolute changes of par yields,
and the most volatile 250-business-day stretch of the whole history added when the look-back
does not already contain it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from xmsim.market import BASIS_FACTORS, BasisHistory, YieldHistory
from xmsim.units import DAYS_PER_YEAR


@dataclass(frozen=True, slots=True)
class VarSettings:
    """Settings of the FICC-like VaR model (defaults: METHODOLOGY §5 and §7).

    confidence [1], horizon_days [business days], lookback_years [years]; ``stress`` adds the
    stressed window (``stress_window`` explicit (start, end) dates, else the most volatile
    ``stress_days`` of the history); ``mode`` ``"full"`` (full revaluation) or
    ``"sensitivity"`` (key-rate DV01 + convexity); ``floor_pct`` VaR floor and ``addon_pct``
    add-on, each as % of the gross position size (face for cash, repos and reverse repos,
    contract notional for futures; 0 = off, placeholder, ASSUMED).
    """

    confidence: float = 0.99
    horizon_days: int = 3
    lookback_years: float = 10.0
    stress: bool = True
    stress_window: tuple[dt.date, dt.date] | None = None
    stress_days: int = 250
    mode: str = "full"
    floor_pct: float = 0.0
    addon_pct: float = 0.0
    basis_vol_scale: float = 1.0

    def __post_init__(self) -> None:
        if not 0.5 <= self.confidence < 1.0:
            raise ValueError(f"confidence must be in [0.5, 1), got {self.confidence}")
        if not 1 <= self.horizon_days <= 60:
            raise ValueError(f"horizon_days must be 1..60, got {self.horizon_days}")
        if not 0.25 <= self.lookback_years <= 50:
            raise ValueError(f"lookback_years must be 0.25..50, got {self.lookback_years}")
        if self.mode not in ("full", "sensitivity"):
            raise ValueError(f"mode must be 'full' or 'sensitivity', got {self.mode!r}")
        if self.floor_pct < 0 or self.addon_pct < 0:
            raise ValueError("floor_pct and addon_pct must be >= 0")
        if not 0.0 <= self.basis_vol_scale <= 100.0:
            raise ValueError(f"basis_vol_scale must be in [0, 100], got {self.basis_vol_scale}")
        if self.stress_window is not None and self.stress_window[0] >= self.stress_window[1]:
            raise ValueError("stress_window start must be before its end")


@dataclass(frozen=True, slots=True)
class ScenarioSet:
    """Par-curve shocks.

    shocks : changes of par yields [decimal], shape (n_scenarios, n_tenors).
    start_dates, end_dates : the window of each change, ``datetime64[D]``, shape (n_scenarios,).
    is_stress : True for scenarios added from the stressed window, shape (n_scenarios,).
    description : human text (history, look-back, stress window, basis).
    basis_shocks : changes of the SOFR and fed funds–Treasury basis [decimal], already times
        the settings' ``basis_vol_scale``, shape (n_scenarios, n_basis) (zeros: no basis).
    """

    shocks: np.ndarray
    start_dates: np.ndarray
    end_dates: np.ndarray
    is_stress: np.ndarray
    description: str
    stress_window: tuple[dt.date, dt.date] | None
    basis_shocks: np.ndarray | None = None

    @property
    def n_scenarios(self) -> int:
        """Scenarios in the set [count]: rows of ``shocks`` (n_scenarios, n_tenors)."""
        return self.shocks.shape[0]


def most_volatile_window(history: YieldHistory, n_days: int, upto: int | None = None) -> int:
    """Start index of the ``n_days`` stretch with the largest summed variance of daily changes.

    The measure is the sum over tenors of squared daily changes within the window (rolling,
    vectorised with a cumulative sum). ``upto`` limits the search to rows < upto.
    ``history.yields`` [decimal], shape (n_days, n_tenors); ``n_days`` [business days]; the
    result indexes the history's rows.
    """
    y = history.yields if upto is None else history.yields[:upto]
    if y.shape[0] <= n_days + 1:
        return 0
    sq = (np.diff(y, axis=0) ** 2).sum(axis=1)
    csum = np.concatenate([[0.0], np.cumsum(sq)])
    window = csum[n_days:] - csum[:-n_days]  # window starting at change index s covers s..s+n-1
    return int(np.argmax(window))


def most_volatile_windows(history: YieldHistory, n_days: int, upto: np.ndarray) -> np.ndarray:
    """:func:`most_volatile_window` for many ``upto`` at once (the history runner: one per
    as-of date), from one rolling sum over the whole history.

    ``upto`` : row limits, shape (n,); returns the start indices, shape (n,), each equal to
    ``most_volatile_window(history, n_days, upto[i])`` (first maximum of the same sums: a
    cumulative sum's prefix is the prefix's cumulative sum).
    """
    upto = np.asarray(upto, dtype=np.int64)
    y = history.yields
    if y.shape[0] <= n_days + 1:
        return np.zeros(upto.size, dtype=np.int64)
    sq = (np.diff(y, axis=0) ** 2).sum(axis=1)
    csum = np.concatenate([[0.0], np.cumsum(sq)])
    window = csum[n_days:] - csum[:-n_days]
    best = np.maximum.accumulate(window)
    new_max = np.concatenate([[True], window[1:] > best[:-1]])
    first = np.maximum.accumulate(np.where(new_max, np.arange(window.size), 0))
    short = upto <= n_days + 1  # most_volatile_window's own guard
    return np.where(short, 0, first[np.clip(upto - n_days - 1, 0, window.size - 1)])


def _changes(y: np.ndarray, h: int, idx_end: np.ndarray) -> np.ndarray:
    return y[idx_end] - y[idx_end - h]


def basis_changes(
    basis: BasisHistory | None, history: YieldHistory, h: int, ends: np.ndarray, scale: float
) -> tuple[np.ndarray, str]:
    """Basis changes over the scenario windows ``ends − h .. ends`` (history row indices) times
    ``scale`` [decimal], shape (n_scenarios, n_basis), and a note for the description.

    Where SOFR has no value (before 2018-04) its change is the fed funds basis change (proxy);
    windows with no value at all move no basis (counted in the note).
    """
    n = ends.size
    if basis is None or scale == 0.0:
        why = "no basis history loaded" if basis is None else "basis volatility scale 0"
        return np.zeros((n, len(BASIS_FACTORS))), f"SOFR/FF futures move with Treasuries ({why})"
    if basis.dates.size != history.dates.size or np.any(basis.dates != history.dates):
        raise ValueError("the basis history must be on the yield history's dates")
    d = basis.levels[ends] - basis.levels[ends - h]
    proxied = ~np.isfinite(d[:, 0]) & np.isfinite(d[:, 1])
    d[proxied, 0] = d[proxied, 1]
    missing = int((~np.isfinite(d)).any(axis=1).sum())
    note = f"basis: {basis.source}" + (f", x{scale:g}" if scale != 1.0 else "")
    if proxied.any():
        note += f"; SOFR basis proxied by the fed funds basis in {int(proxied.sum())} scenarios"
    if missing:
        note += f"; NOTE {missing} scenarios have no basis data (no basis move)"
    return np.nan_to_num(d, nan=0.0) * scale, note


def build_scenarios(
    history: YieldHistory,
    asof: dt.date,
    settings: VarSettings,
    basis: BasisHistory | None = None,
    *,
    stress_start: int | None = None,
) -> ScenarioSet:
    """Overlapping ``horizon_days`` changes over the look-back ending at ``asof`` (+ stress),
    with the basis changes of the same windows (:func:`basis_changes`).

    ``history.yields`` is [decimal], shape (n_days, n_tenors); the result's ``shocks`` are par
    yield changes [decimal], shape (n_scenarios, n_tenors), one row per window, with the window
    end dates, shape (n_scenarios,). ``stress_start``: the start row of the most volatile
    window when the caller has it (:func:`most_volatile_windows`), else it is searched here."""
    h = settings.horizon_days
    end_idx = int(np.searchsorted(history.dates, np.datetime64(asof, "D"), side="right"))
    if end_idx <= h:
        raise ValueError(
            f"history {history.start}..{history.end} has no data before the as-of date {asof}"
        )
    start_day = np.datetime64(asof, "D") - np.timedelta64(
        round(settings.lookback_years * DAYS_PER_YEAR), "D"
    )
    start_idx = int(np.searchsorted(history.dates, start_day, side="left"))
    first_end = max(start_idx + h, h)
    ends = np.arange(first_end, end_idx)
    if ends.size < 20:
        raise ValueError(
            f"only {ends.size} scenarios in the look-back ending {asof}: load a longer history"
        )
    is_stress = np.zeros(ends.size, dtype=bool)
    stress_win = None
    if settings.stress:
        if settings.stress_window is not None:
            s0 = int(np.searchsorted(history.dates, np.datetime64(settings.stress_window[0], "D")))
            s1 = int(
                np.searchsorted(
                    history.dates, np.datetime64(settings.stress_window[1], "D"), side="right"
                )
            )
        else:
            s0 = (
                most_volatile_window(history, settings.stress_days, upto=end_idx)
                if stress_start is None
                else stress_start
            )
            s1 = min(s0 + settings.stress_days + 1, end_idx)
        stress_ends = np.arange(max(s0 + h, h), s1)
        stress_ends = stress_ends[(stress_ends < first_end) | (stress_ends >= end_idx)]
        if s1 > s0:
            stress_win = (history.dates[s0].astype(dt.date), history.dates[s1 - 1].astype(dt.date))
        ends = np.concatenate([ends, stress_ends])
        is_stress = np.concatenate([is_stress, np.ones(stress_ends.size, dtype=bool)])
    shocks = _changes(history.yields, h, ends)
    basis_shocks, basis_note = basis_changes(basis, history, h, ends, settings.basis_vol_scale)
    lb_from = history.dates[first_end - h].astype(dt.date)
    lb_to = history.dates[end_idx - 1].astype(dt.date)
    text = (
        f"{history.source}; {h}-day overlapping changes {lb_from} to {lb_to}"
        f" ({int((~is_stress).sum())} scenarios)"
    )
    if stress_win is not None:
        added = int(is_stress.sum())
        text += f"; stress window {stress_win[0]} to {stress_win[1]}" + (
            f" (+{added} scenarios)" if added else " (already inside the look-back)"
        )
    if lb_to < asof:
        text += f"; NOTE history ends {lb_to}, before the as-of date {asof}"
    if history.dates[0] > start_day:
        covered = (history.dates[end_idx - 1] - history.dates[0]).astype(int) / DAYS_PER_YEAR
        text += (
            f"; NOTE history starts {history.start}: the look-back covers {covered:.1f} of "
            f"the {settings.lookback_years:g} years asked for"
        )
    return ScenarioSet(
        shocks=shocks,
        start_dates=history.dates[ends - h],
        end_dates=history.dates[ends],
        is_stress=is_stress,
        description=f"{text}; {basis_note}",
        stress_window=stress_win,
        basis_shocks=basis_shocks,
    )
