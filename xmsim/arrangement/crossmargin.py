"""The CME–FICC cross-margining arrangement (METHODOLOGY §1): both models' savings side by side.

For each combined portfolio (house: the whole file; customer: each account, with no offset
between accounts; auto: HOUSE accounts pooled, every other account apart — see
:mod:`xmsim.arrangement.pots`) and each model k (the VaR model standing for FICC, SPAN for CME
by default)::

    standalone_k = M_k(F) + M_k(C)          # F: FICC-eligible leg, C: CME-eligible leg
    combined_k   = M_k(F ∪ C)
    savings_k    = 1 - combined_k / standalone_k   (sum_of_legs, default)
                 = 1 - combined_k / M_k(own leg)   (own_leg: literal FAQ reading)
    applied      = min(savings_FICC, savings_CME, cap); 0 if either <= 0 (do no harm)
    FICC requirement = M_FICC(F) × (1 − applied);  CME requirement = M_CME(C) × (1 − applied)

Ineligible positions are margined at their home CCP outside the arrangement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Protocol

import numpy as np
import pandas as pd

from xmsim.arrangement.eligibility import CME, FICC, classify_portfolio
from xmsim.arrangement.fallback import FallbackResult, account_fallback, fallback  # noqa: F401
from xmsim.arrangement.pots import (
    ARRANGEMENTS,
    AUTO_ARRANGEMENT,
    CUSTOMER_ARRANGEMENT,
    CUSTOMER_POT,
    HOUSE_ARRANGEMENT,
    form_pots,
)
from xmsim.portfolio import NOMINAL_STAND_IN, Portfolio, needs_stand_in
from xmsim.pricing.risk import PositionTerms, PricingBook

__all__ = ["AUTO_ARRANGEMENT", "CUSTOMER_ARRANGEMENT", "HOUSE_ARRANGEMENT"]
SUM_OF_LEGS = "sum_of_legs"
OWN_LEG = "own_leg"

LEG_FICC, LEG_CME, LEG_INELIGIBLE_FICC, LEG_INELIGIBLE_CME, LEG_NONE = 0, 1, 2, 3, -1
N_LEGS = 4


@dataclass(frozen=True, slots=True)
class LegMargins:
    """Margins of one model per account [USD], each shape (n_accounts,); ``account_types``
    (SPAN only, else empty) is the CME account type each account was margined as."""

    ficc_leg: np.ndarray
    cme_leg: np.ndarray
    combined: np.ndarray
    ineligible_ficc: np.ndarray
    ineligible_cme: np.ndarray
    account_types: tuple[str, ...] = ()


class MarginModel(Protocol):
    """What the arrangement needs from a margin engine (VaR-like or SPAN-like)."""

    name: str

    def leg_margins(
        self,
        portfolio: Portfolio,
        book: PricingBook,
        account_idx: np.ndarray,
        leg: np.ndarray,
        n_accounts: int,
        customer: np.ndarray | None = None,
    ) -> LegMargins:
        """Margins of the FICC leg, CME leg, their union, and the ineligible legs by account.

        ``leg`` holds LEG_* codes per position; LEG_NONE positions are ignored; ``customer``
        (bool, shape (n_accounts,); None: none) marks the customer accounts.
        """
        ...


@dataclass(frozen=True, slots=True)
class ArrangementSettings:
    """Switches of the arrangement (METHODOLOGY §1, §7)."""

    cap: float = 0.80
    savings_basis: str = SUM_OF_LEGS
    arrangement: str = AUTO_ARRANGEMENT

    def __post_init__(self) -> None:
        if not 0.0 <= self.cap <= 1.0:
            raise ValueError(f"cap must be in [0, 1], got {self.cap}")
        if self.savings_basis not in (SUM_OF_LEGS, OWN_LEG):
            raise ValueError(f"savings_basis must be {SUM_OF_LEGS!r} or {OWN_LEG!r}")
        if self.arrangement not in ARRANGEMENTS:
            raise ValueError(f"arrangement must be one of {', '.join(ARRANGEMENTS)}")


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


SAVINGS_ZERO_TOL = 1e-9
"""The exact-zero rule: a saving within this fraction of the requirement it is measured against
is exactly 0, so float dust (1.1e-16) is never shown or applied as a saving [fraction]."""


def savings_fraction(combined: float, base: float) -> float:
    """1 − combined / base; exactly 0 when base is 0 (nothing to save) or when combined is
    within :data:`SAVINGS_ZERO_TOL` x base of it."""
    if base <= 0 or abs(base - combined) <= SAVINGS_ZERO_TOL * base:
        return 0.0
    return 1.0 - combined / base


BOUND_NO_HARM, BOUND_CAP, BOUND_FICC, BOUND_CME = "do no harm", "cap", "FICC model", "CME model"
BINDINGS = (BOUND_FICC, BOUND_CME, BOUND_CAP, BOUND_NO_HARM)


def binding_rule(s_ficc: float, s_cme: float, cap: float) -> str:
    """What sets the applied percentage: do no harm, the cap, or the lower model's savings."""
    if s_ficc <= 0 or s_cme <= 0:
        return BOUND_NO_HARM
    if min(s_ficc, s_cme) >= cap:
        return BOUND_CAP
    return BOUND_FICC if s_ficc <= s_cme else BOUND_CME


