"""Display tables, headline numbers, formatting and explanations from results.

Plotly-free (figures live in :mod:`xmsim.report.figures`, which re-exports these names). Tables
come in
two flavours: numeric (exports, sorting) and formatted text (``display_*``, for the page).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from xmsim.arrangement.crossmargin import ArrangementResult
from xmsim.arrangement.pots import reading_text
from xmsim.arrangement.summary import SUMMARY_LABELS, no_saving_reason, summary, weighted_mean

MODEL_NAMES = {"var": "VaR", "span": "SPAN"}

PCT_KEYS = ("savings_ficc_model", "savings_cme_model", "applied")


# ------------------------------------------------------------------------------ formatting


def fmt_usd(value: float) -> str:
    """``$1,234,567`` (whole dollars; ``-$5`` for negatives)."""
    return f"-${-value:,.0f}" if round(value) < 0 else f"${value:,.0f}"


def fmt_pct(value: float) -> str:
    """``43.26%`` from a fraction."""
    return f"{value:.2%}"


def fmt_value(key: str, value: float) -> str:
    """Format a :data:`SUMMARY_LABELS` value: percent for fractions, dollars otherwise."""
    return fmt_pct(value) if key in PCT_KEYS else fmt_usd(value)


def parse_display_number(text: str) -> float:
    """Inverse of :func:`fmt_usd` / :func:`fmt_pct` (fractions for ``%``)."""
    t = text.strip().replace(",", "").replace("$", "").replace("−", "-")
    if t.endswith("%"):
        return float(t[:-1]) / 100.0
    return float(t)


# ------------------------------------------------------------------------------ numbers


HEADLINE_KEYS = (
    "ficc_standalone",
    "cme_standalone",
    "savings_ficc_model",
    "savings_cme_model",
    "applied",
    "ficc_requirement",
    "cme_requirement",
    "savings_usd",
)


def headline_labels(result: ArrangementResult) -> dict[str, str]:
    """The metric labels for a result (model names filled in, ``effective`` when aggregated)."""
    labels = dict(SUMMARY_LABELS)
    labels["savings_ficc_model"] = f"Savings, {MODEL_NAMES[result.ficc_model]} model (FICC)"
    labels["savings_cme_model"] = f"Savings, {MODEL_NAMES[result.cme_model]} model (CME)"
    if len(result.accounts) > 1:
        labels["applied"] = "Applied % (effective, all accounts)"
    return labels


def headline(result: ArrangementResult) -> list[tuple[str, str, str]]:
    """(key, label, formatted value) for the headline cards, in display order."""
    s, labels = summary(result), headline_labels(result)
    return [(k, labels[k], fmt_value(k, s[k])) for k in HEADLINE_KEYS]


def _pct_word(x: float) -> str:
    return f"{x:.1%}"


def explain(result: ArrangementResult) -> str:
    """The reading used (which combined portfolios, how many accounts in each) and one
    plain-English sentence on why the applied percentage is what it is."""
    return reading_text(result.reading).capitalize() + ". " + _why(result)


def _why(result: ArrangementResult) -> str:
    s = summary(result)
    money = (
        f" Total margin {fmt_usd(s['total_before'])} → {fmt_usd(s['total_after'])}, "
        f"{fmt_usd(s['savings_usd'])} saved."
    )
    if len(result.accounts) > 1:
        n = len(result.accounts)
        cut = sum(a.applied > 0 for a in result.accounts)
        return (
            f"Each of the {n} combined portfolios is margined on its own and one customer never "
            f"offsets another; {cut} of {n} get a reduction, the others keep their standalone "
            f"margin (effective reduction {_pct_word(s['applied'])})." + money
        )
    a = result.accounts[0]
    f_name = f"FICC's {MODEL_NAMES[result.ficc_model]}"
    c_name = f"CME's {MODEL_NAMES[result.cme_model]}"
    if a.ficc_standalone <= 0 and a.cme_standalone <= 0:
        return "No eligible positions: nothing enters the arrangement." + money
    if a.ficc_standalone <= 0 or a.cme_standalone <= 0:
        missing = "FICC" if a.ficc_standalone <= 0 else "CME"
        return (
            f"There is no {missing}-eligible leg, so nothing offsets across the two CCPs: no "
            "reduction, each CCP charges its standalone margin." + money
        )
    s_f, s_c, cap = a.savings_ficc_model, a.savings_cme_model, result.settings.cap
    if a.applied <= 0:
        who, val, model = (
            (f_name, s_f, result.ficc_model) if s_f <= 0 else (c_name, s_c, result.cme_model)
        )
        return (
            f"{who} model finds no saving ({_pct_word(val)}): "
            f"{no_saving_reason(getattr(a, model))}, so under do-no-harm both CCPs keep the "
            "standalone requirement." + money
        )
    (low_name, low), (high_name, high) = sorted(((f_name, s_f), (c_name, s_c)), key=lambda x: x[1])
    text = (
        f"Both models see the futures offset the cash Treasuries; {low_name} saving "
        f"({_pct_word(low)}) is lower than {high_name} ({_pct_word(high)})"
    )
    if a.applied >= cap and low >= cap:
        text += f", and both are capped at {cap:.0%}, so each CCP cuts its margin by {cap:.0%}."
    else:
        text += f", so each CCP cuts its margin by the lower, {_pct_word(a.applied)}."
    return text + money


# ------------------------------------------------------------------------------ tables


def views_frame(result: ArrangementResult) -> pd.DataFrame:
    """FICC's view vs CME's view, numeric: legs, standalone, combined, the savings base [USD]
    and the savings [1] the chosen savings basis used (1 − combined / base)."""
    cols = {}
    for ccp, model in (("FICC", result.ficc_model), ("CME", result.cme_model)):
        views = [getattr(a, model) for a in result.accounts]
        f = sum(v.ficc_leg for v in views)
        c = sum(v.cme_leg for v in views)
        comb = sum(v.combined for v in views)
        base = sum(v.savings_base for v in views)
        stand = f + c
        cols[f"{ccp}'s view ({MODEL_NAMES[model]})"] = [
            f, c, stand, comb, stand - comb, base, 0.0 if base <= 0 else 1.0 - comb / base,
        ]  # fmt: skip
    index = [
        "FICC leg alone",
        "CME leg alone",
        "Standalone (sum of legs)",
        "Combined portfolio",
        "Offset credit",
        f"Savings base ({result.settings.savings_basis})",
        "Savings %",
    ]
    return pd.DataFrame(cols, index=pd.Index(index, name=""))


def display_views(result: ArrangementResult) -> pd.DataFrame:
    """:func:`views_frame` formatted as text for the page."""
    frame = views_frame(result)
    out = frame.map(fmt_usd)
    out.loc["Savings %"] = frame.loc["Savings %"].map(fmt_pct)
    return out


def accounts_frame(result: ArrangementResult, totals: bool = True) -> pd.DataFrame:
    """Per-account numbers (``ArrangementResult.to_frame``) with an ``ALL ACCOUNTS`` total row."""
    frame = result.to_frame()
    if totals and len(frame) > 1:
        total = frame.select_dtypes("number").sum()
        # savings of the total row: weighted by each view's savings base, like summary()
        total["var_savings"] = weighted_mean(frame.var_savings, frame.var_savings_base)
        total["span_savings"] = weighted_mean(frame.span_savings, frame.span_savings_base)
        total["applied"] = summary(result)["applied"]
        row = pd.DataFrame([{**total.to_dict(), "account": "ALL ACCOUNTS", "reason": "total"}])
        frame = pd.concat([frame, row], ignore_index=True)
    return frame


def ineligible_frame(result: ArrangementResult) -> pd.DataFrame:
    """Every ineligible row with its account, home CCP and reason."""
    rows = [
        {
            "account": a.account,
            "row": r.row,
            "position": r.description,
            "home CCP": r.home_ccp,
            "reason": r.reason,
        }
        for a in result.accounts
        for r in a.ineligible
    ]
    return pd.DataFrame(rows, columns=["account", "row", "position", "home CCP", "reason"])


def compare_display(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`xmsim.whatif.compare` formatted as text (percent points for fractions)."""
    out = []
    for rec in frame.to_dict("records"):
        pct = rec["key"] in PCT_KEYS
        change = (
            f"{rec['change'] * 100:+.2f} pp"
            if pct
            else ("+" if rec["change"] >= 0.5 else "") + fmt_usd(rec["change"])
        )
        out.append(
            {
                "": rec["metric"],
                "base": fmt_value(rec["key"], rec["base"]),
                "what-if": fmt_value(rec["key"], rec["what_if"]),
                "change": change,
            }
        )
    return pd.DataFrame(out).set_index("")


