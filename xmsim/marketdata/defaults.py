"""The embedded default market: a recent real curve plus a calibrated synthetic history.

The curve is the Fed GSW fitted Treasury curve of 2026-07-31 (:mod:`xmsim.marketdata.gsw_curve`,
METHODOLOGY §9).

The history is synthetic (the real one may not be shipped): see :mod:`xmsim.marketdata.synthetic`.
Users load
the real history with :func:`xmsim.marketdata.history.load_history` and :func:`market_from_history`.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from xmsim.market import BasisHistory, Market, YieldHistory
from xmsim.marketdata.basis import synthetic_basis
from xmsim.marketdata.gsw_curve import (  # noqa: F401  (re-exported: the embedded curve)
    DEFAULT_ASOF,
    DEFAULT_CURVE_LABEL,
    GSW_PAR_PCT_20260731,
    GSW_ZERO_CC_PCT_20260731,
    default_curve,
    zero_cc_to_bey,
)
from xmsim.marketdata.synthetic import synthetic_history


@cache
def default_market() -> Market:
    """The embedded market: :func:`default_curve` and an 11-year synthetic history ending on it.

    Cached: the same object is returned on every call (it is immutable).
    """
    curve = default_curve()
    history = synthetic_history(end=DEFAULT_ASOF, base_curve=curve)
    notes = (
        f"Curve: {curve.label}.",
        f"History: {history.source}; {history.dates.size} business days "
        f"{history.start} to {history.end}, generated from statistics derived from the U.S. "
        "Treasury daily par yield curve 1990–2024 — not observed data. Load a real history "
        "(python -m xmsim fetch-history) for real scenarios.",
    )
    basis = synthetic_basis(history)
    notes += (f"Basis: {basis.source}. Load real SOFR / EFFR files (--sofr, --effr) with a "
              "real Treasury history for the real basis.",)  # fmt: skip
    return Market(curve, history, notes, basis)


def market_from_history(
    history: YieldHistory, asof: dt.date, basis: BasisHistory | None = None
) -> Market:
    """A market whose curve is ``history``'s curve on ``asof`` (last date on or before it),
    with the SOFR / fed funds basis ``basis`` on the history's dates (None: no basis factor).

    Raises
    ------
    ValueError
        ``asof`` outside the history; the message gives the history's range.
    """
    if not history.start <= asof <= history.end:
        raise ValueError(
            f"as-of {asof} is outside the history ({history.start} to {history.end}); "
            "pick a date in that range or load a longer history"
        )
    curve = history.curve_on(asof)
    kind = "synthetic" if history.synthetic else "loaded"
    notes = (f"Curve: {curve.label}.", f"History ({kind}): {history.source}.")
    if basis is not None:
        notes += (f"Basis: {basis.source}.",)
    return Market(curve, history, notes, basis)
