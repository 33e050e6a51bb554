"""Display tables, headline numbers, formatting and explanations from results.

Plotly-free (figures live in :mod:`xmsim.report.figures`, which re-exports these names). Tables
come in
two flavours: numeric (exports, sorting) and formatted text (``display_*``, for the page).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from xmsim.arrangement.crossmargin import ArrangementResult
from xmsim.arrangement.pots import reading_text
from xmsim.arrangement.results import SAVINGS_BASIS_LABELS
from xmsim.arrangement.summary import SUMMARY_LABELS, no_saving_reason, summary, weighted_mean

MODEL_NAMES = {"var": "VaR", "span": "SPAN"}

PCT_KEYS = ("savings_ficc_model", "savings_cme_model", "applied")
POOLED_OPTION = "All accounts pooled"
"""The account pickers' name for the pooled view (:data:`xmsim.simulate.POOLED`)."""


# ------------------------------------------------------------------------------ formatting


def fmt_usd(value: float) -> str:
    """``$1,234,567`` (whole dollars; ``-$5`` for negatives)."""
    return f"-${-value:,.0f}" if round(value) < 0 else f"${value:,.0f}"


_COMPACT_UNITS = ((1e3, "k"), (1e6, "m"), (1e9, "bn"), (1e12, "tn"))


def fmt_usd_compact(value: float) -> str:
    """Dollars in three significant figures for cards: ``$27.3m``, ``$2.99m``, ``$745k``,
    ``$1.50bn``; under $1,000 whole dollars (``$950``); ``-$158k`` for negatives; ``n/a`` when
    not finite. A figure that rounds to 1,000 of a unit moves up (``$999,999`` -> ``$1.00m``).
    The exact figure is :func:`fmt_usd`."""
    if not math.isfinite(value):
        return "n/a"
    sign, a = ("-" if round(value) < 0 else ""), abs(value)
    if round(a) < 1000:
        return f"{sign}${a:,.0f}"
    for unit, suffix in _COMPACT_UNITS:
        x = float(f"{a / unit:.3g}")  # three significant figures
        if x < 1000 or suffix == _COMPACT_UNITS[-1][1]:
            digits = 2 if x < 10 else 1 if x < 100 else 0
            return f"{sign}${x:,.{digits}f}{suffix}"
    raise AssertionError("unreachable")


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


CARD_LABELS: dict[str, str] = {
    "ficc_standalone": "FICC standalone",
    "cme_standalone": "CME standalone",
    "savings_ficc_model": "{ficc} savings (FICC{all})",
    "savings_cme_model": "{cme} savings (CME{all})",
    "applied": "Applied %{effective}",
    "ficc_requirement": "FICC after",
    "cme_requirement": "CME after",
    "savings_usd": "Dollars saved",
    "total": "Total before → after",
}
"""Short labels of the headline cards (they fit a quarter of a 1280 px page with the sidebar
open); the card's help text says what each is in full."""
CARD_KEYS = (*HEADLINE_KEYS, "total")
CARD_HELP: dict[str, str] = {
    "ficc_standalone": "FICC's margin on the FICC-eligible leg alone ({ficc} model).",
    "cme_standalone": "CME's margin on the CME-eligible leg alone ({cme} model).",
    "savings_ficc_model": "1 − combined / savings base under FICC's model ({ficc}).",
    "savings_cme_model": "1 − combined / savings base under CME's model ({cme}).",
    "applied": "The lower of the two savings, capped; 0 if either model finds none.",
    "ficc_requirement": "FICC standalone × (1 − applied).",
    "cme_requirement": "CME standalone × (1 − applied).",
    "savings_usd": "Total before − total after (ineligible positions unchanged).",
    "total": "FICC + CME requirement (+ ineligible positions, margined outside), before and "
    "after cross-margining.",
}


@dataclass(frozen=True, slots=True)
class Card:
    """One headline card: ``value`` compact (``$27.3m``), ``exact`` to the dollar or the
    hundredth of a percent, ``help`` the definition followed by the exact figure."""

    key: str
    label: str
    value: str
    exact: str
    help: str


