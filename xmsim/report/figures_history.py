"""Plotly figures of a history run (the History page): both models' savings and the applied
percentage over time with the binding rule shaded and the cap line, and dollars saved."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from xmsim.report.figures import (
    BAD_COLOR,
    CME_COLOR,
    FICC_COLOR,
    GOOD_COLOR,
    NET_COLOR,
    _style,
)

BINDING_COLORS = {
    "FICC model": FICC_COLOR,
    "CME model": CME_COLOR,
    "cap": GOOD_COLOR,
    "do no harm": BAD_COLOR,
    "mixed (accounts differ)": "#9e9e9e",
}
BINDING_NAMES = {
    "FICC model": "FICC's model bound",
    "CME model": "CME's model bound",
    "cap": "the cap bound",
    "do no harm": "no saving (do no harm)",
    "mixed (accounts differ)": "mixed (accounts differ)",
}


def _date_edges(dates: pd.Series) -> pd.DatetimeIndex:
    """n + 1 edges around n dates: midpoints inside, half a step beyond each end."""
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    if len(d) == 1:
        return pd.DatetimeIndex([d[0] - pd.Timedelta(hours=12), d[0] + pd.Timedelta(hours=12)])
    mid = d[:-1] + (d[1:] - d[:-1]) / 2
    return pd.DatetimeIndex([d[0] - (d[1] - d[0]) / 2, *mid, d[-1] + (d[-1] - d[-2]) / 2])


def history_savings_figure(frame: pd.DataFrame, cap: float) -> go.Figure:
    """Both models' savings and the applied percentage over time: the rule that bound shaded
    behind, the cap as a line, the dates of backtest exceptions marked on the applied line.

    ``frame`` is :func:`xmsim.timeline.stats.history_frame` (one row per date)."""
    dates = pd.to_datetime(frame.date)
    fig = go.Figure()
    binding = frame.binding.to_numpy()
    edges = _date_edges(frame.date)
    starts = np.flatnonzero(np.r_[True, binding[1:] != binding[:-1]])
    seen: set[str] = set()
    for s, e in zip(starts, [*starts[1:], len(binding)], strict=True):
        rule = binding[s]
        fig.add_vrect(
            x0=edges[s], x1=edges[e], fillcolor=BINDING_COLORS.get(rule, "#9e9e9e"),
            opacity=0.12, line_width=0, layer="below", name=BINDING_NAMES.get(rule, rule),
            legendgroup=rule, showlegend=rule not in seen,
        )  # fmt: skip
        seen.add(rule)
    for col, name, color, width in (
        ("savings_ficc_model", "FICC's model savings", FICC_COLOR, 1.5),
        ("savings_cme_model", "CME's model savings", CME_COLOR, 1.5),
        ("applied", "applied %", NET_COLOR, 3),
    ):
        fig.add_scatter(
            x=dates,
            y=frame[col],
            name=name,
            mode="lines",
            line={"color": color, "width": width},
            hovertemplate="%{x|%d %b %Y}: %{y:.2%}<extra>" + name + "</extra>",
        )
    for col, name, symbol in (
        ("var_exception", "VaR backtest exception", "x"),
        ("span_exception", "SPAN backtest exception", "triangle-down"),
    ):
        hit = frame[col].to_numpy(bool)
        if hit.any():
            fig.add_scatter(
                x=dates[hit],
                y=frame.applied[hit],
                name=name,
                mode="markers",
                marker={"symbol": symbol, "size": 10, "color": BAD_COLOR},
                hovertemplate="%{x|%d %b %Y}<extra>" + name + "</extra>",
            )
    fig.add_hline(
        y=cap,
        line={"color": GOOD_COLOR, "dash": "dash"},
        annotation_text=f"cap {cap:.0%}",
        annotation_position="top left",
    )
    return _style(
        fig,
        "Savings over time: each model's, and the lower one applied",
        yaxis={"title": "savings", "tickformat": ".0%"},
        hovermode="x unified",
    )


def history_dollars_figure(frame: pd.DataFrame) -> go.Figure:
    """Both CCPs' requirements before and after the arrangement, and the dollars saved, over
    time [USD] (``frame``: :func:`xmsim.timeline.stats.history_frame`)."""
    dates = pd.to_datetime(frame.date)
    fig = go.Figure()
    fig.add_scatter(
        x=dates,
        y=frame.savings_usd,
        name="dollars saved",
        mode="lines",
        fill="tozeroy",
        line={"color": GOOD_COLOR},
        hovertemplate="%{x|%d %b %Y}: $%{y:,.0f}<extra>dollars saved</extra>",
    )
    for col, name, color, dash in (
        ("total_before", "total before", "#9e9e9e", "dot"),
        ("total_after", "total after", FICC_COLOR, "solid"),
    ):
        fig.add_scatter(
            x=dates,
            y=frame[col],
            name=name,
            mode="lines",
            line={"color": color, "dash": dash},
            hovertemplate="%{x|%d %b %Y}: $%{y:,.0f}<extra>" + name + "</extra>",
        )
    return _style(
        fig,
        "Requirements before and after, and dollars saved",
        yaxis={"title": "USD", "tickformat": "$,.3s", "rangemode": "tozero"},
        hovermode="x unified",
    )
