"""The engines as margin models of the arrangement (batch over accounts and legs).

:class:`VarModel` and :class:`SpanModel` adapt the pure engines to
:class:`xmsim.arrangement.crossmargin.MarginModel`; the engines know nothing of legs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from xmsim import contracts
from xmsim.arrangement.crossmargin import (
    LEG_CME,
    LEG_FICC,
    LEG_INELIGIBLE_CME,
    LEG_INELIGIBLE_FICC,
    N_LEGS,
    LegMargins,
)
from xmsim.engines.span.margin import SpanBook, span_book, span_margin, span_margin_batch
from xmsim.engines.span.params_io import SpanParams
from xmsim.engines.var.engine import VarEngine, gross_position_usd
from xmsim.market import ParCurve
from xmsim.portfolio import FUTURE, Portfolio, Position, nominal_stand_in
from xmsim.pricing.risk import PricingBook, position_dv01, position_risk


def treasury_codes() -> tuple[str, ...]:
    """The Treasury futures contracts, in contract-table order (the SPAN buckets)."""
    return tuple(code for code, spec in contracts.contract_table().items() if spec.is_treasury)


def front_contracts(codes, asof: dt.date) -> tuple[Position, ...]:
    """One long front-month contract of each code on ``asof`` (the bucket DV01 positions)."""
    return tuple(
        Position(FUTURE, 1.0, contract=code, expiry=contracts.front_month(code, asof))
        for code in codes
    )


def bucket_dv01s(curve: ParCurve) -> dict[str, float]:
    """DV01 of one front-month contract [USD per bp] for every Treasury contract (one book)."""
    codes = treasury_codes()
    dv01 = position_dv01(Portfolio(front_contracts(codes, curve.asof)), curve)
    return {code: float(d) for code, d in zip(codes, dv01, strict=True)}


def span_ready(portfolio: Portfolio) -> Portfolio:
    """The positions as SPAN takes them: ineligible cash as its nominal Treasury stand-in
    (:func:`xmsim.portfolio.nominal_stand_in`), everything else as is."""
    return Portfolio(tuple(nominal_stand_in(p) for p in portfolio))


def span_mapping_notes(portfolio: Portfolio, params: SpanParams) -> tuple[str, ...]:
    """One note per cash position that falls back to the automatic futures-equivalent mapping
    while ``params`` carries type-9 mappings (a CME file's debt securities; none: no notes)."""
    if not params.cash_map:
        return ()
    mapped = {m.cusip for m in params.cash_map}
    notes = []
    for p in portfolio:  # as uploaded (a stand-in keeps its CUSIP): no copies made
        if p.is_future or (p.cusip and p.cusip in mapped):
            continue
        why = (
            f"its CUSIP {p.cusip} is not among the SPAN file's debt securities (type 9)"
            if p.cusip
            else "it has no CUSIP to find among the SPAN file's debt securities (type 9)"
        )
        where = f"row {p.row}: " if p.row else ""
        name = f"{p.description} ({p.label})" if p.label else p.description
        notes.append(
            f"{where}position {name!r} (account {p.account}): {why}; it fell back to the "
            "automatic mapping (its DV01 split between the neighbouring Treasury contracts)"
        )
    return tuple(notes)


def group_account(groups: np.ndarray, n_accounts: int) -> np.ndarray:
    """Account of each (account, leg) group ``account * N_LEGS + leg`` or combined-portfolio
    group ``n_accounts * N_LEGS + account``, shape of ``groups``."""
    groups = np.asarray(groups)
    legs_end = n_accounts * N_LEGS
    return np.where(groups < legs_end, groups // N_LEGS, groups - legs_end)


class SpanModel:
    """CME-like SPAN standing for a CCP in :func:`xmsim.arrangement.crossmargin.run_arrangement`."""

    name = "span"

    def __init__(
        self, params: SpanParams, curve: ParCurve, bucket_dv01: dict[str, float] | None = None
    ) -> None:
        """``bucket_dv01``: one front contract's DV01 by code [USD per bp] when the caller has
        them (the history runner prices them with the book); :func:`bucket_dv01s` otherwise."""
        self.params = params
        self.curve = curve
        self._bucket_dv01 = bucket_dv01

    @property
    def bucket_dv01(self) -> dict[str, float]:
        if self._bucket_dv01 is None:
            self._bucket_dv01 = bucket_dv01s(self.curve)
        return self._bucket_dv01

    @property
    def asof(self) -> dt.date:
        return self.curve.asof

    def book(self, portfolio: Portfolio, dv01_usd: np.ndarray) -> SpanBook:
        """A SPAN book of the positions, all in one account."""
        return span_book(span_ready(portfolio), dv01_usd, self.bucket_dv01, self.asof)

    def leg_margins(
        self,
        portfolio: Portfolio,
        pricing: PricingBook,
        account_idx: np.ndarray,
        leg: np.ndarray,
        n_accounts: int,
        customer: np.ndarray | None = None,
    ) -> LegMargins:
        """Margins per account of each leg and of the combined (eligible) portfolio [USD];
        ``customer`` (bool, shape (n_accounts,)) picks each account's CME account type."""
        customer = np.zeros(n_accounts, bool) if customer is None else np.asarray(customer, bool)
        types = tuple(self.params.account_type_of(bool(c)) for c in customer)
        keep = np.flatnonzero(np.asarray(leg) >= 0)
        zeros = np.zeros(n_accounts)
        if keep.size == 0:
            return LegMargins(zeros, zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy(), types)
        dv01 = position_risk(pricing, self.curve).dv01_usd
        base = self.book(Portfolio(tuple(portfolio.positions[i] for i in keep)), dv01[keep])
        acc, lg = np.asarray(account_idx)[keep], np.asarray(leg)[keep]
        # each position once in its (account, leg) group and, if eligible, once more in its
        # account's combined portfolio (group n_accounts * N_LEGS + account): one batch
        eligible = np.flatnonzero(lg <= 1)
        rows = np.concatenate([np.arange(keep.size), eligible])
        group = np.concatenate([acc * N_LEGS + lg, n_accounts * N_LEGS + acc[eligible]])
        names, inverse = np.unique(group, return_inverse=True)
        batch = span_margin_batch(
            _regroup(base, rows, inverse.ravel(), names), self.params,
            customer[group_account(names, n_accounts)],
        )  # fmt: skip
        margin = np.zeros(n_accounts * N_LEGS + n_accounts)
        margin[names] = batch.margin_usd
        per_leg = margin[: n_accounts * N_LEGS].reshape(n_accounts, N_LEGS)
        return LegMargins(
            ficc_leg=per_leg[:, 0], cme_leg=per_leg[:, 1],
            combined=margin[n_accounts * N_LEGS : n_accounts * N_LEGS + n_accounts],
            ineligible_ficc=per_leg[:, 2], ineligible_cme=per_leg[:, 3], account_types=types,
        )  # fmt: skip

    def detail(self, portfolio: Portfolio, pricing: PricingBook, customer: bool = False):
        """The full SpanResult (components, 16-scenario arrays, attribution) of one portfolio
        (``customer``: a customer account's, for its initial margin)."""
        dv01 = position_risk(pricing, self.curve).dv01_usd
        return span_margin(self.book(portfolio, dv01), self.params, customer)


def _regroup(book: SpanBook, rows: np.ndarray, account: np.ndarray, names) -> SpanBook:
    """The book's rows ``rows`` (repeats allowed) placed in accounts ``account``."""
    return SpanBook(
        asof=book.asof, code=book.code[rows], quantity=book.quantity[rows],
        dv01_usd=book.dv01_usd[rows], years_to_maturity=book.years_to_maturity[rows],
        sub_key=book.sub_key[rows], spot=book.spot[rows], account=account,
        accounts=tuple(str(n) for n in names), contract_dv01=book.contract_dv01,
        labels=tuple(book.labels[r] for r in rows), cusip=book.cusip[rows],
        face_usd=book.face_usd[rows],
    )  # fmt: skip


__all__ = ["SpanModel", "bucket_dv01s", "span_ready"]


class VarModel:
    """The VaR engine as a :class:`xmsim.arrangement.crossmargin.MarginModel` (batch over
    accounts)."""

    name = "var"

    def __init__(self, engine: VarEngine) -> None:
        self.engine = engine

    def leg_margins(
        self, portfolio, book, account_idx, leg, n_accounts, customer=None
    ) -> LegMargins:
        """Margins per account of each leg and of the combined (eligible) portfolio [USD]
        (``customer`` does not change a VaR margin)."""
        keep = np.flatnonzero(np.asarray(leg) >= 0)
        kept = book.take(keep)
        group = np.asarray(account_idx)[keep] * N_LEGS + np.asarray(leg)[keep]
        n_groups = n_accounts * N_LEGS
        pnl = self.engine.pnl_by_group(kept, group, n_groups)
        pnl = pnl.reshape(pnl.shape[0], n_accounts, N_LEGS)
        gross = np.bincount(group, gross_position_usd(kept), n_groups).reshape(n_accounts, N_LEGS)

        def margin(*legs: int) -> np.ndarray:
            return self.engine.margins_from_pnl(
                pnl[:, :, list(legs)].sum(axis=2), gross[:, list(legs)].sum(axis=1)
            )

        return LegMargins(
            ficc_leg=margin(LEG_FICC), cme_leg=margin(LEG_CME),
            combined=margin(LEG_FICC, LEG_CME),
            ineligible_ficc=margin(LEG_INELIGIBLE_FICC), ineligible_cme=margin(LEG_INELIGIBLE_CME),
        )  # fmt: skip
