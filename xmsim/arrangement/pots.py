"""Which combined portfolios a file forms: the reading of the arrangement (METHODOLOGY §1).

* ``house``: every account of the file is pooled into one house combined portfolio.
* ``customer``: each account is its own combined portfolio; one customer never offsets another.
* ``auto`` (default): a BD-FCM's file holds both. Accounts named ``HOUSE`` (any case) or left
  empty are pooled into one house combined portfolio; every other account is its own customer
  combined portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xmsim.portfolio import HOUSE, Portfolio

AUTO_ARRANGEMENT = "auto"
HOUSE_ARRANGEMENT = "house"
CUSTOMER_ARRANGEMENT = "customer"
ARRANGEMENTS = (AUTO_ARRANGEMENT, HOUSE_ARRANGEMENT, CUSTOMER_ARRANGEMENT)
HOUSE_POT, CUSTOMER_POT = "house", "customer"
POOLED_HOUSE_NAME = "ALL ACCOUNTS (house)"
"""Name of the house combined portfolio when it pools several accounts."""


def is_house_account(account: str) -> bool:
    """True for the accounts the ``auto`` reading pools into the house pot."""
    return account.strip().upper() in ("", HOUSE)


@dataclass(frozen=True, slots=True)
class Pots:
    """The combined portfolios of a file under one reading.

    names : one per combined portfolio, in result order.
    kinds : ``"house"`` or ``"customer"`` per combined portfolio.
    n_accounts : accounts of the file in each combined portfolio.
    index : combined portfolio of each position, shape (n_positions,).
    """

    requested: str
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    n_accounts: tuple[int, ...]
    index: np.ndarray

    def reading(self) -> dict:
        """What the JSON says about the reading: requested, and accounts in each pot."""
        house = [n for n, k in zip(self.n_accounts, self.kinds, strict=True) if k == HOUSE_POT]
        return {
            "requested": self.requested,
            "house_portfolios": len(house),
            "house_accounts": int(sum(house)),
            "customer_portfolios": self.kinds.count(CUSTOMER_POT),
            "customer_accounts": self.kinds.count(CUSTOMER_POT),
        }


def reading_text(reading: dict) -> str:
    """One line for tables and headlines, e.g. ``auto reading: 1 house portfolio (1 account),
    2 customer portfolios``."""
    parts = []
    if reading["house_portfolios"]:
        n = reading["house_accounts"]
        parts.append(f"1 house combined portfolio ({n} account{'s' if n != 1 else ''})")
    if reading["customer_portfolios"]:
        n = reading["customer_portfolios"]
        parts.append(f"{n} customer combined portfolio{'s' if n != 1 else ''} (one per account)")
    return f"{reading['requested']} reading: " + (" + ".join(parts) or "no accounts")


def form_pots(portfolio: Portfolio, arrangement: str) -> Pots:
    """The combined portfolios of ``portfolio`` under ``arrangement`` (see the module text)."""
    if arrangement not in ARRANGEMENTS:
        raise ValueError(f"arrangement must be one of {', '.join(ARRANGEMENTS)}")
    accounts = portfolio.accounts or (HOUSE,)
    if arrangement == HOUSE_ARRANGEMENT:
        house, customers = list(accounts), []
    elif arrangement == CUSTOMER_ARRANGEMENT:
        house, customers = [], list(accounts)
    else:
        house = [a for a in accounts if is_house_account(a)]
        customers = [a for a in accounts if not is_house_account(a)]
    names: list[str] = []
    pot_of: dict[str, int] = {}
    if house:
        names.append(HOUSE if len(house) == 1 else POOLED_HOUSE_NAME)
        pot_of.update(dict.fromkeys(house, 0))
    for a in customers:
        pot_of[a] = len(names)
        names.append(a)
    kinds = (HOUSE_POT,) * bool(house) + (CUSTOMER_POT,) * len(customers)
    sizes = (len(house),) * bool(house) + (1,) * len(customers)
    columns = portfolio.columns
    if columns is not None:  # a whole book: one look-up per distinct account
        pot = np.array([pot_of.get(a, -1) for a in columns.accounts], dtype=np.int64)
        index = pot[columns.account]
    else:
        index = np.array([pot_of[p.account] for p in portfolio], dtype=np.int64)
    return Pots(arrangement, tuple(names), kinds, sizes, index)


def pot_labels(portfolio: Portfolio, arrangement: str) -> tuple[str, ...]:
    """The combined portfolio (its name) of each position under ``arrangement``."""
    pots = form_pots(portfolio, arrangement)
    return tuple(pots.names[i] for i in pots.index)
