"""The 2000-era arrangement ("legacy" mode): residual offsets by maturity class.

[SRC FICC GSD cross-margining service description, 2000] Each clearing organisation margins its
own positions; residual long/short amounts per product or maturity class are exchanged;
offsetting amounts get a reduction with a minimum margin kept on the offset. Worked example:
internal margin 1%, minimum margin on offsets 25%: a matched amount whose margin is $2,400,000
gets a reduction of $1,800,000 (savings on matched amounts approach 75%); the reduction is
presented to the FCO.

[ASSUMED] maturity classes (0–2y, 2–5y, 5–10y, 10–30y), DV01-equivalent matching (every
position expressed as the face of a par bond at its class's benchmark maturity with the same
DV01), the futures-to-class map below, and the 1% / 25% rates as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xmsim.contracts import ContractSpec, contract_table

FCO = "FCO"
SPLIT = "split"

CLASS_EDGES_YEARS = (2.0, 5.0, 10.0, 30.0)
CLASS_NAMES = ("0-2y", "2-5y", "5-10y", "10-30y")
BENCHMARK_YEARS = (2.0, 5.0, 10.0, 30.0)


def _future_class(spec: ContractSpec) -> int:
    """Maturity class of a contract [ASSUMED]: of its shortest deliverable's remaining term
    (about where the cheapest-to-deliver sits), or of a rate future's reference period."""
    months = spec.min_remaining_months if spec.is_treasury else spec.reference_months
    return int(np.searchsorted(CLASS_EDGES_YEARS, months / 12.0, side="right"))


FUTURE_CLASS = {code: _future_class(spec) for code, spec in contract_table().items()}
"""Maturity class (index into :data:`CLASS_NAMES`) of each contract, from the contract table."""


@dataclass(frozen=True, slots=True)
class LegacySettings:
    """margin_rate: internal margin as a fraction of the residual amount; min_margin: the part
    of the offset's margin that is kept; reduced_at: ``FCO`` (as in the example) or ``split``
    (each CCP reduced in proportion to its margin on the class)."""

    margin_rate: float = 0.01
    min_margin: float = 0.25
    reduced_at: str = FCO
    class_names: tuple[str, ...] = field(default=CLASS_NAMES)

    def __post_init__(self) -> None:
        if not (0 < self.margin_rate <= 1 and 0 <= self.min_margin <= 1):
            raise ValueError("margin_rate must be in (0, 1] and min_margin in [0, 1]")
        if self.reduced_at not in (FCO, SPLIT):
            raise ValueError("reduced_at must be 'FCO' or 'split'")


@dataclass(frozen=True, slots=True)
class LegacyResult:
    """Per class (arrays of shape (n_classes,), USD) and totals.

    ficc_margin_after + fco_margin_after = ficc_margin + fco_margin − reduction.
    """

    class_names: tuple[str, ...]
    ficc_residual_usd: np.ndarray
    fco_residual_usd: np.ndarray
    offset_usd: np.ndarray
    ficc_margin_usd: np.ndarray
    fco_margin_usd: np.ndarray
    reduction_usd: np.ndarray
    ficc_reduction_usd: np.ndarray
    fco_reduction_usd: np.ndarray

    @property
    def reduction_total_usd(self) -> float:
        return float(self.reduction_usd.sum())

    @property
    def before_usd(self) -> float:
        return float(self.ficc_margin_usd.sum() + self.fco_margin_usd.sum())

    @property
    def after_usd(self) -> float:
        return self.before_usd - self.reduction_total_usd

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "class": self.class_names,
                "ficc_residual_usd": self.ficc_residual_usd,
                "fco_residual_usd": self.fco_residual_usd,
                "offset_usd": self.offset_usd,
                "ficc_margin_usd": self.ficc_margin_usd,
                "fco_margin_usd": self.fco_margin_usd,
                "reduction_usd": self.reduction_usd,
                "ficc_reduction_usd": self.ficc_reduction_usd,
                "fco_reduction_usd": self.fco_reduction_usd,
            }
        )


def legacy_offsets(
    ficc_residual_usd, fco_residual_usd, settings: LegacySettings | None = None
) -> LegacyResult:
    """Residual-offset reduction per class.

    Parameters
    ----------
    ficc_residual_usd, fco_residual_usd : signed residual amounts per class [USD]
        (+ long), shape (n_classes,).
    """
    s = settings or LegacySettings()
    f = np.asarray(ficc_residual_usd, dtype=float)
    c = np.asarray(fco_residual_usd, dtype=float)
    opposite = np.sign(f) * np.sign(c) < 0
    offset = np.where(opposite, np.minimum(np.abs(f), np.abs(c)), 0.0)
    f_margin, c_margin = s.margin_rate * np.abs(f), s.margin_rate * np.abs(c)
    reduction = offset * s.margin_rate * (1.0 - s.min_margin)
    if s.reduced_at == FCO:
        fco_red, ficc_red = reduction, np.zeros_like(reduction)
    else:
        total = f_margin + c_margin
        share = np.divide(f_margin, total, out=np.zeros_like(total), where=total > 0)
        ficc_red, fco_red = reduction * share, reduction * (1.0 - share)
    names = (
        s.class_names
        if len(s.class_names) == f.size
        else tuple(f"class {i + 1}" for i in range(f.size))
    )
    return LegacyResult(names, f, c, offset, f_margin, c_margin, reduction, ficc_red, fco_red)


def residuals_by_class(years_or_class, dv01_usd, benchmark_dv01_per_usd, is_future_class=None):
    """Signed DV01-equivalent amounts per class [USD].

    Parameters
    ----------
    years_or_class : years to maturity per position (cash), shape (n,); or, where
        ``is_future_class`` gives a class index >= 0, that index is used instead.
    dv01_usd : position DV01 [USD per bp], shape (n,).
    benchmark_dv01_per_usd : DV01 per USD face of each class benchmark [USD per bp per USD],
        shape (n_classes,).
    """
    years = np.asarray(years_or_class, dtype=float)
    cls = np.searchsorted(np.array(CLASS_EDGES_YEARS), years, side="left")
    cls = np.clip(cls, 0, len(CLASS_EDGES_YEARS) - 1)
    if is_future_class is not None:
        fc = np.asarray(is_future_class)
        cls = np.where(fc >= 0, fc, cls)
    amount = np.asarray(dv01_usd, dtype=float) / np.asarray(benchmark_dv01_per_usd)[cls]
    return np.bincount(cls, amount, minlength=len(CLASS_EDGES_YEARS))
