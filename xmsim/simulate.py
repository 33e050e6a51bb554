"""One call from a portfolio and a market to both CCPs' numbers: the library's front door.

``Simulator(market, config)`` binds the engines once (scenario curves, SPAN parameters, bucket
DV01s) so that what-ifs on the same market reuse them; ``simulate()`` is the one-shot form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xmsim import contracts, dates
from xmsim.arrangement.crossmargin import (
    LEG_CME,
    LEG_FICC,
    LEG_INELIGIBLE_CME,
    LEG_INELIGIBLE_FICC,
    ArrangementResult,
    assign_legs,
    run_arrangement,
)
from xmsim.arrangement.legacy import (
    BENCHMARK_YEARS,
    FUTURE_CLASS,
    LegacyResult,
    LegacySettings,
    legacy_offsets,
    residuals_by_class,
)
from xmsim.arrangement.models import SpanModel, VarModel
from xmsim.arrangement.pots import CUSTOMER_POT, form_pots
from xmsim.config import RunConfig, resolve_span_params
from xmsim.engines.span.margin import SpanResult
from xmsim.engines.span.params_io import SpanParams, default_span_params
from xmsim.engines.var.engine import VarEngine, VarResult
from xmsim.market import TENORS, Market
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.pricing.curve import par_yields_at
from xmsim.pricing.risk import PricingBook, RiskReport, build_book, position_risk

LEG_NAMES = {LEG_FICC: "FICC (eligible)", LEG_CME: "CME (eligible)",
             LEG_INELIGIBLE_FICC: "FICC (ineligible)", LEG_INELIGIBLE_CME: "CME (ineligible)",
             -1: "not modelled"}  # fmt: skip
__all__ = ["POOLED", "RunConfig", "Simulation", "Simulator", "resolve_span_params", "simulate"]
DETAIL_ATTRIBUTION_LIMIT = 5000
"""Above this many positions the VaR detail skips incremental VaR (one quantile each)."""
POOLED = None
"""``Simulation.detail_account`` of the pooled view: every eligible position of the file in one
portfolio (what the house reading margins; under a customer reading no CCP margins it)."""


@dataclass(frozen=True)
class Simulation:
    """Both CCPs' view of one portfolio; everything the CLI and the app display."""

    portfolio: Portfolio
    market: Market
    config: RunConfig
    span_params: SpanParams
    book: PricingBook
    risk: RiskReport
    legs: np.ndarray
    eligibility: tuple[str, ...]
    result: ArrangementResult
    var_detail: VarResult | None
    span_detail: SpanResult | None
    detail_account: str | None = POOLED
    """The combined portfolio of ``var_detail`` / ``span_detail`` / :meth:`dv01_ladder`
    (a name of ``result.accounts``), or :data:`POOLED` (every eligible position together)."""
    detail_rows: np.ndarray | None = None
    """Positions (indices into ``portfolio``) in ``var_detail`` / ``span_detail``, in order."""

    @property
    def asof(self) -> dt.date:
        return self.market.asof

    @property
    def detail_result(self):
        """The :class:`AccountResult` the detail is for (None for the pooled view of several)."""
        if self.detail_account is POOLED:
            return self.result.accounts[0] if len(self.result.accounts) == 1 else None
        return next(a for a in self.result.accounts if a.account == self.detail_account)

    @property
    def detail_label(self) -> str:
        """What the detail (charts, components, contributions) is for, in words."""
        a = self.detail_result
        if a is not None:
            return f"combined portfolio {a.account} ({a.pot} pot)"
        n = len(self.result.accounts)
        return (
            f"all accounts pooled: every eligible position of the file in one portfolio, "
            f"which no CCP margins under this reading ({n} combined portfolios are margined "
            "apart)"
        )

    def in_detail(self) -> np.ndarray:
        """Boolean mask (n_positions,): the positions of the detail's combined portfolio
        (eligible or not); all of them for the pooled view."""
        if self.detail_account is POOLED:
            return np.ones(len(self.portfolio), dtype=bool)
        pots = form_pots(self.portfolio, self.result.settings.arrangement)
        return pots.index == pots.names.index(self.detail_account)

    def positions_frame(self) -> pd.DataFrame:
        """One row per position: :meth:`RiskReport.to_frame` plus leg and eligibility."""
        frame = self.risk.to_frame(self.portfolio)
        at = frame.columns.get_loc("conversion_factor") + 1
        frame.insert(at, "leg", [LEG_NAMES[int(g)] for g in self.legs])
        frame.insert(at + 1, "eligibility", list(self.eligibility))
        return frame

    def legacy(self, settings: LegacySettings | None = None) -> LegacyResult:
        """The 2000-era residual-offset calculation on this portfolio's eligible legs."""
        settle_years = np.array(BENCHMARK_YEARS)
        cpn = par_yields_at(self.market.curve.yields, settle_years)
        bench = Portfolio(
            tuple(
                Position(
                    UST,
                    1.0,
                    coupon_pct=float(c * 100),
                    maturity=dates.add_months(self.asof, int(y * 12)),
                )
                for c, y in zip(cpn, settle_years, strict=True)
            )
        )
        per_usd = position_risk(build_book(bench, self.market.curve), self.market.curve).dv01_usd
        years = self.book.terms.years_to_maturity if self.book.n_positions else np.zeros(0)
        fut_class = np.array(
            [FUTURE_CLASS.get(p.contract, -1) if p.is_future else -1 for p in self.portfolio],
            dtype=np.int64,
        )
        amounts = {}
        for leg in (LEG_FICC, LEG_CME):
            m = self.legs == leg
            amounts[leg] = residuals_by_class(
                np.nan_to_num(years[m], nan=1.0), self.risk.dv01_usd[m], per_usd, fut_class[m]
            )
        return legacy_offsets(amounts[LEG_FICC], amounts[LEG_CME], settings)

    def dv01_ladder(self) -> pd.DataFrame:
        """Key-rate DV01 by tenor of the FICC and CME legs of the detail's combined portfolio
        (:attr:`detail_account`) [USD per bp]."""
        k, mine = self.risk.krd_usd, self.in_detail()
        return pd.DataFrame(
            {
                "tenor": TENORS,
                "ficc_leg_usd": k[mine & (self.legs == LEG_FICC)].sum(axis=0),
                "cme_leg_usd": k[mine & (self.legs == LEG_CME)].sum(axis=0),
            }
        ).assign(net_usd=lambda d: d.ficc_leg_usd + d.cme_leg_usd)


