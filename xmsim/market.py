"""Market data values: the Treasury par curve, a yield history, and the market bundle.

Loaders for real files live in ``history.py``; the embedded default in ``defaults.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from xmsim.frozen import readonly
from xmsim.units import BP

TENORS: tuple[str, ...] = (
    "1M",
    "2M",
    "3M",
    "4M",
    "6M",
    "1Y",
    "2Y",
    "3Y",
    "5Y",
    "7Y",
    "10Y",
    "20Y",
    "30Y",
)
"""The Treasury par-curve tenors, in the order of the official daily CSV."""

TENOR_YEARS = np.array(
    [1 / 12, 2 / 12, 3 / 12, 4 / 12, 6 / 12, 1, 2, 3, 5, 7, 10, 20, 30], dtype=float
)
TENOR_YEARS.setflags(write=False)


@dataclass(frozen=True, slots=True)
class ParCurve:
    """A Treasury par yield curve on :data:`TENORS`.

    Attributes
    ----------
    asof : valuation date.
    yields : par yields, bond-equivalent [decimal], shape (n_tenors,), no NaN.
    label : where the curve comes from (shown in every output).
    """

    asof: dt.date
    yields: np.ndarray
    label: str

    def __post_init__(self) -> None:
        y = readonly(self.yields)
        if y.shape != (len(TENORS),):
            raise ValueError(f"par curve needs {len(TENORS)} yields, got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError("par curve has missing or non-finite yields")
        object.__setattr__(self, "yields", y)

    def shifted(self, shock_bp: np.ndarray | float) -> ParCurve:
        """The curve with ``shock_bp`` added [bp], scalar or shape (n_tenors,)."""
        return ParCurve(self.asof, self.yields + np.asarray(shock_bp) * BP, self.label)


@dataclass(frozen=True, slots=True)
class YieldHistory:
    """Daily Treasury par yields.

    Attributes
    ----------
    dates : business dates ascending, ``datetime64[D]``, shape (n_days,).
    yields : par yields [decimal], shape (n_days, n_tenors), gaps already filled.
    source : human label, e.g. ``"daily-treasury-par-yield-curve-rates.csv, 1990-01-02 to
        2024-12-31"`` or ``"synthetic, calibrated to 1990–2024"``.
    filled : True where a value was filled by the documented rule, shape (n_days, n_tenors).
    synthetic : True for generated (not observed) histories.
    """

    dates: np.ndarray
    yields: np.ndarray
    source: str
    filled: np.ndarray | None = None
    synthetic: bool = False

    def __post_init__(self) -> None:
        dates = readonly(self.dates, dtype="datetime64[D]")
        y = readonly(self.yields)
        if y.ndim != 2 or y.shape != (dates.shape[0], len(TENORS)):
            raise ValueError(f"history yields must be (n_days, {len(TENORS)}), got {y.shape}")
        if dates.size > 1 and not np.all(np.diff(dates) > np.timedelta64(0, "D")):
            raise ValueError("history dates must be strictly ascending")
        if not np.all(np.isfinite(y)):
            raise ValueError("history yields must be filled (no NaN) before use")
        filled = np.zeros(y.shape, bool) if self.filled is None else self.filled
        object.__setattr__(self, "dates", dates)
        object.__setattr__(self, "yields", y)
        object.__setattr__(self, "filled", readonly(filled, dtype=bool))

    @property
    def start(self) -> dt.date:
        return self.dates[0].astype(dt.date)

    @property
    def end(self) -> dt.date:
        return self.dates[-1].astype(dt.date)

    def curve_on(self, day: dt.date) -> ParCurve:
        """The par curve of the last date on or before ``day``."""
        idx = int(np.searchsorted(self.dates, np.datetime64(day, "D"), side="right")) - 1
        if idx < 0:
            raise ValueError(f"history starts {self.start}, after {day}")
        return ParCurve(day, self.yields[idx], f"{self.source}, curve of {self.dates[idx]}")


BASIS_FACTORS: tuple[str, ...] = ("SOFR", "EFFR")
"""The overnight-rate basis factors of the VaR model: SOFR (SR3, SR1) and fed funds (ZQ)."""


@dataclass(frozen=True, slots=True)
class OvernightSeries:
    """A daily overnight-rate series (SOFR or the effective fed funds rate).

    dates : ascending, ``datetime64[D]``, shape (n_days,); rates : [decimal], shape (n_days,).
    """

    name: str
    dates: np.ndarray
    rates: np.ndarray
    source: str

    def __post_init__(self) -> None:
        if self.name not in BASIS_FACTORS:
            raise ValueError(f"overnight series must be one of {BASIS_FACTORS}, got {self.name}")
        dates, rates = readonly(self.dates, dtype="datetime64[D]"), readonly(self.rates)
        if dates.shape != rates.shape or not np.all(np.isfinite(rates)):
            raise ValueError("overnight series needs one finite rate per date")
        if dates.size > 1 and not np.all(np.diff(dates) > np.timedelta64(0, "D")):
            raise ValueError("overnight series dates must be strictly ascending")
        object.__setattr__(self, "dates", dates)
        object.__setattr__(self, "rates", rates)


@dataclass(frozen=True, slots=True)
class BasisHistory:
    """Overnight rate minus the Treasury 1-month par yield, on a yield history's dates.

    levels : [decimal], shape (n_days, n_basis) in :data:`BASIS_FACTORS` order, NaN where the
        series has no value (before it starts, or no data loaded for that factor).
    source : human label (what was loaded, or "synthetic ..."); synthetic : generated, not
        observed.
    """

    dates: np.ndarray
    levels: np.ndarray
    source: str
    synthetic: bool = False

    def __post_init__(self) -> None:
        dates, levels = readonly(self.dates, dtype="datetime64[D]"), readonly(self.levels)
        if levels.shape != (dates.size, len(BASIS_FACTORS)):
            raise ValueError(f"basis levels must be (n_days, {len(BASIS_FACTORS)})")
        object.__setattr__(self, "dates", dates)
        object.__setattr__(self, "levels", levels)


@dataclass(frozen=True, slots=True)
class Market:
    """Everything the engines need from the market: the valuation curve, the history and,
    where known, the SOFR / fed funds–Treasury basis on the history's dates."""

    curve: ParCurve
    history: YieldHistory
    notes: tuple[str, ...] = field(default=())
    basis: BasisHistory | None = None

    @property
    def asof(self) -> dt.date:
        return self.curve.asof
