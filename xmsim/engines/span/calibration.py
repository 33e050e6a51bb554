"""PSRs from a yield history: the calibration and the one rule behind the shipped defaults.

Import these from :mod:`xmsim.engines.span.params_io`, which re-exports them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from xmsim.contracts import get_contract
from xmsim.engines.span.params import SpanParams, ValueSource
from xmsim.market import TENOR_YEARS, TENORS, YieldHistory


@dataclass(frozen=True, slots=True)
class PsrRule:
    """The one rule behind the shipped default PSRs [ASSUMED; illustrative, not CME's levels].

    PSR [USD per contract] = ``quantile`` of |1-day par-yield change| at the contract's
    ``point_years`` over ``start``..``end`` of the real Treasury history [bp] x one contract's
    DV01 on the embedded 2026-07-31 market [USD per bp] x ``multiplier``, rounded to $10.
    ``scripts/derive_span_psr.py`` applies it and writes the values, with their provenance, into
    ``xmsim/data/span_params_default.csv``. The multiplier is not a CME factor: it brings the
    levels to the magnitude of the earlier illustrative table (a median 1.9x the 99% move) and
    stands for what a CCP adds on top of a plain 1-day 99% move (stress periods, procyclicality
    buffers).
    """

    quantile: float = 0.99
    start: dt.date = dt.date(2015, 1, 1)
    end: dt.date = dt.date(2024, 12, 31)
    multiplier: float = 2.0

    def window(self, history: YieldHistory) -> YieldHistory:
        """``history`` restricted to ``start``..``end`` (both included) [daily par yields]; at least
        250 days, else ``ValueError``."""
        d = history.dates
        m = (d >= np.datetime64(self.start)) & (d <= np.datetime64(self.end))
        if m.sum() < 250:
            raise ValueError(f"history has {m.sum()} days in {self.start}..{self.end}; need 250")
        filled = None if history.filled is None else history.filled[m]
        label = f"{history.source}, window {d[m][0]} to {d[m][-1]}"
        return YieldHistory(d[m], history.yields[m], label, filled, history.synthetic)

    def apply(self, history: YieldHistory, contract_dv01: Mapping[str, float]) -> SpanParams:
        """The default parameter set with every PSR [USD per contract] re-derived by this rule from
        ``contract_dv01`` [USD per bp per contract] and the window's daily yield changes."""
        return calibrated_span_params(
            self.window(history), contract_dv01, quantile=self.quantile, multiplier=self.multiplier
        )


PSR_RULE = PsrRule()


def _tenor_years(tenor: float | str) -> float:
    if isinstance(tenor, str):
        if tenor not in TENORS:
            raise KeyError(f"unknown tenor {tenor!r}; expected one of {TENORS}")
        return float(TENOR_YEARS[TENORS.index(tenor)])
    return float(tenor)


def one_day_move_bp(history: YieldHistory, tenor_years: float, quantile: float = 0.99) -> float:
    """Quantile of |1-day change| of the par yield at ``tenor_years`` [bp].

    Daily changes are interpolated linearly in tenor between :data:`TENORS` (flat beyond the
    ends), then the quantile of their absolute value is taken.
    """
    changes_bp = np.diff(history.yields, axis=0) * 1e4  # (n_days - 1, n_tenors)
    t = float(np.clip(tenor_years, TENOR_YEARS[0], TENOR_YEARS[-1]))
    j = int(np.clip(np.searchsorted(TENOR_YEARS, t), 1, len(TENOR_YEARS) - 1))
    w = (t - TENOR_YEARS[j - 1]) / (TENOR_YEARS[j] - TENOR_YEARS[j - 1])
    series = (1.0 - w) * changes_bp[:, j - 1] + w * changes_bp[:, j]
    return float(np.quantile(np.abs(series), quantile))


def calibrated_span_params(
    history: YieldHistory,
    contract_dv01: Mapping[str, float],
    tenor_of_contract: Mapping[str, float | str] | None = None,
    *,
    base: SpanParams | None = None,
    quantile: float = 0.99,
    multiplier: float = 1.0,
) -> SpanParams:
    """PSRs calibrated to a yield history; every other value copied from ``base``.

    PSR [USD per contract] = DV01 [USD per bp] x ``quantile`` of |1-day par-yield change| at the
    contract's key tenor [bp] x ``multiplier``, rounded to $10 (METHODOLOGY §6 (b)).

    Parameters
    ----------
    history : daily par yields; its ``source`` labels the result.
    contract_dv01 : one contract's DV01 [USD per bp] by code; rate futures default to the
        contract table's ``usd_per_bp``.
    tenor_of_contract : key tenor by code, years or a :data:`TENORS` label; default each
        product's ``point_years`` in ``base``.
    base : the set to copy spreads, charges and buckets from; default
        :func:`default_span_params`.
    """
    if base is None:
        from xmsim.engines.span.params_io import default_span_params

        base = default_span_params()
    tenors = {p.code: p.point_years for p in base.products if math.isfinite(p.point_years)}
    tenors |= dict(tenor_of_contract or {})
    psr = {}
    for p in base.products:
        dv01 = contract_dv01.get(p.code, get_contract(p.code).usd_per_bp)
        if dv01 is None or not math.isfinite(dv01) or dv01 <= 0:
            raise KeyError(f"no positive DV01 for {p.code} in contract_dv01")
        if p.code not in tenors:
            raise KeyError(f"no key tenor for {p.code} in tenor_of_contract")
        move_bp = one_day_move_bp(history, _tenor_years(tenors[p.code]), quantile)
        psr[p.code] = round(dv01 * move_bp * multiplier / 10.0) * 10.0
    label = f"calibrated: {quantile:.0%} 1-day move x DV01 x {multiplier:g}, {history.source}"
    params = base.with_psr(psr, status="CALIBRATED")
    sources = tuple(
        dataclasses.replace(s, source=history.source) if s.status == "CALIBRATED" else s
        for s in params.sources
    )
    sources = tuple(s for s in sources if not (s.table == "meta" and s.field in ("label", "asof")))
    sources += (
        ValueSource("meta", "", "label", "CALIBRATED", history.source),
        ValueSource("meta", "", "asof", "CALIBRATED", "last date of the history"),
    )
    return dataclasses.replace(params, label=label, asof=history.end, sources=sources)
