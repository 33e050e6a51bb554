"""Settings & assumptions: every modelling assumption, and the SPAN parameters, editable."""

from __future__ import annotations

import streamlit as st

from ui.context import current, ready
from ui.state import digest, stay_on_page, stored
from ui.widgets import assumed
from xmsim.engines.span.params_io import load_span_params
from xmsim.report import figures as reporting


def render() -> None:
    """Draw the page: the SPAN editor first (its edits feed this run), then the assumptions."""
    ctx = current()
    assumptions = st.container()
    _span_editor(ctx)
    sim = ready(ctx)
    if sim is None:
        return
    with assumptions:
        st.subheader("Assumptions")
        r, market = sim.result, ctx.market
        frame = reporting.assumptions_frame(
            r.model_settings,
            r.history,
            market.curve.label,
            market.history.synthetic,
            r.settings.arrangement,
            r.settings.cap,
            r.settings.savings_basis,
        )
        st.table(frame.set_index("setting"))
        for note in market.notes:
            st.caption(note)


def _span_editor(ctx) -> None:
    """The SPAN parameter set in an editable grid; accepted edits are stored for every page."""
    c = ctx.choices
    if c.span == "uploaded" and not c.span_file:
        st.info("Upload a SPAN parameter file in the sidebar; the illustrative default is used.")
    base, key = ctx.base_span
    st.subheader("SPAN parameters")
    st.caption(
        f"**{base.label}**. Status SRC = public source, ASSUMED = modelling default, "
        "CALIBRATED = from the history, USER = yours."
    )
    if "illustrative" in base.label.lower():
        assumed("illustrative, not official CME levels.")
    edits, bases = stored("span"), stored("span_base")
    if not stay_on_page() or key not in bases:  # a fresh visit starts from the last edits
        bases[key] = edits.get(key)
    start = bases[key]
    frame = base.to_frame() if start is None else load_span_params(start).to_frame()
    edit_key = f"span-editor-{key}-{digest(start or '')}"
    edited = st.data_editor(
        frame,
        key=edit_key,
        hide_index=True,
        width="stretch",
        disabled=("table", "key", "field"),
        height=300,
    )
    changes = st.session_state.get(edit_key) or {}
    if changes.get("edited_rows"):
        text = edited.to_csv(index=False)
        try:
            load_span_params(text)
            edits[key] = text
        except (ValueError, KeyError) as exc:
            st.error(f"Edited SPAN parameters rejected, the unedited set is used: {exc}")
            edits.pop(key, None)
    if key in edits:
        st.success("Edited parameters in use.")
        if st.button("Restore the unedited parameters", key="span_restore"):
            edits.pop(key, None)
            bases.pop(key, None)
            st.rerun()


if __name__ == "__main__":
    render()
