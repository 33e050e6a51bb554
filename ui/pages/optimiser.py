"""Optimiser: integer futures trades that minimise the total requirement after cross-margining."""

from __future__ import annotations

import streamlit as st

from ui import cached
from ui.context import current, ready
from ui.state import bind
from ui.widgets import metric_delta
from xmsim.contracts import contract_codes
from xmsim.report import figures as reporting
from xmsim.report.optimiser import hedge_display, trades_display, versus_naive_text
from xmsim.report.scenarios import fmt_usd_change


def render() -> None:
    """Draw the page."""
    ctx = current()
    simulator = ready(ctx, "simulator")
    portfolio = simulator and ready(ctx, "portfolio")
    if simulator is None or portfolio is None:
        return
    st.subheader("Best hedge under the arrangement")
    st.caption(
        "Whole futures contracts, in every listed month of the contracts you pick, that "
        "minimise the total margin after cross-margining, compared with the plain DV01-neutral "
        "hedge in the first contract picked. Each total is a full run of both models and the "
        "arrangement on the hedged book."
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
        what = "The optimiser's hedge (" + "; ".join(_side(t) for t in best.trades) + ")"
        bind("hedge", best.trades, ctx.fingerprint, what)
        st.switch_page("ui/pages/whatif.py")


def _side(t) -> str:
    return f"{'BUY' if t.quantity > 0 else 'SELL'} {abs(int(t.quantity)):,} {t.description}"


def _show(best) -> None:
    saving = best.saving_usd
    word, _ = best.versus_naive()
    m1, m2, m3 = st.columns(3)
    m1.metric("Total margin now", reporting.fmt_usd(best.margin_before_usd), border=True)
    m2.metric(
        "Total with the best hedge",
        reporting.fmt_usd(best.margin_after_usd),
        metric_delta(fmt_usd_change(-saving)) if round(saving) else None,
        delta_color="inverse",
        border=True,
        help="Lower is better: the change is the best hedge's total minus today's.",
    )
    gap = reporting.fmt_usd(abs(best.saving_vs_naive_usd))
    m3.metric(
        {"lower": "Less than DV01-neutral by", "higher": "More than DV01-neutral by",
         "equal": "Against DV01-neutral"}[word],
        "Same total" if word == "equal" else gap,
        border=True,
        help=versus_naive_text(best),
    )  # fmt: skip
    st.caption(versus_naive_text(best) + f". Months searched: {best.searched()}.")
    if best.trades:
        st.markdown("**Trades to add**")
        st.dataframe(trades_display(best), hide_index=True)
    else:
        st.success("No trade lowers the total margin: the book is best as it is.")
    st.dataframe(hedge_display(best), hide_index=True, width="stretch")
    for note in best.notes:
        st.caption(note[0].upper() + note[1:] + ("" if note.endswith(".") else "."))


if __name__ == "__main__":
    render()