def applied_percentage(s_ficc: float, s_cme: float, cap: float) -> tuple[float, str]:
    """The lower of the two savings, capped; 0 when either model finds no saving."""
    rule = binding_rule(s_ficc, s_cme, cap)
    if rule == BOUND_NO_HARM:
        who = "FICC's" if s_ficc <= 0 else "CME's"
        return 0.0, f"do no harm: {who} model finds no saving, standalone requirements apply"
    if rule == BOUND_CAP:
        return cap, f"cap: both models save at least {cap:.0%}"
    lower = "FICC's" if rule == BOUND_FICC else "CME's"
    return min(s_ficc, s_cme), f"lower of the two: {lower} model"


def assign_legs(
    portfolio: Portfolio, asof: dt.date, terms: PositionTerms | None = None
) -> tuple[np.ndarray, tuple[IneligibleRow | None, ...]]:
    """LEG_* code per position from the one eligibility function, and ineligible rows.

    With the pricer's ``terms``, positions it could not value are listed (with its note) and
    left out of every leg instead of counting as zero risk.
    """
    legs = np.full(len(portfolio), LEG_NONE, dtype=np.int64)
    rows: list[IneligibleRow | None] = []
    for i, (p, e) in enumerate(zip(portfolio, classify_portfolio(portfolio, asof), strict=True)):
        modelled = terms is None or bool(terms.priced[i])
        if e.eligible and modelled:
            legs[i] = LEG_FICC if e.ccp == FICC else LEG_CME
            rows.append(None)
            continue
        if e.eligible:  # eligible but the pricer cannot value it: shown, never silently zero
            rows.append(
                IneligibleRow(
                    p.row,
                    p.description,
                    e.ccp or "",
                    f"{terms.ctd[i]} (no margin computed, not in any total)",
                )
            )
            continue
        legs[i] = (
            (LEG_INELIGIBLE_FICC if e.home_ccp == FICC else LEG_INELIGIBLE_CME)
            if modelled
            else LEG_NONE
        )
        if not modelled:
            reason = f"{e.reason}; not modelled (no margin computed, not in any total)"
        elif needs_stand_in(p):
            reason = f"{e.reason}; {NOMINAL_STAND_IN}"
        else:
            reason = e.reason
        rows.append(IneligibleRow(p.row, p.description, e.home_ccp, reason))
    return legs, tuple(rows)


def _view(m: LegMargins, j: int, basis: str, ccp: str | None) -> ModelView:
    """One model's view of account ``j``, its savings on the ``basis`` of the CCP it stands
    for (``ccp`` FICC or CME; None: it stands for neither, shown on the sum of legs)."""
    f, c, comb = float(m.ficc_leg[j]), float(m.cme_leg[j]), float(m.combined[j])
    if basis == OWN_LEG and ccp is not None:
        base = f if ccp == FICC else c
    else:
        basis, base = SUM_OF_LEGS, f + c
    return ModelView(f, c, f + c, comb, savings_fraction(comb, base), basis, base)


def ccp_savings(view: ModelView, basis: str, ccp: str) -> float:
    """The savings percentage a CCP derives from its model's view (``ccp`` = FICC or CME)."""
    if basis == OWN_LEG:
        return savings_fraction(view.combined, view.ficc_leg if ccp == FICC else view.cme_leg)
    return savings_fraction(view.combined, view.standalone)


