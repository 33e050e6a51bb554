"""What-if helpers: scale one leg of a portfolio, add ad-hoc trades, sweep hedge ratios, save
scenarios and compare them (what the arrangement saves apart from what the margin does).

Every number comes from :meth:`xmsim.simulate.Simulator.arrangement` (the fast path); this module
only rebuilds portfolios and tabulates results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xmsim.arrangement.crossmargin import ArrangementResult
from xmsim.arrangement.summary import SUMMARY_LABELS, summary
from xmsim.portfolio import Portfolio, Position
from xmsim.simulate import Simulator
from xmsim.upload.loader import LoadResult, load_portfolio

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


# ------------------------------------------------------------------ ad-hoc trades and scenarios

TRADE_COLUMNS = ("account", "product", "side", "quantity", "coupon", "maturity", "end_date",
                 "contract", "expiry", "label")  # fmt: skip
"""Columns of the ad-hoc trade grid (a subset of the upload format, same meaning)."""


def read_trades(frame: pd.DataFrame | None, asof: dt.date) -> LoadResult:
    """Ad-hoc trades typed in a grid, checked exactly as an upload's rows are.

    Wholly empty grid lines are ignored; an empty grid is no trade and no issue. Issue rows and
    ``Position.row`` are grid lines (1 = the first line), not spreadsheet rows.
    """
    if frame is None or len(frame) == 0:
        return LoadResult(Portfolio())
    cells = frame.astype(object).where(frame.notna(), None)
    blank = cells.apply(lambda col: col.map(lambda v: v is None or str(v).strip() == ""))
    keep = ~blank.all(axis=1).to_numpy()
    if not keep.any():
        return LoadResult(Portfolio())
    lines = np.flatnonzero(keep) + 1  # grid line of each kept row
    loaded = load_portfolio(cells[keep].reset_index(drop=True), asof=asof)

    def line(row: int | None) -> int | None:  # the loader's spreadsheet row (header = 1)
        return None if row is None else int(lines[row - 2])

    positions = tuple(dataclasses.replace(p, row=line(p.row)) for p in loaded.portfolio)
    issues = tuple(dataclasses.replace(i, row=line(i.row)) for i in loaded.issues)
    return LoadResult(Portfolio(positions), issues)


@dataclass(frozen=True, slots=True)
class WhatIf:
    """A change on top of a book: one leg scaled by ``ratio``, then ``trades`` added.

    The trades are not scaled (they are added after the scaling); a trade in HOUSE is booked in
    the book's first account (:func:`with_trades`).
    """

    leg: str = FUTURES_LEG
    ratio: float = 1.0
    trades: tuple[Position, ...] = ()

    def apply(self, portfolio: Portfolio) -> Portfolio:
        """The book with this what-if applied."""
        scaled = portfolio if self.ratio == 1.0 else scale_leg(portfolio, self.ratio, self.leg)
        return with_trades(scaled, self.trades) if self.trades else scaled

    @property
    def is_identity(self) -> bool:
        return self.ratio == 1.0 and not self.trades

    def describe(self) -> str:
        """One line: the scaling and the trades (``book as loaded`` when nothing changes)."""
        parts = [] if self.ratio == 1.0 else [f"{self.leg} x {self.ratio:g}"]
        parts += [
            f"{'BUY' if t.quantity > 0 else 'SELL'} {abs(t.quantity):,.0f} {t.description}"
            for t in self.trades
        ]
        return "; ".join(parts) or "book as loaded"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A saved what-if: its name, the book it was made on, the change, the settings and the
    result they gave (kept so that a later change of settings does not rewrite it).

    ``book_key`` names the book (the app uses a digest of its positions); ``settings`` is a
    human-readable description of the settings the result was computed with.
    """

    name: str
    book_key: str
    whatif: WhatIf
    settings: str
    result: ArrangementResult

    @property
    def summary(self) -> dict[str, float]:
        return summary(self.result)


MARGIN_EFFECT_KEYS = ("total_margin_change_usd", "standalone_change_usd", "saved_usd",
                      "saved_change_usd")  # fmt: skip


def margin_effect(base: Mapping[str, float], whatif: Mapping[str, float]) -> dict[str, float]:
    """What a what-if does to the margin to post, apart from what the arrangement saves [USD].

    ``base`` and ``whatif`` are :func:`summary` dicts. Returns

    * ``total_margin_change_usd``: total after (what-if) − total after (base); + = more to post;
    * ``standalone_change_usd``: total before (what-if) − total before (base), the change
      without the arrangement;
    * ``saved_usd``: dollars the arrangement saves on the what-if (its total before − after);
    * ``saved_change_usd``: saved (what-if) − saved (base).

    Always ``total_margin_change = standalone_change − saved_change``: a hedge can raise both
    the saving and the margin to post (it adds more standalone margin than it saves).
    """
    return {
        "total_margin_change_usd": whatif["total_after"] - base["total_after"],
        "standalone_change_usd": whatif["total_before"] - base["total_before"],
        "saved_usd": whatif["savings_usd"],
        "saved_change_usd": whatif["savings_usd"] - base["savings_usd"],
    }


SCENARIO_KEYS = ("total_after", "total_before", "savings_usd", "applied", "savings_ficc_model",
                 "savings_cme_model", "ficc_requirement", "cme_requirement",
                 "ineligible_margin")  # fmt: skip
"""Rows of the scenario comparison, the margin to post first."""
SCENARIO_LABELS = {
    "total_after": "Total margin to post (after cross-margining)",
    "total_before": "Total without the arrangement (standalone)",
    "savings_usd": "Saved by cross-margining",
    "applied": "Applied %",
    "savings_ficc_model": "Savings, FICC's model",
    "savings_cme_model": "Savings, CME's model",
    "ficc_requirement": "FICC requirement",
    "cme_requirement": "CME requirement",
    "ineligible_margin": "Ineligible (standalone)",
}


def compare_scenarios(summaries: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Two or more scenarios side by side, with each one's change against the first.

    ``summaries`` maps a scenario name to its :func:`summary` dict, the reference first. Returns
    one row per :data:`SCENARIO_KEYS` (index ``key``; column ``metric`` its label), one column of
    values per scenario and, for every scenario after the first, a column ``Δ <name>`` = its
    value − the reference's (fractions stay fractions; amounts in USD).
    """
    names = list(summaries)
    if len(names) < 2:
        raise ValueError(f"compare at least two scenarios, got {len(names)}")
    ref = summaries[names[0]]
    data: dict[str, list] = {"metric": [SCENARIO_LABELS[k] for k in SCENARIO_KEYS]}
    for name in names:
        data[name] = [float(summaries[name][k]) for k in SCENARIO_KEYS]
    for name in names[1:]:
        data[f"Δ {name}"] = [float(summaries[name][k] - ref[k]) for k in SCENARIO_KEYS]
    return pd.DataFrame(data, index=pd.Index(SCENARIO_KEYS, name="key"))
