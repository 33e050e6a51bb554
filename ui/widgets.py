"""Shared widgets: badges, metric cards, grid column configurations and issue tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from xmsim.contracts import contract_codes
from xmsim.portfolio import PRODUCTS
from xmsim.report import drill
from xmsim.report import figures as reporting
from xmsim.upload.loader import LoadResult, portfolio_to_frame


def assumed(text: str, where=st) -> None:
    """An ASSUMED badge: a modelling default where no public figure exists."""
    where.caption(f":orange-badge[ASSUMED] {text}")


def sourced(text: str, where=st) -> None:
    """A SRC badge: a public fact, with its source."""
    where.caption(f":blue-badge[SRC] {text}")


def metric_delta(text: str | None) -> str | None:
    """A signed change for ``st.metric``'s delta: Streamlit reads the direction of its arrow
    from a leading ASCII "-", so the typographic minus of the tables is swapped for it."""
    return None if text is None else text.replace("−", "-", 1)


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


CARD_ROWS = (  # the headline cards' rows (keys of reporting.CARD_KEYS) and column widths
    (("ficc_standalone", "cme_standalone", "total"), (1, 1, 2)),
    (("savings_ficc_model", "savings_cme_model", "applied", "savings_usd"), (1, 1, 1, 1)),
    (("ficc_requirement", "cme_requirement"), (1, 1, 2)),
)


def headline_cards(result):
    """The headline as metric cards: compact dollars ($27.3m), the exact figure and the
    definition on hover; total before → after as a double-width card. Returns the empty
    double-width column beside the last row (for the explanation)."""
    cards = {c.key: c for c in reporting.headline_cards(result)}
    spare = None
    for keys, widths in CARD_ROWS:
        cols = st.columns(widths)
        for col, key in zip(cols, keys, strict=False):
            card = cards[key]
            col.metric(card.label, card.value, help=card.help, border=True)
        spare = cols[len(keys)] if len(cols) > len(keys) else None
    return spare


def frame_config(frame: pd.DataFrame, labels: dict[str, str]) -> dict:
    """Column configs for a drill-down frame: ``*_usd`` whole dollars, ``*_share`` and
    percentages as %, the rest under their people's header."""
    config = {}
    for col in frame.columns:  # fixed widths: a TOTAL table below lines up with the rows
        label = labels.get(col, col)
        if col.endswith("_usd"):
            config[col] = st.column_config.NumberColumn(label, format="localized", width=160)
        elif col.endswith("_share") or col in ("var_savings", "span_savings", "applied"):
            config[col] = st.column_config.NumberColumn(label, format="percent", width=115)
        elif col == "row":
            config[col] = st.column_config.NumberColumn(label, format="%d", width=55)
        else:
            width = WIDE.get(col, 110)
            config[col] = st.column_config.TextColumn(label, width=width)
    return config


WIDE = {"account": 210, "position": 230, "why": 330, "leg": 120, "pot": 80,
        "span_account_type": 140, "span_group": 130}  # fmt: skip


def table_with_total(frame: pd.DataFrame, total: pd.DataFrame, labels: dict, key: str) -> None:
    """A sortable table and, pinned below it whatever the sort, its TOTAL row."""
    config = frame_config(frame, labels)
    height = min(36 * (len(frame) + 1) + 3, 420)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config,
                 key=f"{key}_rows", height=height)  # fmt: skip
    st.dataframe(total, hide_index=True, width="stretch", column_config=config,
                 key=f"{key}_total")  # fmt: skip


def accounts_table(result) -> None:
    """The per-account table of a run with several combined portfolios, TOTAL pinned below."""
    st.subheader("Combined portfolios: each is margined on its own")
    table_with_total(
        drill.accounts_display(result), drill.accounts_total(result), drill.LABELS, "accounts"
    )
    st.caption(
        "Click a column header to sort; the TOTAL stays below. Each model's combined margin "
        "adds up over the portfolios (one never offsets another); the savings in the TOTAL "
        "are weighted by each model's savings bases, the applied % is the effective one."
    )