def assumptions_frame(
    model_settings: Mapping,
    history: str,
    curve: str,
    synthetic: bool,
    arrangement: str,
    cap: float,
    savings_basis: str,
) -> pd.DataFrame:
    """Every setting with its value and status (SRC public fact, ASSUMED default, USER change)."""
    ms = model_settings
    src_or_user = lambda same: "SRC" if same else "USER"  # noqa: E731
    span_label = str(ms.get("span_params", ""))
    span_status = (
        "ASSUMED"
        if "illustrative" in span_label.lower()
        else "CALIBRATED"
        if span_label.startswith("calibrated")
        else "USER"
    )
    rows = [
        (
            "Arrangement",
            arrangement,
            "SRC",
            "FAQ Q6: house = one combined portfolio; customer = each account its own",
        ),
        ("Cap on the applied percentage", f"{cap:.0%}", src_or_user(cap == 0.8), "FAQ Q6"),
        ("Lower of the two, do no harm", "on", "SRC", "FAQ Q6"),
        ("Savings basis", savings_basis, "ASSUMED", "METHODOLOGY §1: the FAQ is ambiguous"),
        (
            "VaR confidence",
            f"{ms.get('var_confidence', 0.99):.1%}",
            src_or_user(ms.get("var_confidence") == 0.99),
            "DTCC FICC market-risk page",
        ),
        (
            "VaR horizon",
            f"{ms.get('var_horizon_days')} business days",
            src_or_user(ms.get("var_horizon_days") == 3),
            "DTCC FICC market-risk page",
        ),
        ("VaR look-back", f"{ms.get('var_lookback_years')} years", "ASSUMED", "METHODOLOGY §5"),
        (
            "VaR stressed window",
            "on" if ms.get("var_stress") else "off",
            "ASSUMED",
            "most volatile 250 days of the history",
        ),
        ("VaR revaluation", str(ms.get("var_mode")), "ASSUMED", "full revaluation by default"),
        (
            "VaR SOFR / fed funds–Treasury basis",
            f"volatility scale {ms.get('var_basis_vol_scale', 1.0):g}",
            "ASSUMED",
            "METHODOLOGY §5: overnight rate − Treasury 1M; synthetic unless SOFR/EFFR loaded",
        ),
        (
            "VaR floor / add-on",
            f"{ms.get('var_floor_pct', 0)}% / {ms.get('var_addon_pct', 0)}%",
            "ASSUMED",
            "% of gross position size (face; futures: contract notional); placeholders, off",
        ),
        (
            "SPAN parameters",
            span_label,
            span_status,
            "illustrative, not official CME levels" if span_status == "ASSUMED" else span_label,
        ),
        (
            "SPAN requirement shown",
            f"{ms.get('span_shown')}; {account_type_text(ms)}",
            "SRC",
            "CME Clearing Advisories 08-380, 23-376",
        ),
        (
            "Yield history",
            history,
            "ASSUMED" if synthetic else "USER",
            "synthetic, calibrated to 1990–2024 — not observed data" if synthetic else "loaded",
        ),
        ("Valuation curve", curve, "SRC", "see label"),
        ("Futures CTD", "proxy: shortest deliverable at par yield", "ASSUMED", "METHODOLOGY §4"),
        ("Cash Treasuries in SPAN", "DV01-equivalent futures buckets", "ASSUMED", "METHODOLOGY §6"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "status", "source / note"])


def account_type_text(ms: dict) -> str:
    """The CME account types of a run's ``model_settings``, e.g. ``account type auto: member
    for house portfolios, non-HRP for customer accounts (initial = 1 × / 1 × maintenance)``."""
    kind, mult = ms.get("span_account_type"), ms.get("span_initial_multipliers") or {}
    if kind == "auto":
        return (
            "account type auto: member for house portfolios, non-HRP for customer accounts "
            f"(initial = {mult.get('member'):g} × / {mult.get('non-HRP'):g} × maintenance)"
        )
    return f"account type {kind} (initial = {mult.get(kind, float('nan')):g} × maintenance)"