def run_arrangement(
    portfolio: Portfolio,
    asof: dt.date,
    var_model: MarginModel,
    span_model: MarginModel,
    settings: ArrangementSettings | None = None,
    ficc_model: str = "var",
    cme_model: str = "span",
    history: str = "",
    model_settings: dict | None = None,
    *,
    book: PricingBook,
) -> ArrangementResult:
    """Run the arrangement on a portfolio in the combined portfolios of its reading
    (:func:`xmsim.arrangement.pots.form_pots`: house, customer or auto).

    ``ficc_model`` / ``cme_model`` name which model ("var" or "span") stands for each CCP;
    ``book`` is the portfolio's pricing book (:func:`xmsim.pricing.risk.build_book`), shared by both
    models. :func:`xmsim.simulate.simulate` wires all of this from a market and a config.
    """
    settings = settings or ArrangementSettings()
    models = {"var": var_model, "span": span_model}
    if ficc_model not in models or cme_model not in models:
        raise ValueError("ficc_model and cme_model must be 'var' or 'span'")
    pots = form_pots(portfolio, settings.arrangement)
    names, acc_idx = pots.names, pots.index
    legs, inel = assign_legs(portfolio, asof, book.terms)
    n_acc = len(names)
    customer = np.array([k == CUSTOMER_POT for k in pots.kinds], bool)
    margins = {
        k: m.leg_margins(portfolio, book, acc_idx, legs, n_acc, customer) for k, m in models.items()
    }

    inel_by_account: dict[int, tuple[IneligibleRow, ...]] = {}
    for r, a in zip(inel, acc_idx, strict=True):
        if r is not None:
            inel_by_account[int(a)] = (*inel_by_account.get(int(a), ()), r)
    results = account_results(
        names, pots.kinds, margins, inel_by_account, settings, ficc_model, cme_model
    )
    return ArrangementResult(
        asof=asof,
        settings=settings,
        ficc_model=ficc_model,
        cme_model=cme_model,
        history=history,
        accounts=results,
        model_settings=model_settings or {},
        reading=pots.reading(),
    )


def _at(values: tuple[str, ...], j: int) -> str:
    return values[j] if j < len(values) else ""


def account_results(
    names: tuple[str, ...],
    kinds: tuple[str, ...],
    margins: dict[str, LegMargins],
    inel_by_account: dict[int, tuple[IneligibleRow, ...]],
    settings: ArrangementSettings,
    ficc_model: str,
    cme_model: str,
) -> tuple[AccountResult, ...]:
    """The arrangement's bookkeeping for combined portfolios ``names`` (pot ``kinds``) from
    both models' leg margins (``margins["var"]``, ``margins["span"]``, entries of shape
    (len(names),) [USD]) and each portfolio's ineligible rows."""
    roles = {cme_model: CME, ficc_model: FICC}  # a model standing for both shows FICC's
    results = []
    for j, name in enumerate(names):  # per-account bookkeeping on already-computed arrays
        views = {k: _view(m, j, settings.savings_basis, roles.get(k)) for k, m in margins.items()}
        s_ficc = ccp_savings(views[ficc_model], settings.savings_basis, FICC)
        s_cme = ccp_savings(views[cme_model], settings.savings_basis, CME)
        applied, reason = applied_percentage(s_ficc, s_cme, settings.cap)
        f_alone = views[ficc_model].ficc_leg
        c_alone = views[cme_model].cme_leg
        in_f = float(margins[ficc_model].ineligible_ficc[j])
        in_c = float(margins[cme_model].ineligible_cme[j])
        before = f_alone + c_alone + in_f + in_c
        f_req, c_req = f_alone * (1.0 - applied), c_alone * (1.0 - applied)
        after = f_req + c_req + in_f + in_c
        results.append(
            AccountResult(
                account=name,
                var=views["var"],
                span=views["span"],
                savings_ficc_model=s_ficc,
                savings_cme_model=s_cme,
                applied=applied,
                reason=reason,
                ficc_standalone=f_alone,
                cme_standalone=c_alone,
                ficc_requirement=f_req,
                cme_requirement=c_req,
                ineligible=inel_by_account.get(j, ()),
                ineligible_margin_ficc=in_f,
                ineligible_margin_cme=in_c,
                total_before=before,
                total_after=after,
                savings_usd=before - after,
                pot=kinds[j],
                span_account_type=_at(margins["span"].account_types, j),
            )
        )
    return tuple(results)