def headline_cards(result: ArrangementResult) -> list[Card]:
    """The headline cards of a result in display order (:data:`CARD_KEYS`): the eight
    numbers of :func:`headline` plus total before → after, compact; exact on hover."""
    s = summary(result)
    several = len(result.accounts) > 1
    names = {
        "ficc": MODEL_NAMES[result.ficc_model],
        "cme": MODEL_NAMES[result.cme_model],
        "all": ", all" if several else "",
        "effective": " (effective)" if several else "",
    }
    cards = []
    for key in CARD_KEYS:
        label, help_text = CARD_LABELS[key].format(**names), CARD_HELP[key].format(**names)
        if key == "total":
            value = f"{fmt_usd_compact(s['total_before'])} → {fmt_usd_compact(s['total_after'])}"
            exact = f"{fmt_usd(s['total_before'])} → {fmt_usd(s['total_after'])}"
        elif key in PCT_KEYS:
            value = exact = fmt_pct(s[key])
        else:
            value, exact = fmt_usd_compact(s[key]), fmt_usd(s[key])
        if several and key in PCT_KEYS:
            help_text = effective_note(result) if key == "applied" else _weighted_help(key)
        cards.append(Card(key, label, value, exact, f"{help_text} Exact: {exact}."))
    return cards


def _weighted_help(key: str) -> str:
    who = "FICC's" if key == "savings_ficc_model" else "CME's"
    return (
        f"All combined portfolios together under {who} model: 1 − Σ combined / Σ savings "
        "base, i.e. each portfolio's savings weighted by that model's savings base."
    )


def effective_note(result: ArrangementResult) -> str:
    """How the effective applied percentage of several combined portfolios is computed, and
    why it can exceed the lower model's percentage (say it when it does)."""
    s = summary(result)
    n = len(result.accounts)
    base = s["ficc_standalone"] + s["cme_standalone"]
    after = s["ficc_requirement"] + s["cme_requirement"]
    text = (
        f"Effective applied % = 1 − (FICC + CME after) / (FICC + CME standalone) = 1 − "
        f"{fmt_usd(after)} / {fmt_usd(base)} = {fmt_pct(s['applied'])}: each of the {n} "
        "combined portfolios' own applied % weighted by its standalone margin (dollars-"
        "weighted). Each model's savings % across portfolios is weighted by that model's own "
        "savings bases instead."
    )
    low = min(s["savings_ficc_model"], s["savings_cme_model"])
    if s["applied"] > low + 5e-5:
        text += (
            f" It exceeds the lower model's {fmt_pct(low)} although each portfolio gets at most "
            "its own lower saving: which model is lower changes from portfolio to portfolio, "
            "and the averages weight the portfolios differently."
        )
    return text


def _pct_word(x: float) -> str:
    return f"{x:.1%}"


def explain(result: ArrangementResult) -> str:
    """The reading used (which combined portfolios, how many accounts in each) and one
    plain-English sentence on why the applied percentage is what it is."""
    return reading_text(result.reading).capitalize() + ". " + _why(result)


def account_explain(result: ArrangementResult, account: str) -> str:
    """One combined portfolio of ``result``: which pot it is, how many accounts it pools, and
    why its applied percentage is what it is (the no-saving reason when it has none)."""
    one = account_result(result, account)
    a = one.accounts[0]
    n = one.reading["house_accounts"] if a.pot == "house" else 1
    kind = f", CME account type {a.span_account_type}" if a.span_account_type else ""
    return (
        f"{a.account}: the {a.pot} combined portfolio ({n} account{'s' if n != 1 else ''}"
        f"{kind}) of the {one.reading['requested']} reading. " + _why(one)
    )


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


def account_result(result: ArrangementResult, account: str) -> ArrangementResult:
    """``result`` cut to one combined portfolio (its headline, explanation and views), the
    reading saying which pot it is and how many accounts it pools."""
    a = next((x for x in result.accounts if x.account == account), None)
    if a is None:
        raise ValueError(f"no combined portfolio {account!r} in the result")
    house = a.pot == "house"
    n = int(result.reading.get("house_accounts", 1)) if house else 1
    reading = {
        "requested": result.reading.get("requested", result.settings.arrangement),
        "house_portfolios": int(house),
        "house_accounts": n if house else 0,
        "customer_portfolios": int(not house),
        "customer_accounts": int(not house),
    }
    return dataclasses.replace(result, accounts=(a,), reading=reading)


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
        f"Savings base ({SAVINGS_BASIS_LABELS[result.settings.savings_basis]})",
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
        m, c = mult.get("member"), mult.get("non-HRP")
        each = (
            f"{m:.2f} × maintenance for both"
            if m == c
            else f"{m:.2f} × maintenance (member), {c:.2f} × (non-HRP)"
        )
        return (
            "account type auto: member for house portfolios, non-HRP for customer accounts "
            f"(initial = {each})"
        )
    return f"account type {kind} (initial = {mult.get(kind, float('nan')):.2f} × maintenance)"
