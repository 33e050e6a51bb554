"""Results: the headline, both CCPs' views, then one combined portfolio in detail (charts,
components, contributions) picked by account, and the ineligible positions."""

from __future__ import annotations

import streamlit as st

from ui import cached
from ui.context import current, ready
from ui.widgets import accounts_table, headline_cards, table_with_total
from xmsim.arrangement.pots import reading_text
from xmsim.report import drill
from xmsim.report import figures as reporting
from xmsim.report.tables import POOLED_OPTION, account_type_text


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
    st.caption(_run_line(sim))
    spare = headline_cards(result)
    several = len(result.accounts) > 1
    (spare or st).info(reporting.explain(result), icon=":material/lightbulb:")
    if several:
        st.caption(reporting.effective_note(result))
    left, right = st.columns([5, 6])
    with left:
        st.subheader(
            f"All {len(result.accounts)} combined portfolios: FICC's view vs CME's view"
            if several
            else "FICC's view vs CME's view"
        )
        st.table(reporting.display_views(result))
        summed = (
            " Sums over the combined portfolios; savings % weighted by each view's savings base."
            if several
            else ""
        )
        st.caption(
            "Each CCP margins both legs and the combined portfolio with its own model; "
            "both then apply the lower savings percentage to their own leg." + summed
        )
    figs = cached.figures(*ctx.pkey, ctx.sim_key, sim.detail_account, sim)
    right.plotly_chart(figs["Waterfall"], width="stretch")
    if several:
        accounts_table(result)
    _detail(ctx, several)
    _ineligible(result)


def _run_line(sim) -> str:
    result, ms = sim.result, sim.result.model_settings
    return (
        f"As of {result.asof:%d %b %Y} · {reading_text(result.reading)} · "
        f"{len(sim.portfolio)} positions · FICC = {result.ficc_model.upper()} model, "
        f"CME = {result.cme_model.upper()} model · CME {account_type_text(ms)}, "
        f"{ms.get('span_shown', 'initial')} shown · an estimate, not either CCP's official "
        "requirement"
    )


def _detail(ctx, several: bool) -> None:
    """One combined portfolio (or the labelled pooled view): every chart and table below
    is for it."""
    result = ctx.sim.result
    account = ctx.detail_account  # first: keeps the picker's stored value one of its options
    if several:
        st.divider()
        st.subheader("One combined portfolio in detail")
        by_name = {a.account: a for a in result.accounts}
        st.selectbox(
            "Combined portfolio (charts, components and contributions below are for it)",
            ctx.detail_options(),
            key="detail_account",
            format_func=lambda n: _option(by_name.get(n), n),
        )
        account = ctx.detail_account
    dsim = ctx.detail_sim
    if several:
        if account is None:
            st.warning(
                f"Pooled view: {dsim.detail_label}. Its margins are not any CCP's figure.",
                icon=":material/merge:",
            )
        else:
            st.info(reporting.account_explain(result, account), icon=":material/person:")
            one = reporting.account_result(result, account)
            st.table(reporting.display_views(one))
    figs = cached.figures(*ctx.pkey, ctx.sim_key, account, dsim)
    _charts(dsim, figs)
    _contributions(dsim)


def _option(a, name: str) -> str:
    if a is None:
        return f"{POOLED_OPTION} (not a margined portfolio)"
    return (
        f"{a.account} · {a.pot} · {reporting.fmt_usd_compact(a.total_before)} → "
        f"{reporting.fmt_usd_compact(a.total_after)} · applied {reporting.fmt_pct(a.applied)}"
    )


def _charts(sim, figs: dict) -> None:
    left, right = st.columns(2)
    left.plotly_chart(figs["DV01 ladder"], width="stretch")
    if "VaR scenarios" in figs:
        right.plotly_chart(figs["VaR scenarios"], width="stretch")
        with right.expander("Worst VaR scenarios (dates)"):
            st.dataframe(
                sim.var_detail.worst(10).round({"pnl_usd": 0}),
                hide_index=True,
                width="stretch",
                column_config={
                    "rank": st.column_config.NumberColumn("Rank", format="%d"),
                    "start": st.column_config.TextColumn("From"),
                    "end": st.column_config.TextColumn("To"),
                    "pnl_usd": st.column_config.NumberColumn("P&L (USD)", format="localized"),
                    "stress_window": st.column_config.CheckboxColumn("Stressed window"),
                },
            )
    if sim.span_detail is not None:
        s = sim.span_detail
        st.plotly_chart(figs["SPAN scenarios"], width="stretch")
        with st.expander(f"SPAN components ({s.params_label}; {s.shown} shown)"):
            st.dataframe(
                s.to_frame().round({"amount_usd": 0}),
                hide_index=True,
                width="stretch",
                column_config={
                    "component": st.column_config.TextColumn("Component"),
                    "name": st.column_config.TextColumn("Contract / spread"),
                    "amount_usd": st.column_config.NumberColumn("USD", format="localized"),
                },
            )


def _contributions(sim) -> None:
    st.subheader("Contributions to each model's margin")
    frame = drill.position_contributions(sim)
    if not len(frame):
        st.caption("No eligible positions in this portfolio.")
        return
    v, s = sim.var_detail, sim.span_detail
    st.caption(
        f"Per position of {sim.detail_label}: its component VaR (its loss in the scenarios "
        "that set the quantile, plus its share of any floor or add-on) and its SPAN "
        "attribution (its share of scan risk, spreads and credits); each column sums to "
        f"that model's margin, VaR {reporting.fmt_usd(v.margin_usd)} and SPAN "
        f"{reporting.fmt_usd(s.margin_usd)}. Incremental VaR (the change if the position "
        "were removed) does not add up. Click a header to sort; the TOTAL stays below."
    )
    table_with_total(
        drill.round_usd(frame),
        drill.round_usd(drill.total_row(frame, "position")),
        drill.LABELS,
        "contrib",
    )


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
