"""Per-position risk on the base curve: DV01, key-rate DV01s and the reports built on them.

The pricing book itself (every position as a function of the discount-node vector) lives in
:mod:`xmsim.pricing.book`; its public names are re-exported here, where callers have always
imported them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xmsim import contracts
from xmsim.market import TENORS, ParCurve
from xmsim.portfolio import FUTURE, Portfolio, Position
from xmsim.pricing.book import (  # noqa: F401  (re-exported)
    BUMP_BP,
    CtdOverride,
    PositionTerms,
    PricingBook,
    build_book,
    ctd_for,
)
from xmsim.pricing.curve import discount_nodes
from xmsim.units import BP


@dataclass(frozen=True, slots=True)
class RiskReport:
    """Per-position risk on the base curve.

    dv01_usd : P&L for a 1 bp parallel fall of the par curve [USD per bp], shape (n_pos,).
    krd_usd : key-rate DV01s at :data:`TENORS` [USD per bp], shape (n_pos, n_tenors);
        rows sum to ``dv01_usd`` (to second order in the bump).
    convexity_usd : second derivative to a parallel par shift [USD per bp²], shape (n_pos,).
    """

    book: PricingBook
    dv01_usd: np.ndarray
    krd_usd: np.ndarray
    convexity_usd: np.ndarray

    def to_frame(self, portfolio: Portfolio) -> pd.DataFrame:
        """One row per position of ``portfolio`` (the one this book was built from): terms,
        price [per 100 face], value [USD], DV01 [USD per bp], convexity, CTD/CF and key-rate DV01s
        [USD per bp]: n_positions rows."""
        t = self.book.terms
        frame = pd.DataFrame({
            "row": [p.row for p in portfolio],
            "account": [p.account for p in portfolio],
            "product": [p.product for p in portfolio],
            "description": [p.description for p in portfolio],
            "quantity": [p.quantity for p in portfolio],
            "price": t.price,
            "market_value_usd": t.market_value_usd,
            "notional_usd": t.notional_usd,
            "dv01_usd": self.dv01_usd,
            "convexity_usd_per_bp2": self.convexity_usd,
            "ctd_or_reference": t.ctd,
            "conversion_factor": t.cf,
        })  # fmt: skip
        krd = pd.DataFrame(self.krd_usd, columns=[f"krd_{x}" for x in TENORS])
        return pd.concat([frame, krd], axis=1)


def bumped_curves(yields: np.ndarray, bump_bp: float = BUMP_BP) -> np.ndarray:
    """Par curves for central differences: rows are [up, down] × (parallel, each tenor).

    Returns shape (2 * (1 + n_tenors), n_tenors) [decimal]; the tenor bumps are tents that sum
    to the parallel bump because par yields interpolate linearly between tenors.
    """
    n_t = len(TENORS)
    shifts = np.vstack([np.ones(n_t), np.eye(n_t)]) * bump_bp * BP
    return np.vstack([yields + shifts, yields - shifts])


def position_risk(book: PricingBook, curve: ParCurve, bump_bp: float = BUMP_BP) -> RiskReport:
    """DV01, key-rate DV01s and convexity of every position by central differences.

    Parameters
    ----------
    book : n_positions positions (:func:`build_book`).
    curve : the base par curve [decimal], shape (n_tenors,) of yields.
    bump_bp : half-width of the central difference [bp].

    Returns
    -------
    RiskReport: ``dv01_usd`` [USD per bp], shape (n_positions,); ``krd_usd`` [USD per bp],
    shape (n_positions, n_tenors); convexity [USD per bp squared], shape (n_positions,).
    """
    curves = bumped_curves(curve.yields, bump_bp)
    vals = book.values(discount_nodes(curves))
    n_b = 1 + len(TENORS)
    up, down = vals[:n_b], vals[n_b:]
    sens = (down - up) / (2.0 * bump_bp)  # per bp fall
    conv = (up[0] + down[0] - 2.0 * book.base_value_usd) / bump_bp**2
    return RiskReport(book, sens[0], sens[1:].T.copy(), conv)


def position_dv01(portfolio: Portfolio, curve: ParCurve) -> np.ndarray:
    """DV01 of each position [USD per bp], + for longs; shape (n_positions,)."""
    return position_risk(build_book(portfolio, curve), curve).dv01_usd


def contract_dv01(code: str, expiry: dt.date, curve: ParCurve) -> float:
    """DV01 of one long contract [USD per bp] (Treasury: CTD forward DV01 / CF)."""
    pos = Position(
        product=FUTURE, quantity=1.0, contract=contracts.get_contract(code).code, expiry=expiry
    )
    return float(position_dv01(Portfolio((pos,)), curve)[0])
