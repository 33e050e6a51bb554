"""Downloads: result tables as CSV and formatted XLSX (safe against formula injection) and the
printable HTML report (:mod:`xmsim.report.printable`, re-exported) fit to send to a client.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd

from xmsim.report import drill
from xmsim.report import figures as reporting
from xmsim.report.printable import html_report
from xmsim.report.safe import FORMULA_PREFIXES, csv_bytes, neutralise, neutralise_frame
from xmsim.report.stream import results_frame
from xmsim.simulate import POOLED, Simulation

__all__ = ["FORMULA_PREFIXES", "csv_bytes", "html_report", "neutralise", "neutralise_frame"]


USD_FORMAT = "#,##0;-#,##0"
PCT_FORMAT = "0.00%"
COUNT_FORMAT = "0"
PRICE_FORMAT = "0.0000"
DATE_FORMAT = "yyyy-mm-dd"
PCT_NAMES = frozenset(
    {"applied", "savings", "var_savings", "span_savings", "savings_ficc_model",
     "savings_cme_model", "savings_ficc", "savings_cme", "Savings %"}
)  # fmt: skip
"""Columns, or row keys of the summary and views sheets, holding fractions shown as %."""
COUNT_NAMES = frozenset({"row", "rank", "n_accounts", "n_house_accounts", "n_customer_accounts"})
PRICE_NAMES = frozenset({"price", "conversion_factor", "cf", "convexity_usd_per_bp2"})


def number_format(column: str, row_key: object = None) -> str:
    """The Excel number format of a numeric cell, by its column (or, in the key-value sheets,
    its row key): % for fractions, whole numbers for counts, 4 decimals for prices and CFs,
    whole dollars with thousands separators otherwise."""
    for name in (str(row_key) if row_key is not None else None, column):
        if name is None:
            continue
        if name in PCT_NAMES or name.startswith("Savings") or name.endswith("_share"):
            return PCT_FORMAT
        if name in COUNT_NAMES:
            return COUNT_FORMAT
        if name in PRICE_NAMES:
            return PRICE_FORMAT
    return USD_FORMAT


def _shown_width(value: object, fmt: str | None) -> int:
    if fmt is None:
        return len(str(value)) if value is not None else 0
    if fmt == PCT_FORMAT:
        return 8
    if fmt == PRICE_FORMAT:
        return len(f"{value:,.4f}")
    return len(f"{value:,.0f}")


def xlsx_bytes(
    tables: Mapping[str, pd.DataFrame], row_keys: Mapping[str, str] | None = None
) -> bytes:
    """One worksheet per table (names cut to Excel's 31 characters), neutralised, no index.

    Numbers keep their values and get :func:`number_format` (``row_keys`` names, per sheet, a
    column whose value decides the format row by row: the key-value sheets); the header row is
    bold, frozen and filtered; the first column is frozen when it holds text; every column is
    as wide as its longest shown cell (10 to 60 characters); long text wraps.
    """
    from openpyxl.styles import Alignment, Font, PatternFill

    buffer = io.BytesIO()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F1F4F8")
    wrap = Alignment(wrap_text=True, vertical="top")
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            sheet = neutralise_frame(frame)
            title = str(name)[:31]
            sheet.to_excel(writer, sheet_name=title, index=False)
            ws = writer.sheets[title]
            key_col = (row_keys or {}).get(name)
            keys = sheet[key_col].tolist() if key_col in sheet.columns else [None] * len(sheet)
            for j, col in enumerate(sheet.columns, 1):
                width = len(str(col))
                for i, value in enumerate(sheet[col].tolist(), 2):
                    cell = ws.cell(i, j)
                    is_num = isinstance(value, (int, float)) and not isinstance(value, bool)
                    if is_num and value == value:  # not NaN
                        fmt = number_format(str(col), keys[i - 2])
                        cell.number_format = fmt
                        width = max(width, _shown_width(value, fmt))
                    else:
                        text = "" if value is None or value != value else str(value)
                        width = max(width, min(len(text), 60))
                        if len(text) > 60:
                            cell.alignment = wrap
                head = ws.cell(1, j)
                head.font, head.fill = bold, fill
                ws.column_dimensions[head.column_letter].width = min(60, max(10, width + 2))
            first_text = len(sheet.columns) > 1 and not pd.api.types.is_numeric_dtype(
                sheet[sheet.columns[0]]
            )
            ws.freeze_panes = "B2" if first_text else "A2"
            if len(sheet.columns) and len(sheet):
                ws.auto_filter.ref = ws.dimensions
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
    """The per-account results and the ``TOTAL`` row as CSV: byte for byte what
    ``python -m xmsim run FILE --format csv`` writes (:func:`xmsim.report.stream.results_frame`)."""
    return csv_bytes(results_frame(sim.result))


def results_xlsx(sim: Simulation) -> bytes:
    """Every table of :func:`result_tables` as an XLSX workbook."""
    return xlsx_bytes(result_tables(sim), row_keys={"summary": "key", "views": "item"})


# ------------------------------------------------------------------------------ HTML report
# (the printable report lives in xmsim.report.printable; html_report is re-exported here)


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
