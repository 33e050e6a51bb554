"""Positions and portfolios: frozen domain values (the upload loader lives in ``loader.py``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True, slots=True, eq=False)
class PositionColumns:
    """Positions as columns: a large book holds many positions of few instruments.

    Attributes
    ----------
    units : the distinct instruments as unit positions (quantity 1, ``HOUSE``, no label, row
        0), distinct by :func:`instrument_key`.
    inst : instrument of each position (index into ``units``), shape (n_positions,).
    quantity : each position's quantity [face USD or contracts], shape (n_positions,).
    account : each position's account (index into ``accounts``), shape (n_positions,).
    accounts : the distinct accounts, in first-seen order.
    label : each position's label (index into ``labels``), shape (n_positions,).
    labels : the distinct labels.
    row : each position's spreadsheet row, shape (n_positions,).
    """

    units: tuple[Position, ...]
    inst: np.ndarray
    quantity: np.ndarray
    account: np.ndarray
    accounts: tuple[str, ...]
    label: np.ndarray
    labels: tuple[str, ...]
    row: np.ndarray

    def __len__(self) -> int:
        return len(self.inst)

    def positions(self) -> tuple[Position, ...]:
        """The positions, one object each, in order."""
        units, accounts, labels = self.units, self.accounts, self.labels
        out = []
        for i, q, a, lab, r in zip(self.inst.tolist(), self.quantity.tolist(),
                                   self.account.tolist(), self.label.tolist(),
                                   self.row.tolist(), strict=True):  # fmt: skip
            u = units[i]
            out.append(Position(u.product, q, accounts[a], u.coupon_pct, u.maturity,
                                u.issue_date, u.cusip, u.price, u.end_date, u.contract,
                                u.expiry, labels[lab], r))  # fmt: skip
        return tuple(out)


class Portfolio:
    """An ordered, immutable collection of positions.

    ``Portfolio(positions)`` holds position objects; :meth:`from_columns` holds a large book
    as :class:`PositionColumns` and makes the position objects only when ``positions`` is
    first read (the whole-book path reads the columns and never does). Equality, hashing and
    pickling are by the positions, whichever way the portfolio was made.
    """

    __slots__ = ("_columns", "_positions")

    def __init__(self, positions: Iterable[Position] = ()) -> None:
        object.__setattr__(self, "_positions", tuple(positions))
        object.__setattr__(self, "_columns", None)

    @classmethod
    def from_columns(cls, columns: PositionColumns) -> Portfolio:
        """A portfolio of the positions in ``columns`` (made on first use)."""
        out = cls.__new__(cls)
        object.__setattr__(out, "_positions", None)
        object.__setattr__(out, "_columns", columns)
        return out

    @classmethod
    def of(cls, positions: Iterable[Position]) -> Portfolio:
        return cls(tuple(positions))

    @property
    def positions(self) -> tuple[Position, ...]:
        if self._positions is None:
            object.__setattr__(self, "_positions", self._columns.positions())
        return self._positions

    @property
    def columns(self) -> PositionColumns | None:
        """The columns the portfolio was made from (:meth:`from_columns`), else None."""
        return self._columns

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Portfolio):
            return NotImplemented
        return self is other or self.positions == other.positions

    def __hash__(self) -> int:
        return hash(self.positions)

    def __repr__(self) -> str:
        return f"Portfolio(positions={self.positions!r})"

    def __reduce__(self):
        if self._positions is None:
            return (Portfolio.from_columns, (self._columns,))
        return (Portfolio, (self._positions,))

    def __iter__(self) -> Iterator[Position]:
        return iter(self.positions)

    def __len__(self) -> int:
        if self._positions is None:
            return len(self._columns)
        return len(self._positions)

    def __add__(self, other: Portfolio) -> Portfolio:
        return Portfolio(self.positions + other.positions)

    @property
    def accounts(self) -> tuple[str, ...]:
        """Distinct accounts in first-seen order."""
        if self._positions is None:
            codes = self._columns.account
            first = np.unique(codes, return_index=True)[1]
            return tuple(self._columns.accounts[c] for c in codes[np.sort(first)].tolist())
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


def instrument_key(p: Position) -> tuple:
    """Everything about a position except its size, owner, label and row: equal keys price
    identically per unit of quantity (and two positions are the same position when their keys,
    quantities, accounts and labels are equal)."""
    return (p.product, p.coupon_pct, p.maturity, p.issue_date, p.cusip, p.price, p.end_date,
            p.contract, p.expiry)  # fmt: skip


def unit_position(p: Position) -> Position:
    """The instrument of ``p`` as a position of quantity 1 (face 1 USD or 1 contract)."""
    return Position(p.product, 1.0, HOUSE, p.coupon_pct, p.maturity, p.issue_date, p.cusip,
                    p.price, p.end_date, p.contract, p.expiry)  # fmt: skip


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
