"""Downloads: result tables as CSV and XLSX (safe against formula injection) and a
self-contained HTML report (tables, interactive charts with plotly.js inline, settings,
assumptions) fit to send to a client.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from collections.abc import Mapping

import numpy as np
import pandas as pd

from xmsim.report import drill
from xmsim.report import figures as reporting
from xmsim.report.safe import FORMULA_PREFIXES, csv_bytes, neutralise, neutralise_frame
from xmsim.simulate import POOLED, Simulation

__all__ = ["FORMULA_PREFIXES", "csv_bytes", "html_report", "neutralise", "neutralise_frame"]


def xlsx_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """One worksheet per table (names cut to Excel's 31 characters), neutralised, no index."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            sheet = neutralise_frame(frame)
            sheet.to_excel(writer, sheet_name=str(name)[:31], index=False)
            ws = writer.sheets[str(name)[:31]]
            for i, col in enumerate(sheet.columns, 1):
                width = min(60, max(10, len(str(col)) + 2))
                ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    return buffer.getvalue()


def summary_frame(sim: Simulation) -> pd.DataFrame:
    """Headline numbers: key, label, value (fractions for percentages, USD otherwise)."""
    result = sim.result
    s, labels = reporting.summary(result), reporting.headline_labels(result)
    keys = [k for k in reporting.SUMMARY_LABELS if k in s]
    return pd.DataFrame(
        {"key": keys, "metric": [labels[k] for k in keys], "value": [s[k] for k in keys]}
    )


def result_tables(sim: Simulation) -> dict[str, pd.DataFrame]:
    """Every table of a run, numeric, by sheet name. The detail sheets (``var_*``, ``span_*``,
    ``contributions``) are for ``sim.detail_account`` (pick one with
    :meth:`xmsim.simulate.Simulator.detail`) and say which in a ``portfolio`` column."""
    result = sim.result
    settings = pd.DataFrame(
        [
            {"setting": k, "value": "" if v is None else str(v)}
            for k, v in result.to_dict()["settings"].items()
        ]
        + [
            {"setting": "asof", "value": result.asof.isoformat()},
            {"setting": "arrangement", "value": result.settings.arrangement},
            {"setting": "history", "value": result.history},
            {"setting": "detail_for", "value": sim.detail_label},
        ]
    )
    tables = {
        "summary": summary_frame(sim),
        "views": reporting.views_frame(result).reset_index(names="item"),
        "accounts": reporting.accounts_frame(result),
        "ineligible": reporting.ineligible_frame(result),
        "positions": sim.positions_frame(),
        "dv01_ladder": sim.dv01_ladder(),
        "settings": settings,
    }
    # the detail sheets are for one combined portfolio (or the pooled view): each says which
    label = {"portfolio": sim.detail_label}
    if sim.var_detail is not None:
        tables["var_worst"] = sim.var_detail.worst(10).assign(**label)
        tables["var_components"] = sim.var_detail.to_frame().assign(**label)
    if sim.span_detail is not None:
        tables["span_components"] = sim.span_detail.to_frame().assign(**label)
        tables["span_scenarios"] = sim.span_detail.scenarios_frame().reset_index().assign(**label)
    if sim.var_detail is not None or sim.span_detail is not None:
        tables["contributions"] = drill.position_contributions(sim).assign(**label)
    tables["account_contributions"] = drill.account_contributions(result)
    return tables


def results_csv(sim: Simulation) -> bytes:
    """The per-account results (with a total row when several accounts) as CSV."""
    return csv_bytes(reporting.accounts_frame(sim.result))


def results_xlsx(sim: Simulation) -> bytes:
    """Every table of :func:`result_tables` as an XLSX workbook."""
    return xlsx_bytes(result_tables(sim))


# ------------------------------------------------------------------------------ HTML report

_CSS = """
body{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;
color:#222;line-height:1.45;padding:0 1rem}
h1{color:#1f4e79;margin-bottom:.2rem}h2{color:#1f4e79;border-bottom:2px solid #e0e6ee;
padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem;width:100%}
th,td{border:1px solid #d8dde3;padding:.3rem .5rem;text-align:right}
th{background:#f1f4f8}td:first-child,th:first-child{text-align:left}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:.7rem}
.card{border:1px solid #d8dde3;border-radius:8px;padding:.6rem .8rem;background:#fafbfc}
.card .l{font-size:.8rem;color:#555}.card .v{font-size:1.35rem;font-weight:600}
.why{background:#eef5ec;border-left:4px solid #2e7d32;padding:.6rem .9rem}
.badge{background:#ffe0b2;color:#8a4b00;border-radius:4px;padding:0 .35rem;font-size:.75rem}
.note{color:#666;font-size:.85rem}
"""


def _table_html(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, border=0, escape=True, na_rep="")


def _fmt_numeric(frame: pd.DataFrame, pct_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if col in pct_cols:
            out[col] = out[col].map(reporting.fmt_pct)
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    return out


def html_report(
    sim: Simulation,
    figures: Mapping[str, object] | None = None,
    notes: tuple[str, ...] = (),
    title: str = "Cross-margining what-if report",
) -> str:
    """A single self-contained HTML page (plotly.js inline once; no external resources).

    ``figures`` maps a heading to a plotly figure (default: waterfall, DV01 ladder, VaR
    histogram, SPAN scenarios); ``notes`` are extra lines shown under the title.
    """
    result = sim.result
    if figures is None:
        figures = default_figures(sim)
    cards = "".join(
        f'<div class="card"><div class="l">{html.escape(label)}</div>'
        f'<div class="v">{html.escape(value)}</div></div>'
        for _, label, value in reporting.headline(result)
    )
    divs = "".join(
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
    accounts = _fmt_numeric(
        reporting.accounts_frame(result), ("var_savings", "span_savings", "applied")
    )
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
        _table_html(reporting.display_views(result), index=True),
        "<h2>Charts</h2>",
        divs,
        "<h2>Accounts</h2>",
        _table_html(accounts),
        "<h2>Ineligible positions</h2>",
        _table_html(inel) if len(inel) else "<p>None: every position is eligible.</p>",
        "<h2>Settings and assumptions</h2>",
        _table_html(assumptions),
        f'<p class="note">History / scenarios: {html.escape(result.history)}</p>',
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )


def default_figures(sim: Simulation) -> dict[str, object]:
    """The report's charts, by heading: the waterfall of the whole run, then the DV01 ladder,
    VaR histogram and SPAN scenarios of the detail's combined portfolio
    (:attr:`Simulation.detail_account`), named in each title."""
    subject = detail_subject(sim)
    figs: dict[str, object] = {
        "Waterfall": reporting.waterfall_figure(sim.result),
        "DV01 ladder": reporting.dv01_ladder_figure(sim.dv01_ladder(), subject),
    }
    if sim.var_detail is not None and np.asarray(sim.var_detail.pnl_usd).size:
        v = sim.var_detail
        figs["VaR scenarios"] = reporting.var_histogram_figure(
            v.pnl_usd, v.var_usd, v.settings.confidence, v.worst(5), subject=subject
        )
    if sim.span_detail is not None:
        figs["SPAN scenarios"] = reporting.span_scenarios_figure(
            sim.span_detail.scenarios_frame(), sim.span_detail.margin_usd, subject
        )
    return figs


def detail_subject(sim: Simulation) -> str:
    """The detail's portfolio in a few words for titles: ``CUST_C``, ``HOUSE`` or
    ``all accounts pooled``; ``the combined portfolio`` when the run has only one."""
    if len(sim.result.accounts) == 1:
        return "the combined portfolio"
    return sim.detail_account if sim.detail_account is not POOLED else "all accounts pooled"
