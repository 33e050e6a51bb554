"""The assumptions table: every setting of a run with its value and its status (SRC public
fact, ASSUMED modelling default, USER change) and the CME account-type line."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


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