class Simulator:
    """Engines bound to one market and one configuration (reused across what-ifs)."""

    def __init__(self, market: Market, config: RunConfig | None = None) -> None:
        self.market = market
        self.config = config or RunConfig()
        self.span_params = self.config.span_params or default_span_params()
        self.var_engine = VarEngine(market, self.config.var)
        self.var_model = VarModel(self.var_engine)
        self.span_model = SpanModel(self.span_params, market.curve)
        self._ctd = {(c, e): o for c, e, o in self.config.ctd_overrides}

    def book(self, portfolio: Portfolio) -> PricingBook:
        return build_book(portfolio, self.market.curve, self._ctd)

    def arrangement(
        self, portfolio: Portfolio, book: PricingBook | None = None
    ) -> ArrangementResult:
        """The arrangement only (no per-position detail): the fast path for what-ifs."""
        book = book if book is not None else self.book(portfolio)
        return run_arrangement(
            portfolio, self.market.asof, self.var_model, self.span_model,
            self.config.arrangement, self.config.ficc_model, self.config.cme_model,
            history=self.var_engine.scenarios.description,
            model_settings=self.config.settings_dict(self.span_params), book=book,
        )  # fmt: skip

    def run(self, portfolio: Portfolio, details: bool = True) -> Simulation:
        """The arrangement plus per-position risk and both engines' detail: of the one
        combined portfolio when there is one, else of every eligible position pooled
        (:data:`POOLED`; :meth:`detail` gives any one combined portfolio's)."""
        book = self.book(portfolio)
        result = self.arrangement(portfolio, book)
        legs, _ = assign_legs(portfolio, self.market.asof, book.terms)
        from xmsim.arrangement.eligibility import classify_portfolio

        elig = tuple(
            e.reason or f"eligible at {e.ccp}"
            for e in classify_portfolio(portfolio, self.market.asof)
        )
        risk = position_risk(book, self.market.curve)
        sim = Simulation(portfolio, self.market, self.config, self.span_params, book, risk,
                         legs, elig, result, None, None)  # fmt: skip
        if not details:
            return sim
        one = result.accounts[0].account if len(result.accounts) == 1 else POOLED
        return self.detail(sim, one)

    def detail(self, sim: Simulation, account: str | None = POOLED) -> Simulation:
        """``sim`` with both engines' detail (P&L vector, components, attribution) of one
        combined portfolio: ``account`` names one of ``sim.result.accounts``; :data:`POOLED`
        takes every eligible position of the file together. Its margins equal that
        account's ``var.combined`` and ``span.combined``."""
        if account is not POOLED and account not in {a.account for a in sim.result.accounts}:
            names = ", ".join(a.account for a in sim.result.accounts)
            raise ValueError(f"no combined portfolio {account!r}; there are: {names}")
        sim = dataclasses.replace(sim, detail_account=account)
        legs = sim.legs
        idx = np.flatnonzero(sim.in_detail() & ((legs == LEG_FICC) | (legs == LEG_CME)))
        combined = Portfolio(tuple(sim.portfolio.positions[i] for i in idx))
        cbook = sim.book.take(idx)  # the eligible legs, already priced
        var_detail = self.var_engine.run(cbook, attribution=len(idx) <= DETAIL_ATTRIBUTION_LIMIT)
        a = sim.detail_result
        pots = [a.pot] if a is not None else [x.pot for x in sim.result.accounts]
        customer = bool(pots) and all(p == CUSTOMER_POT for p in pots)  # its initial margin
        span_detail = self.span_model.detail(combined, cbook, customer)
        return dataclasses.replace(
            sim, var_detail=var_detail, span_detail=span_detail, detail_rows=idx
        )


