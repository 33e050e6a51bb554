"""Shared widgets: badges, metric cards, grid column configurations and issue tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from xmsim.contracts import contract_codes
from xmsim.portfolio import PRODUCTS
from xmsim.report import figures as reporting
from xmsim.upload.loader import LoadResult, portfolio_to_frame


def assumed(text: str, where=st) -> None:
    """An ASSUMED badge: a modelling default where no public figure exists."""
    where.caption(f":orange-badge[ASSUMED] {text}")


def sourced(text: str, where=st) -> None:
    """A SRC badge: a public fact, with its source."""
    where.caption(f":blue-badge[SRC] {text}")


def usd_columns(columns) -> dict:
    """Dollar number formats for the named columns."""
    return {c: st.column_config.NumberColumn(c, format="dollar") for c in columns}


def pct_columns(columns) -> dict:
    """Percent number formats for the named columns (fractions shown as %)."""
    return {c: st.column_config.NumberColumn(c, format="percent") for c in columns}


GRID_COLUMNS = {
    "account": st.column_config.TextColumn("account", help="empty = HOUSE"),
    "product": st.column_config.SelectboxColumn("product", options=PRODUCTS, required=True),
    "quantity": st.column_config.NumberColumn(
        "quantity", format="localized", help="face in USD, or contracts"
    ),
    "coupon": st.column_config.NumberColumn(
        "coupon (%)", min_value=0.0, max_value=20.0, format="%.3f"
    ),
    "maturity": st.column_config.DateColumn("maturity", format="YYYY-MM-DD"),
    "cusip": st.column_config.TextColumn("cusip", max_chars=9),
    "issue_date": st.column_config.DateColumn("issue date", format="YYYY-MM-DD"),
    "price": st.column_config.NumberColumn("price", format="%.4f"),
    "end_date": st.column_config.DateColumn("repo end", format="YYYY-MM-DD"),
    "contract": st.column_config.SelectboxColumn("contract", options=contract_codes()),
    "expiry": st.column_config.DateColumn("contract month", format="MMM YYYY"),
    "label": st.column_config.TextColumn("label", width="large"),
}


def grid_frame(loaded: LoadResult) -> pd.DataFrame:
    """The upload-format frame with real dates, ready for the grid's date pickers."""
    frame = portfolio_to_frame(loaded.portfolio)
    for col in ("quantity", "coupon", "price"):  # numbers even when the grid starts empty
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in ("maturity", "issue_date", "end_date", "expiry"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce").dt.date
    return frame


def issues_table(result: LoadResult, title: str) -> None:
    """The load's errors and warnings: one line of summary and a table of row/column/fix."""
    if not result.issues:
        return
    errors, warnings = len(result.errors), len(result.warnings)
    box = st.error if errors else st.warning
    box(f"{title}: {result.summary()}. Rows with errors are left out; valid rows are used.")
    with st.expander(
        f"{errors} errors, {warnings} warnings: row, column, value and fix", expanded=bool(errors)
    ):
        st.dataframe(result.to_frame(), hide_index=True, width="stretch")


HELP = {
    "ficc_standalone": "FICC's margin on the FICC-eligible leg alone (VaR model).",
    "cme_standalone": "CME's margin on the CME-eligible leg alone (SPAN model).",
    "savings_ficc_model": "1 − combined / standalone under FICC's model.",
    "savings_cme_model": "1 − combined / standalone under CME's model.",
    "applied": "The lower of the two savings, capped (80%); 0 if either model finds none.",
    "ficc_requirement": "FICC standalone × (1 − applied).",
    "cme_requirement": "CME standalone × (1 − applied).",
    "savings_usd": "Total before − total after (ineligible rows unchanged).",
}


def headline_cards(result) -> None:
    """The eight headline figures as metric cards, four a row."""
    cards = reporting.headline(result)
    for row in (cards[:4], cards[4:]):
        for col, (key, label, value) in zip(st.columns(4), row, strict=True):
            col.metric(label, value, help=HELP[key], border=True)


ACCOUNT_USD = ("var_ficc_leg", "var_cme_leg", "var_combined", "span_ficc_leg", "span_cme_leg",
               "span_combined", "ficc_requirement", "cme_requirement", "ineligible_margin",
               "total_before", "total_after", "savings_usd")  # fmt: skip


def accounts_table(result) -> None:
    """The per-account table of a customer run, with the total as its last row."""
    st.subheader("Accounts (customer arrangement: each account is its own combined portfolio)")
    st.dataframe(
        reporting.accounts_frame(result),
        hide_index=True,
        width="stretch",
        column_config={
            **usd_columns(ACCOUNT_USD),
            **pct_columns(("var_savings", "span_savings", "applied")),
        },
    )
    st.caption("Click a column header to sort. The last row is the total.")
