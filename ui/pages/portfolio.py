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
    if loaded.aliases:
        st.caption("Columns read: " + "; ".join(loaded.alias_notes()) + ".")
    hand = ctx.source_key == "hand"
    st.subheader("Build the book by hand" if hand else "Positions")
    st.caption(
        "One row per position, the template's columns: product FUTURE with contract and month "
        "(negative = short), or UST / REPO / REVERSE_REPO with face, coupon and maturity. Add "
        "rows at the bottom (+), delete them (select, then the bin); each line is checked as "
        "you type and margined at once, on every page."
        if hand
        else "Edit any cell, add rows at the bottom or delete them (select, then the bin). "
        "Edits are margined at once, on every page."
    )
    source, texts, frames = ctx.source_key, stored("grid"), stored("grid_frame")
    bases = stored("grid_base")
    fresh = not stay_on_page() or st.session_state.get("_grid_source") != source
    st.session_state["_grid_source"] = source
    if fresh or source not in bases:  # a fresh visit (or another source) starts from the store
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
        _line_issues(final)
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


def _line_issues(final) -> None:
    """The grid's problems, one message per cell, by grid line (1 = the first line)."""
    if not final.issues:
        st.success(f"{len(final.portfolio)} positions, every line valid.")
        return
    frame = final.to_frame()
    frame.insert(0, "line", frame.pop("row") - 1)
    bad = len(final.rejected_rows)
    (st.error if final.errors else st.warning)(
        f"{len(final.portfolio)} positions valid; "
        + (f"lines left out: {', '.join(str(r - 1) for r in final.rejected_rows)}" if bad
           else "warnings only")
        + ". Fix the cells named below."
    )  # fmt: skip
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={"message": st.column_config.TextColumn("message", width="large")},
    )


if __name__ == "__main__":
    render()
