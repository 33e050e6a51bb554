"""What-if: the hedge-ratio slider, the optimiser's applied hedge and the DV01-neutral hedge."""

from __future__ import annotations

import streamlit as st

from ui import cached
from ui.context import current, ready
from xmsim import whatif
from xmsim.contracts import contract_table
from xmsim.report import figures as reporting
from xmsim.simulate import dv01_neutral_hedge

LARGE = 300  # positions above which the hedge-ratio sweep waits for a click


def render() -> None:
    """Draw the page."""
    ctx = current()
    sim = ready(ctx)
    if sim is None:
        return
    leg, ratio = _slider(ctx, sim.result)
    portfolio = ctx.portfolio
    if len(portfolio) <= LARGE or st.session_state.get("sweep_go"):
        sweep = cached.sweep(*ctx.pkey, ctx.sim_key, leg, ctx.simulator, portfolio)
        fig = cached.sweep_figure(*ctx.pkey, ctx.sim_key, leg, ratio, sweep)
        st.plotly_chart(fig, width="stretch")
    else:
        st.button(
            f"Compute the hedge-ratio chart ({len(whatif.DEFAULT_RATIOS)} runs of "
            f"{len(portfolio):,} positions)",
            key="sweep_go",
        )
    _applied(ctx, sim.result)
    _dv01_hedge(ctx, sim)


def _slider(ctx, base):
    left, right = st.columns([1, 2])
    with left:
        st.subheader("Hedge ratio")
        leg = st.radio(
            "Scale",
            ("futures", "cash"),
            key="leg",
            horizontal=True,
            help="Multiply every future (whole contracts) or every cash Treasury "
            "and repo by the ratio; other rows unchanged.",
        )
        ratio = st.slider("Ratio (1 = as loaded)", 0.0, 2.0, step=0.05, key="ratio")
        scaled = whatif.scale_leg(ctx.portfolio, ratio, leg)
        res = cached.arrangement(
            *ctx.pkey, ctx.sim_key, f"scale:{leg}:{ratio}", ctx.simulator, scaled
        )
        cmp = whatif.compare(base, res).set_index("key")
        s = reporting.summary(res)
        st.metric(
            "What-if applied %",
            reporting.fmt_pct(s["applied"]),
            f"{cmp.loc['applied', 'change'] * 100:+.2f} pp" if res != base else None,
            border=True,
        )
        st.metric(
            "What-if total margin",
            reporting.fmt_usd(s["total_after"]),
            reporting.fmt_usd(cmp.loc["total_after", "change"]) if res != base else None,
            delta_color="inverse",
            border=True,
        )
    with right:
        st.subheader("Base vs what-if")
        st.dataframe(reporting.compare_display(cmp.reset_index()), width="stretch")
        st.caption(f"What-if: {leg} × {ratio:g}. " + reporting.explain(res))
    return leg, ratio


def _applied(ctx, base) -> None:
    applied = st.session_state.get("applied_hedge")
    if not applied:
        return
    st.subheader("Optimiser's hedge (applied)")
    sides = [("BUY" if t.quantity > 0 else "SELL", abs(int(t.quantity)), t) for t in applied]
    st.markdown("; ".join(f"**{side} {n:,} {t.description}**" for side, n, t in sides))
    hedged = cached.arrangement(
        *ctx.pkey, ctx.sim_key, repr(applied), ctx.simulator,
        whatif.with_trades(ctx.portfolio, applied),
    )  # fmt: skip
    st.dataframe(reporting.compare_display(whatif.compare(base, hedged)), width="stretch")
    if st.button("Clear the applied hedge", key="opt_clear"):
        del st.session_state["applied_hedge"]
        st.rerun()


def _dv01_hedge(ctx, sim) -> None:
    st.subheader("DV01-neutral hedge")
    codes = [c.code for c in contract_table().values()]
    if st.session_state.get("hedge_contract") not in codes:
        st.session_state["hedge_contract"] = "ZN"
    code = st.columns(4)[0].selectbox("Hedge with", codes, key="hedge_contract")
    trade = dv01_neutral_hedge(sim, code)
    n = int(trade.quantity)
    if n == 0:
        st.success(f"The eligible book is already DV01-neutral to within one {code} contract.")
        return
    st.markdown(
        f"**Trade: {'BUY' if n > 0 else 'SELL'} {abs(n):,} {trade.description}** "
        "to flatten the DV01 of the eligible legs."
    )
    hedged = cached.arrangement(
        *ctx.pkey, ctx.sim_key, repr(trade), ctx.simulator, whatif.with_trade(ctx.portfolio, trade)
    )
    st.dataframe(reporting.compare_display(whatif.compare(sim.result, hedged)), width="stretch")


if __name__ == "__main__":
    render()
