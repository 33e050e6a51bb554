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
from dataclasses import dataclass
from typing import Protocol

import numpy as np

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
from xmsim.arrangement.results import (  # noqa: F401  (re-exported: the result types)
    OWN_LEG,
    SUM_OF_LEGS,
    TOTAL_KEYS,
    AccountResult,
    ArrangementResult,
    IneligibleRow,
    ModelView,
    account_dict,
    account_row,
)
from xmsim.portfolio import NOMINAL_STAND_IN, Portfolio, needs_stand_in
from xmsim.pricing.risk import PositionTerms, PricingBook

__all__ = ["AUTO_ARRANGEMENT", "CUSTOMER_ARRANGEMENT", "HOUSE_ARRANGEMENT"]

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


def _view(f: float, c: float, comb: float, basis: str, ccp: str | None) -> ModelView:
    """One model's view of an account from its FICC leg, CME leg and combined margins [USD],
    its savings on the ``basis`` of the CCP it stands for (``ccp`` FICC or CME; None: it
    stands for neither, shown on the sum of legs)."""
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


def _floats(values: np.ndarray) -> list[float]:
    return np.asarray(values, dtype=float).tolist()


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
    basis = settings.savings_basis
    legs = {k: (k, roles.get(k), *map(_floats, (m.ficc_leg, m.cme_leg, m.combined)))
            for k, m in margins.items()}  # fmt: skip
    inel_f = _floats(margins[ficc_model].ineligible_ficc)
    inel_c = _floats(margins[cme_model].ineligible_cme)
    results = []
    for j, name in enumerate(names):  # per-account bookkeeping on already-computed arrays
        views = {k: _view(f[j], c[j], comb[j], basis, ccp) for k, ccp, f, c, comb in legs.values()}
        s_ficc = ccp_savings(views[ficc_model], settings.savings_basis, FICC)
        s_cme = ccp_savings(views[cme_model], settings.savings_basis, CME)
        applied, reason = applied_percentage(s_ficc, s_cme, settings.cap)
        f_alone = views[ficc_model].ficc_leg
        c_alone = views[cme_model].cme_leg
        in_f, in_c = inel_f[j], inel_c[j]
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
