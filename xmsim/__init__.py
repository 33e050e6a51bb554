"""xmsim: what-if margin simulator for the CME–FICC cross-margining arrangement.

The public API, re-exported lazily (importing ``xmsim`` stays cheap; each name loads its module
on first use)::

    from xmsim import default_market, load_portfolio, Simulator, RunConfig
    market = default_market()
    sim = Simulator(market, RunConfig()).run(load_portfolio(path, asof=market.asof).portfolio)
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    # domain values
    "Position": "xmsim.portfolio",
    "Portfolio": "xmsim.portfolio",
    "ParCurve": "xmsim.market",
    "YieldHistory": "xmsim.market",
    "Market": "xmsim.market",
    # inputs
    "load_portfolio": "xmsim.loader",
    "LoadResult": "xmsim.loader",
    "RowIssue": "xmsim.loader",
    "classify": "xmsim.eligibility",
    "load_history": "xmsim.history",
    "default_market": "xmsim.defaults",
    "market_from_history": "xmsim.defaults",
    # analytics
    "build_book": "xmsim.risk",
    "position_risk": "xmsim.risk",
    "conversion_factor": "xmsim.futures",
    # engines and the arrangement
    "VarSettings": "xmsim.scenarios",
    "VarEngine": "xmsim.engines.var",
    "SpanParams": "xmsim.span_params",
    "default_span_params": "xmsim.span_params",
    "calibrated_span_params": "xmsim.span_params",
    "load_span_params": "xmsim.span_params",
    "ArrangementSettings": "xmsim.crossmargin",
    "ArrangementResult": "xmsim.crossmargin",
    "fallback": "xmsim.crossmargin",
    "LegacySettings": "xmsim.legacy",
    "legacy_offsets": "xmsim.legacy",
    "RunConfig": "xmsim.simulate",
    "Simulator": "xmsim.simulate",
    "Simulation": "xmsim.simulate",
    "simulate": "xmsim.simulate",
    "dv01_neutral_hedge": "xmsim.simulate",
    "resolve_span_params": "xmsim.simulate",
    # beyond the CCPs' tools
    "best_hedge": "xmsim.optimize",
    "best_allocation": "xmsim.optimize",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'xmsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
