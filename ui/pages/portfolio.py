"""Portfolio: the loaded rows in an editable grid; edits are margined on every page."""

from __future__ import annotations

import streamlit as st

from ui.context import current
from ui.state import digest, stay_on_page, stored
from ui.widgets import GRID_COLUMNS, grid_frame, issues_table
from xmsim.report import files as exports
from xmsim.upload.loader import portfolio_to_frame


def render() -> None:
    """Draw the page."""
    ctx = current()
    loaded = ctx.loaded
    if loaded is None:
        st.info("Choose a file to upload or paste rows in the sidebar.")
        return
    issues_table(loaded, "Loading")
    st.subheader("Positions")
    st.caption(
        "Edit any cell, add rows at the bottom or delete them (select, then the bin). "
        "Edits are margined at once, on every page."
    )
    source, texts, frames = ctx.source_key, stored("grid"), stored("grid_frame")
    bases = stored("grid_base")
    if not stay_on_page() or source not in bases:  # a fresh visit starts from the last edits
        bases[source] = (texts.get(source), frames.get(source))
    base_text, base_frame = bases[source]
    frame = grid_frame(loaded) if base_frame is None else base_frame
    key = f"grid-{source}-{ctx.market.asof}-{digest(base_text or '')}"
    edited = st.data_editor(
        frame,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        column_config=GRID_COLUMNS,
        width="stretch",
        placeholder="",
    )
    changes = st.session_state.get(key) or {}
    if any(changes.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        texts[source] = edited.dropna(how="all").to_csv(index=False)
        frames[source] = edited
    final = ctx.final
    if final is not loaded:
        issues_table(final, "Edited grid (row = grid line + 1)")
        if st.button("Discard the edits", key="grid_discard"):
            for store in (texts, frames, bases):
                store.pop(source, None)
            st.rerun()
    st.download_button(
        "Download this portfolio (CSV)",
        exports.csv_bytes(portfolio_to_frame(final.portfolio)),
        "portfolio.csv",
        "text/csv",
        on_click="ignore",
    )


if __name__ == "__main__":
    render()
