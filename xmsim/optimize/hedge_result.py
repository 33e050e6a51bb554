"""The optimiser's answer: the best futures hedge of a portfolio, its comparison with the
single-contract DV01-neutral hedge, and the JSON and tables that show it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from xmsim.arrangement.crossmargin import (
    AccountResult,
    ArrangementResult,
)
from xmsim.optimize._search import (
    _total,
)
from xmsim.portfolio import Portfolio, Position


def _account_result(result: ArrangementResult, account: str) -> AccountResult:
    if len(result.accounts) == 1:
        return result.accounts[0]
    return next(a for a in result.accounts if a.account == account)


@dataclass(frozen=True, slots=True)
class HedgeResult:
    """The best futures hedge of a portfolio and its comparison with the naive one.

    Amounts in USD; ``quantities`` in contracts to add (negative = sell), one per column
    (``contracts``, ``expiries``); ``trades`` the non-zero ones as positions ready to append.
    ``before`` / ``after`` / ``naive`` are ``Simulator.arrangement`` of the portfolio as is,
    with ``trades``, and with ``naive_trade`` (single-contract DV01-neutral hedge).
    Residual DV01s are of the eligible legs [USD per bp].
    """

    account: str
    contracts: tuple[str, ...]
    expiries: tuple[dt.date, ...]
    quantities: tuple[float, ...]
    trades: tuple[Position, ...]
    before: ArrangementResult
    after: ArrangementResult
    naive_trade: Position
    naive: ArrangementResult
    dv01_before_usd: float
    dv01_after_usd: float
    dv01_naive_usd: float
    n_evaluations: int
    n_rounds: int
    notes: tuple[str, ...] = ()
    naive_outside: str = ""
    """Why the DV01-neutral hedge was not a candidate ("" when it was)."""

    @property
    def margin_before_usd(self) -> float:
        return _total(self.before)

    @property
    def margin_after_usd(self) -> float:
        return _total(self.after)

    @property
    def naive_margin_usd(self) -> float:
        return _total(self.naive)

    @property
    def saving_usd(self) -> float:
        return self.margin_before_usd - self.margin_after_usd

    @property
    def saving_vs_naive_usd(self) -> float:
        return self.naive_margin_usd - self.margin_after_usd

    @property
    def total_contracts(self) -> float:
        return float(sum(abs(q) for q in self.quantities))

    @property
    def naive_admissible(self) -> bool:
        """True when the DV01-neutral hedge was one of the candidates (so never beaten)."""
        return not self.naive_outside

    def searched(self) -> str:
        """The contract months searched, by contract: ``ZN Sep-26, Dec-26, Mar-27; ZF ...``."""
        by_code: dict[str, list[str]] = {}
        for code, month in zip(self.contracts, self.expiries, strict=True):
            by_code.setdefault(code, []).append(f"{month:%b-%y}")
        return "; ".join(f"{code} {', '.join(m)}" for code, m in by_code.items())

    def versus_naive(self) -> tuple[str, float]:
        """(``lower`` / ``higher`` / ``equal``, |difference|) of the optimal total against the
        DV01-neutral hedge's [USD]; ``higher`` only when that hedge was outside the search."""
        diff = round(self.saving_vs_naive_usd)
        word = "lower" if diff > 0 else "higher" if diff < 0 else "equal"
        return word, float(abs(diff))

    def apply(self, portfolio: Portfolio) -> Portfolio:
        """``portfolio`` with the hedge trades appended (the app's "apply this hedge")."""
        return portfolio + Portfolio(self.trades)

    def _row(self, name: str, hedge: str, n: float, res: ArrangementResult, dv01: float) -> dict:
        a = _account_result(res, self.account)
        t = res.totals
        return {
            "case": name,
            "hedge": hedge,
            "contracts": n,
            "ficc_requirement_usd": t["ficc_requirement"],
            "cme_requirement_usd": t["cme_requirement"],
            "ineligible_margin_usd": res.ineligible_margin,
            "total_requirement_usd": t["total_after"],
            "total_without_arrangement_usd": t["total_before"],
            "savings_ficc_model": a.savings_ficc_model,
            "savings_cme_model": a.savings_cme_model,
            "applied": a.applied,
            "saving_vs_as_is_usd": self.margin_before_usd - t["total_after"],
            "residual_dv01_usd": dv01,
        }

    def _describe(self) -> str:
        return (
            ", ".join(f"{q:+g} {t.description}" for t, q in ((t, t.quantity) for t in self.trades))
            or "no trade"
        )

    def to_frame(self) -> pd.DataFrame:
        """Three rows — as is, naive DV01-neutral, optimal — with both models' savings, the
        applied percentage and the requirements [USD]."""
        nq = self.naive_trade.quantity
        return pd.DataFrame(
            [
                self._row("as is", "no trade", 0.0, self.before, self.dv01_before_usd),
                self._row(
                    "DV01-neutral",
                    f"{nq:+g} {self.naive_trade.description}",
                    abs(nq),
                    self.naive,
                    self.dv01_naive_usd,
                ),
                self._row(
                    "optimal",
                    self._describe(),
                    self.total_contracts,
                    self.after,
                    self.dv01_after_usd,
                ),
            ]
        )

    def trades_frame(self) -> pd.DataFrame:
        """One row per contract month traded (non-zero only): contract, expiry, contracts to
        add (negative = sell)."""
        rows = [
            (c, f"{e:%Y-%m}", q)
            for c, e, q in zip(self.contracts, self.expiries, self.quantities, strict=True)
            if q
        ]
        return pd.DataFrame(rows, columns=["contract", "expiry", "contracts_to_add"])

    def to_dict(self) -> dict:
        """JSON-ready summary (amounts in USD, fractions in [0, 1])."""
        rows = self.to_frame().to_dict(orient="records")
        return {
            "account": self.account,
            "trades": self.trades_frame().to_dict(orient="records"),
            "margin_before_usd": self.margin_before_usd,
            "margin_after_usd": self.margin_after_usd,
            "saving_usd": self.saving_usd,
            "naive": {
                "contract": self.naive_trade.contract,
                "expiry": f"{self.naive_trade.expiry:%Y-%m}",
                "contracts_to_add": self.naive_trade.quantity,
                "margin_usd": self.naive_margin_usd,
            },
            "saving_vs_naive_usd": self.saving_vs_naive_usd,
            "comparison": rows,
            "n_evaluations": self.n_evaluations,
            "n_rounds": self.n_rounds,
            "notes": list(self.notes),
        }