def simulate(
    portfolio: Portfolio, market: Market, config: RunConfig | None = None, details: bool = True
) -> Simulation:
    """One-shot :class:`Simulator` run."""
    return Simulator(market, config).run(portfolio, details=details)


def dv01_neutral_hedge(
    sim: Simulation, contract: str = "ZN", expiry: dt.date | None = None
) -> Position:
    """The futures trade that flattens the eligible book's DV01 with one contract.

    Contracts = −(DV01 of the FICC and CME eligible legs) / DV01 of one contract, rounded to a
    whole number; the returned position is the trade to add (may be 0 contracts). Without an
    ``expiry`` the month already held in that contract is used, else the front month.
    """
    code = contracts.get_contract(contract).code
    if expiry is None:  # the month already held in that contract (most contracts), else front
        held: dict[dt.date, float] = {}
        for p in sim.portfolio:
            if p.is_future and p.contract == code:
                held[p.expiry] = held.get(p.expiry, 0.0) + abs(p.quantity)
        expiry = max(held, key=held.get) if held else contracts.front_month(code, sim.asof)
    trade = Position(FUTURE, 1.0, contract=code, expiry=expiry, label="DV01-neutral hedge")
    one = position_risk(build_book(Portfolio((trade,)), sim.market.curve), sim.market.curve)
    eligible = (sim.legs == LEG_FICC) | (sim.legs == LEG_CME)
    net = float(sim.risk.dv01_usd[eligible].sum())
    return dataclasses.replace(trade, quantity=float(-round(net / one.dv01_usd[0])))
