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
    "load_portfolio": "xmsim.upload.loader",
    "LoadResult": "xmsim.upload.loader",
    "RowIssue": "xmsim.upload.loader",
    "classify": "xmsim.arrangement.eligibility",
    "load_history": "xmsim.marketdata.history",
    "default_market": "xmsim.marketdata.defaults",
    "market_from_history": "xmsim.marketdata.defaults",
    # analytics
    "build_book": "xmsim.pricing.risk",
    "position_risk": "xmsim.pricing.risk",
    "conversion_factor": "xmsim.pricing.futures",
    # engines and the arrangement
    "VarSettings": "xmsim.engines.var.scenarios",
    "VarEngine": "xmsim.engines.var.engine",
    "SpanParams": "xmsim.engines.span.params_io",
    "default_span_params": "xmsim.engines.span.params_io",
    "calibrated_span_params": "xmsim.engines.span.params_io",
    "load_span_params": "xmsim.engines.span.params_io",
    "ArrangementSettings": "xmsim.arrangement.crossmargin",
    "ArrangementResult": "xmsim.arrangement.crossmargin",
    "fallback": "xmsim.arrangement.crossmargin",
    "LegacySettings": "xmsim.arrangement.legacy",
    "legacy_offsets": "xmsim.arrangement.legacy",
    "RunConfig": "xmsim.config",
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
