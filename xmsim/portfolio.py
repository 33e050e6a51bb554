"""Positions and portfolios: frozen domain values (the upload loader lives in ``loader.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

HOUSE = "HOUSE"

UST = "UST"
REPO = "REPO"
REVERSE_REPO = "REVERSE_REPO"
FUTURE = "FUTURE"
TIPS = "TIPS"
STRIPS = "STRIPS"
BILL = "BILL"
AGENCY = "AGENCY"
MBS = "MBS"
OPTION = "OPTION"

CASH_PRODUCTS = (UST, REPO, REVERSE_REPO)
"""Products xmsim can price as fixed-coupon Treasuries."""
INELIGIBLE_PRODUCTS = (TIPS, STRIPS, BILL, AGENCY, MBS, OPTION)
"""Accepted in uploads so they can be shown as ineligible (METHODOLOGY §2)."""
PRODUCTS = (*CASH_PRODUCTS, FUTURE, *INELIGIBLE_PRODUCTS)
NOMINAL_STAND_IN = (
    "margined as a nominal Treasury with the same coupon and maturity (ASSUMED approximation)"
)
"""What :func:`nominal_stand_in` does to a position, in the words the results use."""


@dataclass(frozen=True, slots=True)
class Position:
    """One row of a portfolio.

    Attributes
    ----------
    product : one of :data:`PRODUCTS`.
    quantity : cash products: face [USD], negative = short/sold; repos: collateral face [USD]
        (positive); futures: contracts, negative = short.
    account : customer account, ``HOUSE`` when empty.
    coupon_pct : annual coupon [% of face] (cash products).
    maturity : maturity date (cash products).
    issue_date : original issue date, optional (used for futures deliverability).
    cusip : 9-character CUSIP, optional, check digit verified by the loader.
    price : clean price [per 100 face], optional; when absent, the curve price is used.
    end_date : repo close date (REPO / REVERSE_REPO).
    contract : canonical futures code (``ZN``), see ``contracts.csv``.
    expiry : first day of the futures contract month.
    label : free text.
    row : spreadsheet row the position came from (1 = header), 0 when built in code.
    """

    product: str
    quantity: float
    account: str = HOUSE
    coupon_pct: float | None = None
    maturity: dt.date | None = None
    issue_date: dt.date | None = None
    cusip: str | None = None
    price: float | None = None
    end_date: dt.date | None = None
    contract: str | None = None
    expiry: dt.date | None = None
    label: str = ""
    row: int = 0

    def __post_init__(self) -> None:
        if self.product not in PRODUCTS:
            raise ValueError(f"unknown product {self.product!r}; expected one of {PRODUCTS}")
        if self.product == FUTURE and (self.contract is None or self.expiry is None):
            raise ValueError("a FUTURE needs a contract and an expiry")
        if self.product in CASH_PRODUCTS and (self.coupon_pct is None or self.maturity is None):
            raise ValueError(f"a {self.product} needs a coupon and a maturity")
        if self.product in (REPO, REVERSE_REPO) and self.end_date is None:
            raise ValueError(f"a {self.product} needs an end_date")
        if self.expiry is not None and self.expiry.day != 1:
            object.__setattr__(self, "expiry", self.expiry.replace(day=1))

    @property
    def is_future(self) -> bool:
        return self.product == FUTURE

    @property
    def is_cash(self) -> bool:
        return self.product in CASH_PRODUCTS

    @property
    def description(self) -> str:
        """A short human description (``ZN Dec-26`` or ``UST 4.25% 2034-11-15``)."""
        if self.is_future:
            return f"{self.contract} {self.expiry:%b-%y}"
        if self.coupon_pct is not None and self.maturity is not None:
            return f"{self.product} {self.coupon_pct:g}% {self.maturity.isoformat()}"
        return self.product

    def scaled(self, factor: float) -> Position:
        """The same position with its quantity multiplied by ``factor``."""
        return dataclasses.replace(self, quantity=self.quantity * factor)


@dataclass(frozen=True, slots=True)
class Portfolio:
    """An ordered, immutable collection of positions."""

    positions: tuple[Position, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "positions", tuple(self.positions))

    @classmethod
    def of(cls, positions: Iterable[Position]) -> Portfolio:
        return cls(tuple(positions))

    def __iter__(self) -> Iterator[Position]:
        return iter(self.positions)

    def __len__(self) -> int:
        return len(self.positions)

    def __add__(self, other: Portfolio) -> Portfolio:
        return Portfolio(self.positions + other.positions)

    @property
    def accounts(self) -> tuple[str, ...]:
        """Distinct accounts in first-seen order."""
        return tuple(dict.fromkeys(p.account for p in self.positions))

    def for_account(self, account: str) -> Portfolio:
        return Portfolio(tuple(p for p in self.positions if p.account == account))

    def by_account(self) -> dict[str, Portfolio]:
        groups: dict[str, list[Position]] = {}
        for p in self.positions:
            groups.setdefault(p.account, []).append(p)
        return {k: Portfolio(tuple(v)) for k, v in groups.items()}

    def futures(self) -> Portfolio:
        return Portfolio(tuple(p for p in self.positions if p.is_future))

    def cash(self) -> Portfolio:
        return Portfolio(tuple(p for p in self.positions if not p.is_future))

    def scaled(self, factor: float) -> Portfolio:
        return Portfolio(tuple(p.scaled(factor) for p in self.positions))


def needs_stand_in(p: Position) -> bool:
    """True for the products xmsim prices and margins as a nominal Treasury stand-in
    (:func:`nominal_stand_in`): everything but futures and :data:`CASH_PRODUCTS`."""
    return not p.is_future and p.product not in CASH_PRODUCTS


def nominal_stand_in(p: Position) -> Position:
    """The one rule for ineligible cash (TIPS, STRIPS, BILL, AGENCY, MBS) [ASSUMED]: priced
    and margined, outside the arrangement, as the nominal Treasury (UST) with the same coupon
    (0 when none, a bill) and maturity; futures and :data:`CASH_PRODUCTS` are returned as
    they are."""
    if not needs_stand_in(p):
        return p
    return dataclasses.replace(p, product=UST, coupon_pct=p.coupon_pct or 0.0)
