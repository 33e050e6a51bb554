"""What-if helpers for the app: scale one leg of a portfolio, sweep hedge ratios, compare runs.

Every number comes from :meth:`xmsim.simulate.Simulator.arrangement` (the fast path); this module
only rebuilds portfolios and tabulates results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from xmsim.arrangement.crossmargin import ArrangementResult
from xmsim.arrangement.summary import SUMMARY_LABELS, summary
from xmsim.portfolio import Portfolio, Position
from xmsim.simulate import Simulator

FUTURES_LEG = "futures"
CASH_LEG = "cash"
DEFAULT_RATIOS = tuple(float(r) for r in np.round(np.arange(0.0, 2.0001, 0.125), 3))
"""Hedge ratios of the sweep chart [1 = the portfolio as loaded]."""


def scale_leg(portfolio: Portfolio, ratio: float, leg: str = FUTURES_LEG) -> Portfolio:
    """The portfolio with the futures (or the cash Treasuries and repos) scaled by ``ratio``.

    Futures are rounded to whole contracts (only whole contracts trade); cash faces are not
    rounded. Other rows (ineligible products, options) are unchanged.
    """
    if leg not in (FUTURES_LEG, CASH_LEG):
        raise ValueError(f"leg must be {FUTURES_LEG!r} or {CASH_LEG!r}, got {leg!r}")
    if ratio < 0:
        raise ValueError(f"ratio must be >= 0, got {ratio}")

    def scaled(p: Position) -> Position:
        if leg == FUTURES_LEG and p.is_future:
            return dataclasses.replace(p, quantity=float(round(p.quantity * ratio)))
        if leg == CASH_LEG and p.is_cash:
            return p.scaled(ratio)
        return p

    return Portfolio(tuple(scaled(p) for p in portfolio))


def with_trade(portfolio: Portfolio, trade: Position) -> Portfolio:
    """The portfolio plus one trade booked in the first account (HOUSE when empty)."""
    return with_trades(portfolio, (trade,))


def with_trades(portfolio: Portfolio, trades: Sequence[Position]) -> Portfolio:
    """The portfolio plus trades; a trade in HOUSE is booked in the first account."""
    first = portfolio.accounts[0] if portfolio.accounts else None
    booked = tuple(
        dataclasses.replace(t, account=first) if first and t.account == "HOUSE" else t
        for t in trades
    )
    return portfolio + Portfolio(booked)


def hedge_ratio_sweep(
    simulator: Simulator,
    portfolio: Portfolio,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    leg: str = FUTURES_LEG,
) -> pd.DataFrame:
    """Applied percentage and margins against the hedge ratio.

    Returns one row per ratio with ``ratio`` and the keys of
    :func:`xmsim.arrangement.summary.summary`
    (fractions in [0, 1], amounts [USD]).
    """
    rows = []
    for ratio in ratios:
        result = simulator.arrangement(scale_leg(portfolio, float(ratio), leg))
        rows.append({"ratio": float(ratio), **summary(result)})
    return pd.DataFrame(rows)


COMPARE_KEYS = (
    "savings_ficc_model",
    "savings_cme_model",
    "applied",
    "ficc_requirement",
    "cme_requirement",
    "total_after",
    "savings_usd",
)


def compare(base: ArrangementResult, whatif: ArrangementResult) -> pd.DataFrame:
    """Base vs what-if vs change, one row per headline number (fractions and USD)."""
    b, w = summary(base), summary(whatif)
    return pd.DataFrame(
        {
            "metric": [SUMMARY_LABELS[k] for k in COMPARE_KEYS],
            "key": list(COMPARE_KEYS),
            "base": [b[k] for k in COMPARE_KEYS],
            "what_if": [w[k] for k in COMPARE_KEYS],
            "change": [w[k] - b[k] for k in COMPARE_KEYS],
        }
    )
