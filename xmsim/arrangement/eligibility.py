"""Eligibility for the CME-FICC cross-margining arrangement: the one home of METHODOLOGY §2.

FICC: U.S. Treasury notes and bonds with **more than one year** to maturity (including
when-issued), held outright or as repo / reverse-repo collateral. Ineligible: TIPS, STRIPS, agency
securities, MBS, bills and anything with one year or less left. CME: the eleven interest-rate
futures of ``contracts.csv`` (ZT, Z3N, ZF, ZN, TN, TWE, ZB, UB, ZQ, SR1, SR3); no options.
[SRC CME cross-margining FAQ Q5; DTCC cross-margining page]

An ineligible position is kept, margined standalone at its home CCP and shown with its reason.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from xmsim import dates
from xmsim.contracts import contract_table
from xmsim.portfolio import (
    AGENCY,
    BILL,
    CASH_PRODUCTS,
    FUTURE,
    MBS,
    OPTION,
    STRIPS,
    TIPS,
    Portfolio,
    Position,
)

FICC = "FICC"
CME = "CME"

MIN_MONTHS_TO_MATURITY = 12
"""FICC needs strictly more than this many calendar months to maturity [months]."""

SHORT_MATURITY_REASON = "≤ 1 year to maturity (FICC eligibility needs more than one year)"

_PRODUCT_REASONS = {
    TIPS: "TIPS (inflation-indexed) are not eligible; only nominal notes and bonds are",
    STRIPS: "STRIPS are not eligible; only coupon-paying notes and bonds are",
    BILL: "Treasury bills are not eligible; only notes and bonds with more than one year left are",
    AGENCY: "agency securities are not eligible; only U.S. Treasury notes and bonds are",
    MBS: "mortgage-backed securities are not eligible; only U.S. Treasury notes and bonds are",
    OPTION: "options are not eligible; only the eleven listed interest-rate futures are",
}


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Where a position clears and whether it enters the cross-margin calculation.

    Attributes
    ----------
    ccp : ``FICC`` or ``CME`` when eligible for the arrangement, ``None`` otherwise.
    home_ccp : the clearing house that margins the position in any case (``FICC`` for cash
        products, TIPS, STRIPS, bills, agencies and MBS; ``CME`` for futures and options).
    reason : why the position is ineligible; ``""`` when eligible.
    """

    ccp: str | None
    home_ccp: str
    reason: str = ""

    def __post_init__(self) -> None:
        if self.ccp not in (None, FICC, CME) or self.home_ccp not in (FICC, CME):
            raise ValueError(f"unknown clearing house in {self!r}")
        if self.ccp is not None and (self.ccp != self.home_ccp or self.reason):
            raise ValueError("an eligible position clears at its home CCP and has no reason")
        if self.ccp is None and not self.reason:
            raise ValueError("an ineligible position needs a reason")

    @property
    def eligible(self) -> bool:
        return self.ccp is not None


@functools.lru_cache(maxsize=64)
def ficc_maturity_threshold(asof: dt.date) -> dt.date:
    """The date a bond must mature **after** to be FICC-eligible: as-of + 1 calendar year.

    ``dates.add_months`` clamps 29 February to 28 February in a non-leap year.
    """
    return dates.add_months(asof, MIN_MONTHS_TO_MATURITY)


def classify(position: Position, asof: dt.date) -> Eligibility:
    """Eligibility of one position on ``asof`` (METHODOLOGY §2).

    Notes and bonds (``UST``, and the collateral of ``REPO`` / ``REVERSE_REPO``) are eligible at
    FICC when ``maturity > asof + 1 calendar year``; futures on the listed contracts at CME.
    """
    if position.product == FUTURE:
        if position.contract in contract_table():
            return Eligibility(CME, CME)
        return Eligibility(
            None, CME, f"{position.contract!r} is not a cross-margin futures contract"
        )
    if position.product == OPTION:
        return Eligibility(None, CME, _PRODUCT_REASONS[OPTION])
    if position.product in CASH_PRODUCTS:
        if position.maturity is not None and position.maturity > ficc_maturity_threshold(asof):
            return Eligibility(FICC, FICC)
        return Eligibility(None, FICC, SHORT_MATURITY_REASON)
    return Eligibility(None, FICC, _PRODUCT_REASONS[position.product])


def classify_portfolio(portfolio: Portfolio, asof: dt.date) -> tuple[Eligibility, ...]:
    """:func:`classify` for every position, in portfolio order."""
    return tuple(classify(p, asof) for p in portfolio)


def split_portfolio(portfolio: Portfolio, asof: dt.date) -> tuple[Portfolio, Portfolio, Portfolio]:
    """The FICC-eligible, CME-eligible and ineligible parts of a portfolio (order kept)."""
    groups: dict[str | None, list[Position]] = {FICC: [], CME: [], None: []}
    for position, elig in zip(portfolio, classify_portfolio(portfolio, asof), strict=True):
        groups[elig.ccp].append(position)
    return Portfolio.of(groups[FICC]), Portfolio.of(groups[CME]), Portfolio.of(groups[None])
