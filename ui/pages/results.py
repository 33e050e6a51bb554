"""Results: the headline, both CCPs' views, the charts and the ineligible positions."""

from __future__ import annotations

import streamlit as st

from ui import cached
from ui.context import current, ready
from ui.widgets import accounts_table, headline_cards
from xmsim.report import figures as reporting


def render() -> None:
    """Draw the page."""
    ctx = current()
    sim = ready(ctx)
    if sim is None:
        return
    result = sim.result
    if ctx.rejected:
        st.warning(
            f"{ctx.rejected} rows were rejected and are not margined: see the Portfolio page."
        )
    st.caption(
        f"As of {result.asof:%d %b %Y} · **{result.settings.arrangement}** arrangement · "
        f"{len(sim.portfolio)} positions · FICC = {result.ficc_model.upper()} model, "
        f"CME = {result.cme_model.upper()} model · an estimate, not either CCP's "
        "official requirement"
    )
    headline_cards(result)
    st.info(reporting.explain(result), icon=":material/lightbulb:")
    figs = cached.figures(*ctx.pkey, ctx.sim_key, sim)
    left, right = st.columns([5, 6])
    with left:
        st.subheader("FICC's view vs CME's view")
        st.dataframe(reporting.display_views(result), width="stretch")
        st.caption(
            "Each CCP margins both legs and the combined portfolio with its own model; "
            "both then apply the lower savings percentage to their own leg."
        )
    right.plotly_chart(figs["Waterfall"], width="stretch")
    if len(result.accounts) > 1:
        accounts_table(result)
    _charts(sim, figs)
    _ineligible(result)


def _charts(sim, figs: dict) -> None:
    left, right = st.columns(2)
    left.plotly_chart(figs["DV01 ladder"], width="stretch")
    if "VaR scenarios" in figs:
        right.plotly_chart(figs["VaR scenarios"], width="stretch")
        with right.expander("Worst VaR scenarios (dates)"):
            st.dataframe(
                sim.var_detail.worst(10),
                hide_index=True,
                width="stretch",
                column_config={
                    "pnl_usd": st.column_config.NumberColumn("P&L (USD)", format="dollar")
                },
            )
    if sim.span_detail is not None:
        s = sim.span_detail
        st.plotly_chart(figs["SPAN scenarios"], width="stretch")
        with st.expander(f"SPAN components ({s.params_label}; {s.shown} shown)"):
            st.dataframe(s.to_frame(), hide_index=True, width="stretch")


def _ineligible(result) -> None:
    st.subheader("Ineligible positions")
    inel = reporting.ineligible_frame(result)
    if len(inel):
        st.caption("Kept and margined standalone at their home CCP; never part of the offset.")
        st.dataframe(inel, hide_index=True, width="stretch")
    else:
        st.caption("None: every position is eligible for the arrangement.")


if __name__ == "__main__":
    render()
