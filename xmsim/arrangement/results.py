"""What the arrangement returns (METHODOLOGY §1): one model's view of a combined portfolio,
each combined portfolio's result and the whole file's, with the documented JSON and table
layouts. The rules that fill them live in :mod:`xmsim.arrangement.crossmargin`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from xmsim.arrangement.crossmargin import ArrangementSettings

SUM_OF_LEGS = "sum_of_legs"
OWN_LEG = "own_leg"
"""Savings bases: the standalone sum of both legs (default) or the CCP's own leg."""
SAVINGS_BASIS_LABELS = {SUM_OF_LEGS: "sum of legs", OWN_LEG: "own leg"}
"""How people read each savings basis (tables, the app)."""


@dataclass(frozen=True, slots=True)
class ModelView:
    """One model's view of one combined portfolio [USD; savings a fraction, may be < 0].

    ``savings`` = 1 − combined / ``savings_base`` is the percentage the arrangement used for the
    CCP this model stands for: ``savings_base`` is the standalone (``sum_of_legs``) or that
    CCP's own leg (``own_leg``); ``savings_basis`` names which. A model standing for both CCPs
    under ``own_leg`` shows FICC's (CME's is :attr:`AccountResult.savings_cme_model`).
    """

    ficc_leg: float
    cme_leg: float
    standalone: float
    combined: float
    savings: float
    savings_basis: str = SUM_OF_LEGS
    savings_base: float = 0.0


@dataclass(frozen=True, slots=True)
class IneligibleRow:
    row: int
    description: str
    home_ccp: str
    reason: str


@dataclass(frozen=True, slots=True)
class AccountResult:
    """The arrangement for one combined portfolio; all amounts in USD.

    total_before = ficc_standalone + cme_standalone + ineligible_margin;
    total_after = ficc_requirement + cme_requirement + ineligible_margin;
    savings_usd = total_before − total_after. ``pot`` is ``house`` or ``customer``;
    ``span_account_type`` the CME account type SPAN margined it as (its initial margin).
    """

    account: str
    var: ModelView
    span: ModelView
    savings_ficc_model: float
    savings_cme_model: float
    applied: float
    reason: str
    ficc_standalone: float
    cme_standalone: float
    ficc_requirement: float
    cme_requirement: float
    ineligible: tuple[IneligibleRow, ...]
    ineligible_margin_ficc: float
    ineligible_margin_cme: float
    total_before: float
    total_after: float
    savings_usd: float
    pot: str = "house"
    span_account_type: str = ""

    @property
    def ineligible_margin(self) -> float:
        """Margin of the ineligible positions at both CCPs, outside the arrangement [USD]."""
        return self.ineligible_margin_ficc + self.ineligible_margin_cme


@dataclass(frozen=True, slots=True)
class ArrangementResult:
    """The arrangement for a whole file: per account and in total."""

    asof: dt.date
    settings: ArrangementSettings
    ficc_model: str
    cme_model: str
    history: str
    accounts: tuple[AccountResult, ...]
    model_settings: dict = field(default_factory=dict)
    reading: dict = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, float]:
        return {k: float(sum(getattr(a, k) for a in self.accounts)) for k in TOTAL_KEYS}

    @property
    def ineligible_margin(self) -> float:
        """Margin of every ineligible position, outside the arrangement [USD]."""
        return float(sum(a.ineligible_margin for a in self.accounts))

    def header(self) -> dict:
        """The run's description: everything of :meth:`to_dict` but the accounts and totals."""
        return {
            "asof": self.asof.isoformat(),
            "arrangement": self.settings.arrangement,
            "reading": self.reading,
            "history": self.history,
            "settings": {
                "cap": self.settings.cap,
                "savings_basis": self.settings.savings_basis,
                "ficc_model": self.ficc_model,
                "cme_model": self.cme_model,
                **self.model_settings,
            },
        }

    def to_dict(self) -> dict:
        """The documented JSON layout (fractions in [0, 1] except savings, amounts in USD)."""
        return {
            **self.header(),
            "accounts": [account_dict(a) for a in self.accounts],
            "totals": self.totals,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per account (the per-account table of the app and the CSV export)."""
        return pd.DataFrame([account_row(a) for a in self.accounts])


TOTAL_KEYS = ("ficc_standalone", "cme_standalone", "ficc_requirement", "cme_requirement",
              "ineligible_margin_ficc", "ineligible_margin_cme", "total_before", "total_after",
              "savings_usd")  # fmt: skip
"""The amounts summed over accounts in :attr:`ArrangementResult.totals` [USD]."""


def _flat(value) -> dict:
    """``dataclasses.asdict`` of a dataclass of plain fields (no nesting), without its deep
    copy (the per-account hot path of streamed output)."""
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
    return {n: getattr(value, n) for n in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def account_dict(a: AccountResult) -> dict:
    """One combined portfolio in the JSON layout of :meth:`ArrangementResult.to_dict`."""
    return {
        "account": a.account, "pot": a.pot, "span_account_type": a.span_account_type,
        "var": _flat(a.var), "span": _flat(a.span),
        "savings_ficc": a.savings_ficc_model, "savings_cme": a.savings_cme_model,
        "applied": a.applied, "reason": a.reason, "ficc_standalone": a.ficc_standalone,
        "cme_standalone": a.cme_standalone, "ficc_requirement": a.ficc_requirement,
        "cme_requirement": a.cme_requirement, "ineligible": [_flat(r) for r in a.ineligible],
        "ineligible_margin": a.ineligible_margin,
        "total_before": a.total_before, "total_after": a.total_after,
        "savings_usd": a.savings_usd,
    }  # fmt: skip


def account_row(a: AccountResult) -> dict:
    """One combined portfolio as a row of :meth:`ArrangementResult.to_frame` (and the CSV)."""
    return {
        "account": a.account, "pot": a.pot, "var_ficc_leg": a.var.ficc_leg,
        "var_cme_leg": a.var.cme_leg, "var_combined": a.var.combined,
        "var_savings": a.var.savings, "var_savings_base": a.var.savings_base,
        "span_ficc_leg": a.span.ficc_leg, "span_cme_leg": a.span.cme_leg,
        "span_combined": a.span.combined, "span_savings": a.span.savings,
        "span_savings_base": a.span.savings_base, "applied": a.applied,
        "ficc_requirement": a.ficc_requirement, "cme_requirement": a.cme_requirement,
        "ineligible_margin": a.ineligible_margin,
        "total_before": a.total_before, "total_after": a.total_after,
        "savings_usd": a.savings_usd, "reason": a.reason,
    }  # fmt: skip
