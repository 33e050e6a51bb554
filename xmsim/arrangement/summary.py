"""The headline numbers of an arrangement result: the one home of the effective percentage.

:func:`summary` is what the CLI, the exports, the what-if tools and the app show; none of them
derives a total or a percentage of its own.
"""

from __future__ import annotations

import numpy as np

from xmsim.arrangement.crossmargin import ArrangementResult, ModelView

SUMMARY_LABELS: dict[str, str] = {
    "ficc_standalone": "FICC standalone",
    "cme_standalone": "CME standalone",
    "savings_ficc_model": "Savings, FICC's model",
    "savings_cme_model": "Savings, CME's model",
    "applied": "Applied (lower) %",
    "ficc_requirement": "FICC after cross-margining",
    "cme_requirement": "CME after cross-margining",
    "ineligible_margin": "Ineligible (standalone)",
    "total_before": "Total before",
    "total_after": "Total after",
    "savings_usd": "Dollars saved",
}
"""Stable labels of the headline numbers (the app's metrics and the browser test use them)."""


def summary(result: ArrangementResult) -> dict[str, float]:
    """Headline numbers of a result; keys are :data:`SUMMARY_LABELS` plus ``n_accounts``
    (combined portfolios) and ``n_house_accounts`` / ``n_customer_accounts`` (the reading).

    One account: the account's own savings and applied percentage. Several accounts
    (customer arrangement): savings weighted by each view's savings base (the denominator the
    savings basis used: standalone or the CCP's own leg), i.e. 1 − Σ combined / Σ base, and the
    *effective* applied reduction 1 − (FICC + CME after) / (FICC + CME standalone).
    """
    t = result.totals
    accounts = result.accounts
    out = {
        k: t[k]
        for k in (
            "ficc_standalone",
            "cme_standalone",
            "ficc_requirement",
            "cme_requirement",
            "total_before",
            "total_after",
            "savings_usd",
        )
    }
    out["ineligible_margin"] = result.ineligible_margin
    if len(accounts) == 1:
        a = accounts[0]
        s_f, s_c, applied = a.savings_ficc_model, a.savings_cme_model, a.applied
    else:
        s_f = weighted_mean(
            [a.savings_ficc_model for a in accounts],
            [getattr(a, result.ficc_model).savings_base for a in accounts],
        )
        s_c = weighted_mean(
            [a.savings_cme_model for a in accounts],
            [getattr(a, result.cme_model).savings_base for a in accounts],
        )
        base = t["ficc_standalone"] + t["cme_standalone"]
        after = t["ficc_requirement"] + t["cme_requirement"]
        applied = 0.0 if base <= 0 else 1.0 - after / base
    out.update(savings_ficc_model=s_f, savings_cme_model=s_c, applied=applied)
    out["n_accounts"] = float(len(accounts))
    out["n_house_accounts"] = float(result.reading.get("house_accounts", 0))
    out["n_customer_accounts"] = float(result.reading.get("customer_accounts", 0))
    return out


def no_saving_reason(view: ModelView) -> str:
    """Why a model finds no saving, from its own numbers (say it only when savings <= 0).

    Returns "combined risk is higher" when the combined margin exceeds the standalone base (the
    positions add risk), else "combined equals standalone" (the model gives no credit between
    those positions: e.g. SPAN with no spread or credit linking them). Equal means within half
    a cent or 1e-9 of the standalone [USD].
    """
    tol = max(0.005, 1e-9 * abs(view.standalone))
    if view.combined > view.standalone + tol:
        return (
            f"combined risk is higher ({view.combined:,.0f} > {view.standalone:,.0f} standalone): "
            "the positions add risk rather than offset it"
        )
    if view.combined < view.standalone - tol:  # savings basis own_leg
        return (
            f"combined ({view.combined:,.0f}) is below the sum of the legs but not below the "
            "CCP's own leg (savings basis own_leg)"
        )
    return (
        f"combined equals standalone ({view.combined:,.0f}): the model gives no credit "
        "between these positions"
    )


def weighted_mean(values: list[float], weights: list[float]) -> float:
    w = np.asarray(weights, float)
    return 0.0 if w.sum() <= 0 else float(np.dot(values, w) / w.sum())
