"""Plotly figures from results; re-exports the plotly-free tables of :mod:`xmsim.report.tables`.

The only plotly importer of the package. Figures are returned, never shown. Tables, headline
numbers, formatting and explanations live in :mod:`xmsim.report.tables` and are re-exported here so
``reporting.summary`` and friends keep working.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from xmsim.arrangement.crossmargin import ArrangementResult
from xmsim.report.tables import (
    CARD_KEYS,
    HEADLINE_KEYS,
    MODEL_NAMES,
    PCT_KEYS,
    SUMMARY_LABELS,
    account_explain,
    account_result,
    accounts_frame,
    assumptions_frame,
    compare_display,
    display_views,
    effective_note,
    explain,
    fmt_pct,
    fmt_usd,
    fmt_usd_compact,
    fmt_value,
    headline,
    headline_cards,
    headline_labels,
    ineligible_frame,
    parse_display_number,
    summary,
    views_frame,
)

__all__ = [
    "BAD_COLOR",
    "BINDING_COLORS",
    "CARD_KEYS",
    "CME_COLOR",
    "FICC_COLOR",
    "GOOD_COLOR",
    "HEADLINE_KEYS",
    "MODEL_NAMES",
    "NET_COLOR",
    "PCT_KEYS",
    "SUMMARY_LABELS",
    "account_explain",
    "account_result",
    "accounts_frame",
    "assumptions_frame",
    "compare_display",
    "display_views",
    "dv01_ladder_figure",
    "effective_note",
    "explain",
    "figure_html",
    "fmt_pct",
    "fmt_usd",
    "fmt_usd_compact",
    "fmt_value",
    "headline",
    "headline_cards",
    "headline_labels",
    "hedge_ratio_figure",
    "history_dollars_figure",
    "history_savings_figure",
    "ineligible_frame",
    "parse_display_number",
    "span_scenarios_figure",
    "summary",
    "var_histogram_figure",
    "views_frame",
    "waterfall_figure",
    "waterfall_steps",
]

FICC_COLOR = "#1f4e79"
CME_COLOR = "#d9822b"
NET_COLOR = "#3b3b3b"
GOOD_COLOR = "#2e7d32"
BAD_COLOR = "#c62828"
_LAYOUT = {
    "template": "plotly_white",
    "height": 380,
    "margin": {"l": 60, "r": 30, "t": 60, "b": 50},
    "font": {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
}


# ------------------------------------------------------------------------------ figures


def _style(fig: go.Figure, title: str, **layout) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "xanchor": "left"}, **{**_LAYOUT, **layout})
    return fig


def waterfall_steps(result: ArrangementResult) -> list[tuple[str, float, str]]:
    """(label, amount [USD], ``relative`` or ``total``) from standalone to cross-margined."""
    s = summary(result)
    steps = [
        ("FICC standalone", s["ficc_standalone"], "relative"),
        ("CME standalone", s["cme_standalone"], "relative"),
    ]
    if s["ineligible_margin"] > 0:
        steps.append(("Ineligible (standalone)", s["ineligible_margin"], "relative"))
    return [
        *steps,
        ("Before", s["total_before"], "total"),
        ("FICC reduction", s["ficc_requirement"] - s["ficc_standalone"], "relative"),
        ("CME reduction", s["cme_requirement"] - s["cme_standalone"], "relative"),
        ("After", s["total_after"], "total"),
    ]


def waterfall_figure(result: ArrangementResult) -> go.Figure:
    """From standalone to cross-margined margin [USD], both CCPs and the ineligible rows."""
    steps = waterfall_steps(result)
    fig = go.Figure(
        go.Waterfall(
            x=[x for x, _, _ in steps],
            y=[y if m == "relative" else 0 for _, y, m in steps],
            measure=[m for _, _, m in steps],
            text=[fmt_usd(y) for _, y, _ in steps],
            textposition="outside",
            increasing={"marker": {"color": "#5b8db8"}},
            decreasing={"marker": {"color": GOOD_COLOR}},
            totals={"marker": {"color": FICC_COLOR}},
            connector={"line": {"color": "#9e9e9e"}},
            cliponaxis=False,
        )
    )
    return _style(
        fig,
        "From standalone to cross-margined margin",
        yaxis_title="USD",
        showlegend=False,
        yaxis_tickformat="$,.3s",
    )


def dv01_ladder_figure(ladder: pd.DataFrame, subject: str = "") -> go.Figure:
    """Key-rate DV01 by tenor of the FICC and CME legs and the net [USD per bp]; ``subject``
    names the portfolio in the title."""
    fig = go.Figure()
    fig.add_bar(x=ladder.tenor, y=ladder.ficc_leg_usd, name="FICC leg", marker_color=FICC_COLOR)
    fig.add_bar(x=ladder.tenor, y=ladder.cme_leg_usd, name="CME leg", marker_color=CME_COLOR)
    fig.add_scatter(
        x=ladder.tenor,
        y=ladder.net_usd,
        name="net",
        mode="lines+markers",
        line={"color": NET_COLOR, "dash": "dot"},
    )
    return _style(
        fig,
        "DV01 ladder by tenor (eligible legs" + (f", {subject})" if subject else ")"),
        barmode="group",
        yaxis_title="USD per bp",
        xaxis_title="tenor",
        yaxis_tickformat="$,.3s",
    )


def var_histogram_figure(
    pnl_usd: np.ndarray,
    margin_usd: float,
    confidence: float,
    worst: pd.DataFrame | None = None,
    n_label: int = 3,
    subject: str = "the combined portfolio",
) -> go.Figure:
    """Histogram of the combined portfolio's scenario P&L [USD] with the VaR line;
    ``subject`` names the portfolio in the title."""
    fig = go.Figure(
        go.Histogram(
            x=np.asarray(pnl_usd),
            nbinsx=60,
            marker_color=FICC_COLOR,
            opacity=0.85,
            name="scenario P&L",
        )
    )
    fig.add_vline(
        x=-margin_usd,
        line={"color": BAD_COLOR, "dash": "dash", "width": 2},
        annotation_text=f"{confidence:.0%} VaR {fmt_usd(margin_usd)}",
        annotation_position="top left",
    )
    if worst is not None and len(worst):
        top = worst.head(n_label)
        fig.add_scatter(
            x=top.pnl_usd,
            y=np.zeros(len(top)),
            mode="markers",
            name="worst scenarios",
            marker={"color": BAD_COLOR, "size": 10, "symbol": "x"},
            text=[f"{s} → {e}" for s, e in zip(top.start, top.end, strict=True)],
            hovertemplate="%{text}<br>P&L %{x:$,.0f}<extra></extra>",
        )
    return _style(
        fig,
        f"VaR model: P&L of {subject} per historical scenario",
        xaxis_title="P&L (USD)",
        yaxis_title="scenarios",
        xaxis_tickformat="$,.3s",
        bargap=0.05,
    )


def span_scenarios_figure(
    scenarios: pd.DataFrame,
    margin_usd: float | None = None,
    subject: str = "",
) -> go.Figure:
    """SPAN's 16 risk-array scenarios: loss per combined commodity and the portfolio [USD];
    ``subject`` names the portfolio in the title.

    ``scenarios`` is :meth:`xmsim.engines.span.margin.SpanResult.scenarios_frame` (losses positive).
    """
    fig = go.Figure()
    labels = list(scenarios.index)
    palette = [
        "#1f4e79",
        "#d9822b",
        "#5b8db8",
        "#e3a869",
        "#7a5195",
        "#2e7d32",
        "#ef5675",
        "#8d6e63",
        "#26a69a",
        "#9e9d24",
        "#455a64",
        "#ad1457",
    ]
    groups = [c for c in scenarios.columns if c != "portfolio"]
    for i, g in enumerate(groups):
        fig.add_bar(x=labels, y=scenarios[g], name=g, marker_color=palette[i % len(palette)])
    fig.add_scatter(
        x=labels,
        y=scenarios["portfolio"],
        name="portfolio (before spreads)",
        mode="lines+markers",
        line={"color": NET_COLOR, "width": 3},
    )
    if margin_usd is not None:
        fig.add_hline(
            y=margin_usd,
            line={"color": BAD_COLOR, "dash": "dash"},
            annotation_text=f"SPAN requirement {fmt_usd(margin_usd)}",
            annotation_position="top left",
        )
    return _style(
        fig,
        "SPAN model: loss in each of the 16 risk-array scenarios"
        + (f", {subject}" if subject else ""),
        barmode="relative",
        yaxis_title="loss (USD)",
        yaxis_tickformat="$,.3s",
        xaxis_tickangle=-40,
        height=440,
    )


def hedge_ratio_figure(sweep: pd.DataFrame, current: float | None = None, leg: str = "futures"):
    """Applied percentage (left) and total margin (right) against the hedge ratio."""
    fig = go.Figure()
    fig.add_scatter(
        x=sweep.ratio,
        y=sweep.applied,
        name="applied %",
        mode="lines+markers",
        line={"color": GOOD_COLOR, "width": 3},
    )
    fig.add_scatter(
        x=sweep.ratio,
        y=sweep.total_after,
        name="total margin after",
        yaxis="y2",
        mode="lines+markers",
        line={"color": FICC_COLOR},
    )
    fig.add_scatter(
        x=sweep.ratio,
        y=sweep.total_before,
        name="total margin before",
        yaxis="y2",
        mode="lines",
        line={"color": "#9e9e9e", "dash": "dot"},
    )
    if current is not None:
        fig.add_vline(
            x=current,
            line={"color": CME_COLOR, "dash": "dash"},
            annotation_text=f"what-if {current:g}×",
        )
    return _style(
        fig,
        f"Applied % and total margin against the {leg} hedge ratio",
        xaxis_title=f"{leg} scaled by (1 = as loaded)",
        yaxis={"title": "applied %", "tickformat": ".0%", "rangemode": "tozero"},
        yaxis2={
            "title": "USD",
            "overlaying": "y",
            "side": "right",
            "tickformat": "$,.3s",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )


def figure_html(fig: go.Figure, include_plotlyjs: bool) -> str:
    """A ``<div>`` for a report; plotly.js inline when ``include_plotlyjs`` (self-contained)."""
    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=bool(include_plotlyjs),
        config={"displaylogo": False, "responsive": True},
    )


from xmsim.report.figures_history import (  # noqa: E402, F401  (re-exported)
    BINDING_COLORS,
    BINDING_NAMES,
    history_dollars_figure,
    history_savings_figure,
)
