"""Drill-down: what each position and each combined portfolio contributes to each model's margin.

Per position (the detail's combined portfolio, :attr:`xmsim.simulate.Simulation.detail_account`):

* VaR model: component VaR, each position's loss in the scenario(s) that set the quantile
  (:mod:`xmsim.engines.var.engine`), plus its share of the floor and add-on, which are
  percentages of each position's gross size: when the floor binds a position contributes its
  own floor instead of its component. The column sums to the VaR margin of the portfolio.
  Incremental VaR (the VaR change when the position is removed) is shown beside it; it does
  not add up to the margin.
* SPAN model: the engine's attribution (:attr:`SpanResult.attribution_usd`, which sums to the
  maintenance margin) times the requirement shown over maintenance (the account type's
  initial multiplier when initial is shown), so the column sums to the SPAN margin.

Per combined portfolio: its combined margin under each model and its requirements; the totals
are their sums (one customer never offsets another).

Frames are numeric, rounded for people only in :func:`round_usd`; :func:`total_row` is the
TOTAL row kept apart so that sorting a table never moves it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xmsim.arrangement.crossmargin import AccountResult, ArrangementResult
from xmsim.arrangement.summary import no_saving_reason, summary, weighted_mean
from xmsim.engines.var.engine import gross_position_usd
from xmsim.simulate import LEG_NAMES, Simulation

POSITION_COLUMNS = (
    "row", "account", "position", "leg", "var_usd", "var_share", "var_incremental_usd",
    "span_usd", "span_share", "span_group",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "account", "pot", "var_combined_usd", "span_combined_usd", "ficc_requirement_usd",
    "cme_requirement_usd", "ineligible_usd", "total_after_usd", "total_after_share",
)  # fmt: skip
LABELS = {
    "row": "Row",
    "account": "Account",
    "pot": "Pot",
    "position": "Position",
    "leg": "Leg",
    "var_usd": "VaR model (USD)",
    "var_share": "Share of VaR",
    "var_incremental_usd": "Incr. VaR (USD)",
    "span_usd": "SPAN model (USD)",
    "span_share": "Share of SPAN",
    "span_group": "SPAN contract(s)",
    "var_combined_usd": "VaR combined (USD)",
    "span_combined_usd": "SPAN combined (USD)",
    "ficc_requirement_usd": "FICC after (USD)",
    "cme_requirement_usd": "CME after (USD)",
    "ineligible_usd": "Ineligible (USD)",
    "total_after_usd": "Total after (USD)",
    "total_after_share": "Share of total",
    "var_savings": "VaR savings",
    "span_savings": "SPAN savings",
    "applied": "Applied",
    "total_before_usd": "Total before (USD)",
    "savings_usd": "Saved (USD)",
    "why": "Why",
    "span_account_type": "CME account type",
}
"""Column headers for people."""


def var_contributions_usd(sim: Simulation) -> np.ndarray:
    """Each detail position's contribution to the VaR margin [USD], shape (n_detail,); sums to
    ``sim.var_detail.margin_usd``."""
    v, rows = sim.var_detail, _rows(sim)
    if v is None:
        return np.zeros(rows.size)
    gross = gross_position_usd(sim.book.take(rows))
    floor = v.settings.floor_pct / 100.0 * gross
    addon = v.settings.addon_pct / 100.0 * gross
    base = floor if floor.sum() > v.var_usd else np.asarray(v.component_var_usd, float)
    return base + addon


def span_contributions_usd(sim: Simulation) -> np.ndarray:
    """Each detail position's contribution to the SPAN requirement shown [USD], shape
    (n_detail,); sums to ``sim.span_detail.margin_usd``."""
    s, rows = sim.span_detail, _rows(sim)
    if s is None:
        return np.zeros(rows.size)
    scale = s.margin_usd / s.maintenance_usd if s.maintenance_usd > 0 else 1.0
    return np.asarray(s.attribution_usd, float) * scale


def position_contributions(sim: Simulation) -> pd.DataFrame:
    """One row per eligible position of the detail's combined portfolio (:data:`POSITION_
    COLUMNS`); ``var_usd`` and ``span_usd`` sum to that portfolio's margin under each model."""
    rows = _rows(sim)
    var, span = var_contributions_usd(sim), span_contributions_usd(sim)
    v, s = sim.var_detail, sim.span_detail
    incr = None if v is None else v.incremental_var_usd
    positions = [sim.portfolio.positions[i] for i in rows]
    return pd.DataFrame(
        {
            "row": [p.row for p in positions],
            "account": [p.account for p in positions],
            "position": [p.description for p in positions],
            "leg": [LEG_NAMES[int(sim.legs[i])] for i in rows],
            "var_usd": var,
            "var_share": _share(var),
            "var_incremental_usd": np.full(rows.size, np.nan) if incr is None else incr,
            "span_usd": span,
            "span_share": _share(span),
            "span_group": list(s.position_group) if s is not None else [""] * rows.size,
        },
        columns=list(POSITION_COLUMNS),
    )


def account_contributions(result: ArrangementResult) -> pd.DataFrame:
    """One row per combined portfolio (:data:`ACCOUNT_COLUMNS`); each column sums to the
    run's total (:attr:`ArrangementResult.totals`)."""
    accounts = result.accounts
    after = np.array([a.total_after for a in accounts], float)
    return pd.DataFrame(
        {
            "account": [a.account for a in accounts],
            "pot": [a.pot for a in accounts],
            "var_combined_usd": [a.var.combined for a in accounts],
            "span_combined_usd": [a.span.combined for a in accounts],
            "ficc_requirement_usd": [a.ficc_requirement for a in accounts],
            "cme_requirement_usd": [a.cme_requirement for a in accounts],
            "ineligible_usd": [a.ineligible_margin for a in accounts],
            "total_after_usd": after,
            "total_after_share": _share(after),
        },
        columns=list(ACCOUNT_COLUMNS),
    )


def account_why(result: ArrangementResult, a: AccountResult) -> str:
    """Why a combined portfolio's applied percentage is what it is: the rule that bound and,
    when a model finds no saving, that model's reason."""
    if a.applied > 0 or a.ficc_standalone <= 0 or a.cme_standalone <= 0:
        if a.ficc_standalone <= 0 or a.cme_standalone <= 0:
            missing = "FICC" if a.ficc_standalone <= 0 else "CME"
            return f"no {missing}-eligible leg: nothing to offset"
        return a.reason
    model = result.ficc_model if a.savings_ficc_model <= 0 else result.cme_model
    return f"{a.reason}: {no_saving_reason(getattr(a, model))}"


def accounts_display(result: ArrangementResult) -> pd.DataFrame:
    """The per-account table for people: one row per combined portfolio with its pot, its CME
    account type, both
    models' savings, the applied percentage, its combined margin under each model, its
    requirements, its share of the total after and why (:data:`ACCOUNT_LABELS` headers; USD
    in whole dollars, percentages as fractions); :func:`accounts_total` is its TOTAL."""
    return round_usd(_accounts(result))


def _accounts(result: ArrangementResult) -> pd.DataFrame:
    frame = account_contributions(result)
    frame.insert(2, "span_account_type", [a.span_account_type for a in result.accounts])
    frame.insert(3, "var_savings", [a.var.savings for a in result.accounts])
    frame.insert(4, "span_savings", [a.span.savings for a in result.accounts])
    frame.insert(5, "applied", [a.applied for a in result.accounts])
    frame.insert(
        frame.columns.get_loc("total_after_usd"),
        "total_before_usd",
        [a.total_before for a in result.accounts],
    )
    frame.insert(
        frame.columns.get_loc("total_after_usd") + 1,
        "savings_usd",
        [a.savings_usd for a in result.accounts],
    )
    frame["why"] = [account_why(result, a) for a in result.accounts]
    return frame


def accounts_total(result: ArrangementResult) -> pd.DataFrame:
    """The TOTAL row of :func:`accounts_display`: sums, each model's savings weighted by its
    savings bases and the effective applied percentage (as :func:`xmsim.arrangement.summary.
    summary`)."""
    accounts = result.accounts
    total = total_row(_accounts(result), "account", f"TOTAL ({len(accounts)} combined portfolios)")
    for model in ("var", "span"):
        views = [getattr(a, model) for a in accounts]
        total[f"{model}_savings"] = weighted_mean(
            [v.savings for v in views], [v.savings_base for v in views]
        )
    total["applied"] = summary(result)["applied"]
    total["why"] = "effective applied %: 1 − Σ after / Σ standalone"
    return round_usd(total)


NOT_ADDITIVE = ("var_incremental_usd", "var_savings", "span_savings", "applied")
"""Columns a TOTAL row leaves blank: they do not add up."""


def total_row(frame: pd.DataFrame, label_column: str, label: str = "TOTAL") -> pd.DataFrame:
    """The one-row TOTAL of a contributions frame: sums of the USD and share columns, blank
    text, and no incremental VaR or percentages (:data:`NOT_ADDITIVE`)."""
    row = {}
    for col in frame.columns:
        if col == label_column:
            row[col] = label
        elif col in NOT_ADDITIVE or not pd.api.types.is_numeric_dtype(frame[col]):
            row[col] = np.nan if pd.api.types.is_numeric_dtype(frame[col]) else ""
        elif col == "row":
            row[col] = np.nan
        else:
            row[col] = float(frame[col].sum())
    return pd.DataFrame([row], columns=frame.columns)


def round_usd(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with USD columns in whole dollars and shares to 0.01% (for display)."""
    out = frame.copy()
    for col in out.columns:
        if col.endswith("_usd"):
            out[col] = out[col].round(0)
        elif col.endswith("_share"):
            out[col] = out[col].round(4)
    return out


def _rows(sim: Simulation) -> np.ndarray:
    if sim.detail_rows is not None:
        return np.asarray(sim.detail_rows, dtype=np.int64)
    return np.zeros(0, dtype=np.int64)


def _share(x: np.ndarray) -> np.ndarray:
    total = float(np.sum(x))
    return np.zeros(len(x)) if total == 0 else np.asarray(x, float) / total
