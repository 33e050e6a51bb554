"""The client report: one self-contained HTML page that prints on A4 or Letter.

Charts are static SVG (:mod:`xmsim.report.svg`, a few kilobytes each, every value in a hover
title) unless plotly figures are passed in; wide tables are split into column groups that fit
a printed page; print CSS sets margins, repeats table headers and keeps charts whole.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping

import numpy as np
import pandas as pd

from xmsim.report import figures as reporting
from xmsim.report import svg

CSS = """
*{box-sizing:border-box}
body{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5rem auto;max-width:1000px;
color:#222;line-height:1.4;padding:0 1rem;font-size:14px}
h1{color:#1f4e79;margin:0 0 .2rem;font-size:1.6rem}h2{color:#1f4e79;font-size:1.15rem;
border-bottom:2px solid #e0e6ee;padding-bottom:.2rem;margin-top:1.6rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:12px;width:100%;table-layout:auto}
th,td{border:1px solid #d8dde3;padding:.25rem .4rem;text-align:right;vertical-align:top;
overflow-wrap:break-word}
table.text th,table.text td{text-align:left}
th{background:#f1f4f8;font-weight:600}td:first-child,th:first-child{text-align:left}
td.t,th.t{text-align:left}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:.6rem}
.card{border:1px solid #d8dde3;border-radius:8px;padding:.5rem .7rem;background:#fafbfc}
.card .l{font-size:.75rem;color:#555}.card .v{font-size:1.2rem;font-weight:600}
.why{background:#eef5ec;border-left:4px solid #2e7d32;padding:.5rem .8rem}
.badge{background:#ffe0b2;color:#8a4b00;border-radius:4px;padding:0 .35rem;font-size:.75rem}
.note{color:#666;font-size:.8rem}
figure{margin:.6rem 0;break-inside:avoid;page-break-inside:avoid}
figure svg{display:block;max-width:100%}
@page{margin:14mm 12mm}
@media print{
body{margin:0;max-width:none;padding:0;font-size:11px}
h2{break-after:avoid;page-break-after:avoid}
table{font-size:9.5px}thead{display:table-header-group}
tr{break-inside:avoid;page-break-inside:avoid}
.cards{grid-template-columns:repeat(4,minmax(0,1fr))}
.card{break-inside:avoid}
a{color:inherit;text-decoration:none}
}
"""

ACCOUNT_LABELS = {
    "account": "Account",
    "pot": "Pot",
    "var_ficc_leg": "VaR: FICC leg",
    "var_cme_leg": "VaR: CME leg",
    "var_combined": "VaR: combined",
    "var_savings": "VaR: savings",
    "var_savings_base": "VaR: savings base",
    "span_ficc_leg": "SPAN: FICC leg",
    "span_cme_leg": "SPAN: CME leg",
    "span_combined": "SPAN: combined",
    "span_savings": "SPAN: savings",
    "span_savings_base": "SPAN: savings base",
    "applied": "Applied %",
    "ficc_requirement": "FICC requirement",
    "cme_requirement": "CME requirement",
    "ineligible_margin": "Ineligible",
    "total_before": "Total before",
    "total_after": "Total after",
    "savings_usd": "Saved",
    "reason": "Why",
}
PCT_COLUMNS = ("var_savings", "span_savings", "applied")
MAX_COLUMNS = 7
"""Columns of one printed table (a key column plus six figures fit 180 mm at 9.5 px)."""


def _cell(value, pct: bool) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return reporting.fmt_pct(float(value)) if pct else reporting.fmt_usd(float(value))
    return str(value)


def table_html(
    frame: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    pct: tuple[str, ...] = (),
    key: str | None = None,
    max_columns: int = MAX_COLUMNS,
) -> str:
    """``frame`` as one or more HTML tables of at most ``max_columns`` columns, each repeating
    the ``key`` column (default the first); numbers as whole dollars, ``pct`` columns as %."""
    labels = labels or {}
    key = key or str(frame.columns[0])
    rest = [c for c in frame.columns if c != key]
    per = max(max_columns - 1, 1)
    groups = [rest[i : i + per] for i in range(0, len(rest), per)] or [[]]
    text = {c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])}
    out = []
    for cols in groups:
        head = "".join(
            f'<th class="{"t" if c in text else ""}">{html.escape(labels.get(c, str(c)))}</th>'
            for c in (key, *cols)
        )
        rows = []
        for rec in frame[[key, *cols]].itertuples(index=False):
            cells = "".join(
                f'<td class="{"t" if not isinstance(v, (int, float, np.number)) else ""}">'
                f"{html.escape(_cell(v, c in pct))}</td>"
                for c, v in zip((key, *cols), rec, strict=True)
            )
            rows.append(f"<tr>{cells}</tr>")
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return "".join(out)


def _text_table(frame: pd.DataFrame, index: bool = False) -> str:
    """A table of text cells (already formatted)."""
    if index:
        frame = frame.reset_index()
    return frame.to_html(index=False, border=0, escape=True, na_rep="", classes="text")


def svg_charts(sim) -> dict[str, str]:
    """The report's charts as SVG, by heading (the same content as the app's figures)."""
    from xmsim.report.files import detail_subject  # files re-exports this module

    result = sim.result
    subject = detail_subject(sim)
    pooled = f" ({subject})" if len(result.accounts) > 1 else ""
    charts = {
        "Waterfall": svg.waterfall_svg(
            "From standalone to cross-margined margin",
            reporting.waterfall_steps(result),
            {"up": "#5b8db8", "down": reporting.GOOD_COLOR, "total": reporting.FICC_COLOR},
        )
    }
    ladder = sim.dv01_ladder()
    charts["DV01 ladder"] = svg.bar_svg(
        "DV01 ladder by tenor (eligible legs)",
        list(ladder.tenor),
        [
            ("FICC leg", ladder.ficc_leg_usd, reporting.FICC_COLOR),
            ("CME leg", ladder.cme_leg_usd, reporting.CME_COLOR),
        ],
        lines=[("net", ladder.net_usd, reporting.NET_COLOR)],
        y_title="USD per bp",
    )
    v = sim.var_detail
    if v is not None and np.asarray(v.pnl_usd).size:
        worst = v.worst(3)
        charts["VaR scenarios" + pooled] = svg.histogram_svg(
            "VaR model: P&L of the combined portfolio per historical scenario" + pooled,
            v.pnl_usd,
            reporting.FICC_COLOR,
            rule=(-v.var_usd, f"{v.settings.confidence:.0%} VaR {reporting.fmt_usd(v.var_usd)}",
                  reporting.BAD_COLOR),
            marks=[(float(r.pnl_usd), f"{r.start} → {r.end}: {r.pnl_usd:,.0f}")
                   for r in worst.itertuples()],
        )  # fmt: skip
    s = sim.span_detail
    if s is not None:
        frame = s.scenarios_frame()
        palette = ("#1f4e79", "#d9822b", "#5b8db8", "#e3a869", "#7a5195", "#2e7d32", "#ef5675",
                   "#8d6e63", "#26a69a", "#9e9d24", "#455a64", "#ad1457")  # fmt: skip
        groups = [c for c in frame.columns if c != "portfolio"]
        charts["SPAN scenarios" + pooled] = svg.bar_svg(
            "SPAN model: loss in each of the 16 risk-array scenarios" + pooled,
            [str(x) for x in frame.index],
            [(g, frame[g], palette[i % len(palette)]) for i, g in enumerate(groups)],
            lines=[("portfolio (before spreads)", frame["portfolio"], reporting.NET_COLOR)],
            stacked=True,
            rule=(s.margin_usd, f"SPAN requirement {reporting.fmt_usd(s.margin_usd)}",
                  reporting.BAD_COLOR),
            y_title="loss (USD)",
        )  # fmt: skip
    return charts


def html_report(
    sim,
    figures: Mapping[str, object] | None = None,
    notes: tuple[str, ...] = (),
    title: str = "Cross-margining what-if report",
) -> str:
    """A single self-contained HTML page (no external resources) that prints on A4 or Letter.

    Charts: static SVG by default (:func:`svg_charts`; the page stays well under 1 MB);
    ``figures`` maps a heading to a plotly figure to embed interactive charts instead
    (plotly.js inline once, about 4.5 MB). ``notes`` are extra lines under the title.
    """
    result = sim.result
    cards = "".join(
        f'<div class="card"><div class="l">{html.escape(label)}</div>'
        f'<div class="v">{html.escape(value)}</div></div>'
        for _, label, value in reporting.headline(result)
    )
    if figures is None:
        charts = "".join(f"<figure>{chart}</figure>" for chart in svg_charts(sim).values())
        charts += (
            '<p class="note">Hover a bar or point for its exact value. Losses are positive in '
            "the SPAN chart; P&amp;L is negative for a loss in the VaR chart.</p>"
        )
    else:
        charts = "".join(
            f"<h3>{html.escape(name)}</h3>" + reporting.figure_html(fig, include_plotlyjs=(i == 0))
            for i, (name, fig) in enumerate(figures.items())
        )
    assumptions = reporting.assumptions_frame(
        result.model_settings,
        result.history,
        sim.market.curve.label,
        sim.market.history.synthetic,
        result.settings.arrangement,
        result.settings.cap,
        result.settings.savings_basis,
    )
    accounts = reporting.accounts_frame(result)
    inel = reporting.ineligible_frame(result)
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">As of {result.asof:%d %B %Y} · {result.settings.arrangement} '
        f"arrangement · generated {dt.datetime.now():%Y-%m-%d %H:%M} by xmsim · "
        '<span class="badge">ESTIMATE</span> a simulation with FICC-like and CME-like '
        "models, not either CCP's official requirement.</p>",
        *(f'<p class="note">{html.escape(n)}</p>' for n in notes),
        f'<div class="cards">{cards}</div>',
        f'<p class="why">{html.escape(reporting.explain(result))}</p>',
        "<h2>FICC's view vs CME's view</h2>",
        _text_table(reporting.display_views(result), index=True).replace(
            'class="dataframe text"', 'class="dataframe"'
        ),
        "<h2>Charts</h2>",
        charts,
        "<h2>Accounts</h2>",
        table_html(accounts, ACCOUNT_LABELS, PCT_COLUMNS, key="account"),
        "<h2>Ineligible positions</h2>",
        _text_table(inel) if len(inel) else "<p>None: every position is eligible.</p>",
        "<h2>Settings and assumptions</h2>",
        _text_table(assumptions),
        f'<p class="note">History / scenarios: {html.escape(result.history)}</p>',
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )
