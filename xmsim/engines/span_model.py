"""The SPAN engine as a margin model of the arrangement (batch over accounts and legs)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from xmsim import contracts
from xmsim.crossmargin import LegMargins
from xmsim.engines.span import SpanBook, span_book, span_margin, span_margin_batch
from xmsim.market import ParCurve
from xmsim.portfolio import CASH_PRODUCTS, UST, Portfolio
from xmsim.risk import PricingBook, position_risk
from xmsim.span_params import SpanParams


def bucket_dv01s(curve: ParCurve) -> dict[str, float]:
    """DV01 of one front-month contract [USD per bp] for every Treasury contract."""
    from xmsim.risk import contract_dv01

    out = {}
    for code, spec in contracts.contract_table().items():
        if spec.is_treasury:
            out[code] = contract_dv01(code, contracts.front_month(code, curve.asof), curve)
    return out


def span_ready(portfolio: Portfolio) -> Portfolio:
    """Ineligible cash products with a coupon and maturity enter SPAN as nominal Treasuries
    [ASSUMED]; everything SPAN can take is kept as is."""
    out = []
    for p in portfolio:
        if p.is_future or p.product in CASH_PRODUCTS:
            out.append(p)
        else:
            out.append(dataclasses.replace(p, product=UST, coupon_pct=p.coupon_pct or 0.0))
    return Portfolio(tuple(out))


class SpanModel:
    """CME-like SPAN standing for a CCP in :func:`xmsim.crossmargin.run_arrangement`."""

    name = "span"

    def __init__(self, params: SpanParams, curve: ParCurve) -> None:
        self.params = params
        self.curve = curve
        self._bucket_dv01: dict[str, float] | None = None

    @property
    def bucket_dv01(self) -> dict[str, float]:
        if self._bucket_dv01 is None:
            self._bucket_dv01 = bucket_dv01s(self.curve)
        return self._bucket_dv01

    @property
    def asof(self) -> dt.date:
        return self.curve.asof

    def book(self, portfolio: Portfolio, dv01_usd: np.ndarray, accounts=None) -> SpanBook:
        """A SPAN book for the positions; ``accounts`` (a name per position) splits accounts."""
        ready = span_ready(portfolio)
        if accounts is not None:
            ready = Portfolio(
                tuple(
                    dataclasses.replace(p, account=a) for p, a in zip(ready, accounts, strict=True)
                )
            )
        return span_book(
            ready, dv01_usd, self.bucket_dv01, self.asof, by_account=accounts is not None
        )

    def leg_margins(
        self,
        portfolio: Portfolio,
        pricing: PricingBook,
        account_idx: np.ndarray,
        leg: np.ndarray,
        n_accounts: int,
    ) -> LegMargins:
        """Margins per account of each leg and of the combined (eligible) portfolio [USD]."""
        keep = np.flatnonzero(np.asarray(leg) >= 0)
        zeros = np.zeros(n_accounts)
        if keep.size == 0:
            return LegMargins(zeros, zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())
        dv01 = position_risk(pricing, self.curve).dv01_usd
        acc, lg = np.asarray(account_idx)[keep], np.asarray(leg)[keep]
        eligible = keep[lg <= 1]
        # each position once in its (account, leg) group and, if eligible, once more in its
        # account's combined portfolio: one vectorised batch over every group
        rows = np.concatenate([keep, eligible])
        names = [f"L{a}:{g}" for a, g in zip(acc, lg, strict=True)]
        names += [f"C{a}" for a in np.asarray(account_idx)[eligible]]
        both = Portfolio(tuple(portfolio.positions[i] for i in rows))
        batch = span_margin_batch(self.book(both, dv01[rows], names), self.params)
        by_name = dict(zip(batch.accounts, batch.margin_usd, strict=True))

        def get(pattern: str) -> np.ndarray:
            return np.array([by_name.get(pattern.format(a), 0.0) for a in range(n_accounts)])

        return LegMargins(
            ficc_leg=get("L{}:0"),
            cme_leg=get("L{}:1"),
            combined=get("C{}"),
            ineligible_ficc=get("L{}:2"),
            ineligible_cme=get("L{}:3"),
        )

    def detail(self, portfolio: Portfolio, pricing: PricingBook):
        """The full SpanResult (components, 16-scenario arrays, attribution) of one portfolio."""
        dv01 = position_risk(pricing, self.curve).dv01_usd
        return span_margin(self.book(portfolio, dv01), self.params)


__all__ = ["SpanModel", "bucket_dv01s", "span_ready"]
