"""Operations: the margin cycle, the two pots and the fallback rule (FAQ Q21)."""

from __future__ import annotations

import streamlit as st

from ui.context import current, ready
from xmsim.arrangement import cycle as operations
from xmsim.arrangement.fallback import account_fallback
from xmsim.report import figures as reporting


def render() -> None:
    """Draw the page."""
    ctx = current()
    sim = ready(ctx)
    if sim is None:
        return
    asof = sim.result.asof
    st.subheader("Margin cycle (Eastern Time)")
    st.caption(operations.cycle_note(asof))
    st.table(operations.cycle_frame(asof).set_index("when (ET)"))
    st.subheader("Two pots, one percentage")
    st.markdown("\n".join(f"- {line}" for line in operations.TWO_POT_REMINDER))
    st.subheader("Fallback (FAQ Q21)")
    accounts = {a.account: a for a in sim.result.accounts}
    name = st.selectbox("Account", list(accounts), key="fb_account")
    a = accounts[name]
    c1, c2 = st.columns(2)
    prior = c1.number_input("Prior day's applied %", 0.0, 100.0, 80.0, 1.0, key="fb_prior")
    prior_comb = c2.number_input(
        "Prior day's combined requirement (USD)",
        0.0,
        value=float(round(getattr(a, sim.result.ficc_model).combined)),
        step=10_000.0,
        key="fb_comb",
    )
    fb = account_fallback(a, sim.result.ficc_model, prior / 100.0, prior_comb)
    st.info(f"Requirement {reporting.fmt_usd(fb.requirement_usd)}: {fb.reason}.")


if __name__ == "__main__":
    render()
