"""What a history run says: one row per date, summary statistics, backtests, the fallback
simulation and FICC's Portfolio Differential charge.

Headline numbers per date come from :func:`xmsim.arrangement.summary.summary` (the one home of
the effective percentage); the binding rule from :func:`binding_rule`; the fallback from
:func:`account_fallback`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xmsim.arrangement.crossmargin import BINDINGS, account_fallback, binding_rule
from xmsim.arrangement.summary import summary
from xmsim.timeline.backtest import backtest, exception_flags
from xmsim.timeline.engine import HistoryRun

PERCENTILES = (5, 25, 50, 75, 95)
MIXED = "mixed (accounts differ)"
SPAN_EXPECTED_RATE = 0.01
"""Expected one-day exception rate of the SPAN requirement [ASSUMED: scan ranges at a 99%
one-day move, the calibrated parameters' design; the illustrative default table has none]."""


@dataclass(frozen=True, slots=True)
class PortfolioDifferential:
    """FICC's Portfolio Differential charge [SRC SR-FICC-2023-011: an exponentially weighted
    moving average of day-on-day VaR increases]; ``decay`` (weight of the previous average)
    and ``multiplier`` are ASSUMED (FICC's values are not public)."""

    decay: float = 0.94
    multiplier: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.decay < 1.0:
            raise ValueError(f"portfolio differential decay must be in [0, 1), got {self.decay}")
        if self.multiplier < 0:
            raise ValueError("portfolio differential multiplier must be >= 0")

    def charge(self, var_usd: np.ndarray) -> np.ndarray:
        """Charge on each date [USD], shape (n_days,), from the VaR series [USD].

        ``increase_t = max(VaR_t − VaR_{t−1}, 0)`` (0 on the first date);
        ``ewma_t = decay · ewma_{t−1} + (1 − decay) · increase_t`` from ``ewma_0 = 0``.
        """
        v = np.asarray(var_usd, float)
        inc = np.maximum(np.diff(v, prepend=v[:1]), 0.0)
        out = np.empty_like(v)
        level = 0.0
        for t, x in enumerate(inc):  # a recursion: one pass over dates, not positions
            level = self.decay * level + (1.0 - self.decay) * x
            out[t] = level
        return self.multiplier * out


def point_binding(run: HistoryRun, k: int) -> str:
    """What bound on point ``k``: one of :data:`BINDINGS`, or mixed when accounts differ."""
    res = run.points[k].result
    rules = {
        binding_rule(a.savings_ficc_model, a.savings_cme_model, res.settings.cap)
        for a in res.accounts
    }
    return rules.pop() if len(rules) == 1 else MIXED


def history_frame(run: HistoryRun, pd_charge: PortfolioDifferential | None = None) -> pd.DataFrame:
    """One row per date: both models' savings, applied %, each CCP before/after, dollars saved,
    what bound, both models' combined margins, realised P&L and exceptions."""
    rows = []
    for k, pt in enumerate(run.points):
        head = summary(pt.result)
        reasons = {a.reason for a in pt.result.accounts}
        rows.append({
            "date": pt.date.isoformat(),
            **{key: head[key] for key in (
                "savings_ficc_model", "savings_cme_model", "applied", "ficc_standalone",
                "cme_standalone", "ficc_requirement", "cme_requirement", "ineligible_margin",
                "total_before", "total_after", "savings_usd")},
            "binding": point_binding(run, k),
            "reason": reasons.pop() if len(reasons) == 1 else MIXED,
            "var_margin_usd": pt.var_margin_usd, "span_margin_usd": pt.span_margin_usd,
            "var_pnl_usd": pt.var_pnl_usd, "span_pnl_usd": pt.span_pnl_usd,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["var_exception"] = exception_flags(frame.var_margin_usd, frame.var_pnl_usd)
    frame["span_exception"] = exception_flags(frame.span_margin_usd, frame.span_pnl_usd)
    if pd_charge is not None:
        charge = pd_charge.charge(frame.ficc_requirement.to_numpy())
        frame["portfolio_differential_usd"] = charge
        frame["ficc_requirement_with_pd"] = frame.ficc_requirement + charge
        frame["total_after_with_pd"] = frame.total_after + charge
    return frame


def _describe(x: pd.Series) -> dict[str, float]:
    v = x.to_numpy(float)
    out = {"mean": float(v.mean()), "min": float(v.min()), "max": float(v.max())}
    out.update({f"p{q}": float(np.percentile(v, q)) for q in PERCENTILES})
    return out


def history_summary(run: HistoryRun, frame: pd.DataFrame) -> dict:
    """Mean, min, max and percentiles of the applied percentage and of dollars saved; the
    share of dates each rule bound; dates at the cap; dates with no saving."""
    n = len(frame)
    share = {b: float((frame.binding == b).mean()) for b in (*BINDINGS, MIXED)}
    cap = run.points[0].result.settings.cap
    return {
        "n_dates": n, "from": frame.date.iloc[0], "to": frame.date.iloc[-1], "every": run.every,
        "applied": _describe(frame.applied), "savings_usd": _describe(frame.savings_usd),
        "binding_share": {k: v for k, v in share.items() if v or k != MIXED},
        "dates_at_cap": int(np.isclose(frame.applied, cap, rtol=0, atol=1e-12).sum()),
        "dates_no_saving": int((frame.savings_usd <= 0).sum()),
    }  # fmt: skip


def history_backtest(run: HistoryRun, frame: pd.DataFrame) -> dict:
    """VaR model against realised horizon P&L, SPAN against realised one-day P&L."""
    var = run.points[0].result.model_settings.get("var_confidence", 0.99)
    note = (
        "realised P&L = the date's eligible book valued on the curve of the later date (no "
        "carry); customer arrangement: margins and P&L summed over accounts"
    )
    return {
        "var": {"horizon_days": run.horizon_days,
                **backtest(frame.var_margin_usd, frame.var_pnl_usd, 1.0 - var)},
        "span": {"horizon_days": 1,
                 **backtest(frame.span_margin_usd, frame.span_pnl_usd, SPAN_EXPECTED_RATE)},
        "span_expected_rate_status": "ASSUMED",
        "note": note,
    }  # fmt: skip


def fallback_simulation(run: HistoryRun, disrupted: set[dt.date]) -> list[dict]:
    """FAQ Q21 on the disrupted dates: the last computed date's applied percentage and combined
    risk (under the model standing for FICC), applied only if today's combined risk is not
    higher; what the customer would have been charged against the computed requirement."""
    out = []
    prior = None
    for pt in run.points:
        if pt.date not in disrupted:
            prior = pt
            continue
        for a in pt.result.accounts:
            before = None if prior is None else _account(prior.result, a.account)
            if before is None:
                out.append({"date": pt.date.isoformat(), "account": a.account,
                            "prior_date": None, "reason": "no computed prior date: no reduction",
                            "applied": 0.0, "charged_usd": a.total_before,
                            "computed_usd": a.total_after,
                            "difference_usd": a.total_before - a.total_after})  # fmt: skip
                continue
            model = pt.result.ficc_model
            fb = account_fallback(a, model, before.applied, getattr(before, model).combined)
            charged = fb.requirement_usd + a.ineligible_margin
            out.append({"date": pt.date.isoformat(), "account": a.account,
                        "prior_date": prior.date.isoformat(), "prior_applied": before.applied,
                        "applied": fb.applied, "reason": fb.reason, "charged_usd": charged,
                        "computed_usd": a.total_after,
                        "difference_usd": charged - a.total_after})  # fmt: skip
    return out


def _account(result, name: str):
    return next((a for a in result.accounts if a.account == name), None)
