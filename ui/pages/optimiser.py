"""Optimiser: integer futures trades that minimise the total requirement after cross-margining."""

from __future__ import annotations

import streamlit as st

from ui import cached
from ui.context import current, ready
from ui.widgets import pct_columns, usd_columns
from xmsim.contracts import contract_codes
from xmsim.report import figures as reporting


def render() -> None:
    """Draw the page."""
    ctx = current()
    simulator = ready(ctx, "simulator")
    portfolio = simulator and ready(ctx, "portfolio")
    if simulator is None or portfolio is None:
        return
    st.subheader("Best hedge under the arrangement")
    st.caption(
        "Integer futures trades that minimise the total requirement after cross-margining, "
        "against the naive DV01-neutral hedge; every number is Simulator.arrangement's."
    )
    c1, c2, c3 = st.columns(3)
    if "opt_codes" not in st.session_state:
        st.session_state["opt_codes"] = ["ZN"]
    chosen = c1.multiselect("Hedge contracts", list(contract_codes()), key="opt_codes")
    cap = c2.number_input("Max contracts (0 = no limit)", 0, 1_000_000, key="opt_max")
    account = None
    if simulator.config.arrangement.arrangement != "house" and len(portfolio.accounts) > 1:
        account = c3.selectbox("Account to hedge", portfolio.accounts, key="opt_account")
    if not chosen or not st.toggle("Run the optimiser", key="opt_on"):
        return
    try:
        best = cached.optimise(
            *ctx.pkey, ctx.sim_key, tuple(chosen), cap or None, account, simulator, portfolio
        )
    except (ValueError, KeyError) as exc:
        st.error(f"Optimiser: {exc}")
        return
    _show(best)
    if best.trades and st.button(
        "Apply this hedge in the what-if", key="opt_apply", type="primary"
    ):
        st.session_state["applied_hedge"] = best.trades
        st.switch_page("ui/pages/whatif.py")


def _show(best) -> None:
    m1, m2, m3 = st.columns(3)
    m1.metric("Total now", reporting.fmt_usd(best.margin_before_usd), border=True)
    m2.metric(
        "Total with the best hedge",
        reporting.fmt_usd(best.margin_after_usd),
        reporting.fmt_usd(-best.saving_usd),
        delta_color="inverse",
        border=True,
    )
    m3.metric(
        "Better than DV01-neutral by", reporting.fmt_usd(best.saving_vs_naive_usd), border=True
    )
    frame = best.to_frame()
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            **usd_columns(c for c in frame.columns if c.endswith("_usd")),
            **pct_columns(("savings_ficc_model", "savings_cme_model", "applied")),
        },
    )
    st.dataframe(best.trades_frame(), hide_index=True)
    for note in best.notes:
        st.caption(note)


if __name__ == "__main__":
    render()
