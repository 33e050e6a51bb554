"""History: the saving date after date, which model bound, and how both models held up."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import cached
from ui.context import current, ready
from xmsim.report import figures as reporting
from xmsim.report.history_tables import (
    EVERY_WORDS,
    history_csv,
    history_dates_display,
    history_summary_display,
)
from xmsim.timeline.engine import HistoryRunner, first_full_lookback
from xmsim.timeline.stats import history_backtest, history_frame, history_summary

# Default range: the last six months of the history, weekly (a second or two on the embedded
# market for the samples). A string here would be drawn on the page (Streamlit's magic).
DEFAULT_DAYS = 182


def _range(ctx, lookback_years: float):
    """(first date with a full look-back, last date) of the loaded history, or None after
    saying why no range can be run."""
    market = ctx.market
    history = market.history
    first = first_full_lookback(history, lookback_years)
    last = min(market.asof, history.end)
    if first > last:
        kind = "synthetic embedded" if history.synthetic else "loaded"
        st.warning(
            f"The {kind} history ({history.start:%d %b %Y} to {history.end:%d %b %Y}) is too "
            f"short for the {lookback_years:g}-year look-back: the first date with a full "
            f"look-back is {first:%d %b %Y}, after the last date {last:%d %b %Y}. Load a longer "
            "history in the sidebar or shorten the look-back."
        )
        return None
    return first, last


def _controls(ctx, first: dt.date, last: dt.date):
    """The range and the spacing of the dates (widgets keyed per market: a new history or
    as-of starts from the default range)."""
    key = "|".join(ctx.market_key)
    c1, c2, c3 = st.columns([1, 1, 2])
    start = c1.date_input("From", max(first, last - dt.timedelta(days=DEFAULT_DAYS)),
                          first, last, key=f"hist_from|{key}")  # fmt: skip
    end = c2.date_input("To", last, first, last, key=f"hist_to|{key}")
    every = c3.segmented_control("Dates", list(EVERY_WORDS), default="week",
                                 format_func=lambda e: EVERY_WORDS[e].capitalize(),
                                 key=f"hist_every|{key}")  # fmt: skip
    return start, end, every or "week"


def _run(ctx, sim, portfolio, start: dt.date, end: dt.date, every: str):
    """The history run, computed with a progress bar the first time (then cached)."""
    market = ctx.market
    edited = "|edit:" in ctx.span[1]
    span_choice = "calibrated" if ctx.choices.span == "calibrated" and not edited else None
    key = (*ctx.pkey, ctx.sim_key, start.isoformat(), end.isoformat(), every, span_choice)

    def compute():
        bar = st.progress(0.0, text="Re-dating the book and margining each date…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Margined {done:,} of {total:,} dates…")

        runner = HistoryRunner(portfolio, market.history, sim.config, market.asof, span_choice,
                               basis=market.basis)  # fmt: skip
        try:
            return runner.run(start, end, every, progress=progress)
        finally:
            bar.empty()

    return cached.history_run(key, compute)


def render() -> None:
    """Draw the page."""
    ctx = current()
    portfolio = ready(ctx, "portfolio")
    sim = ready(ctx, "simulator") if portfolio is not None else None
    if sim is None:
        return
    st.caption(
        "The same book asked the same question on every date of the history: cash keeps its "
        "time to maturity, each future its place in the strip. An estimate, not either CCP's "
        "official requirement."
    )
    bounds = _range(ctx, sim.config.var.lookback_years)
    if bounds is None:
        return
    start, end, every = _controls(ctx, *bounds)
    if start > end:
        st.error("“From” is after “To”: swap the two dates.")
        return
    try:
        run = _run(ctx, sim, portfolio, start, end, every)
    except ValueError as exc:
        st.error(str(exc))
        return
    frame = history_frame(run)
    summ, back = history_summary(run, frame), history_backtest(run, frame)
    cap = run.points[0].result.settings.cap
    cards = (
        ("Mean applied %", reporting.fmt_pct(summ["applied"]["mean"])),
        ("Lowest applied %", reporting.fmt_pct(summ["applied"]["min"])),
        ("Mean dollars saved", reporting.fmt_usd(summ["savings_usd"]["mean"])),
    )
    for col, (label, value) in zip(st.columns(3), cards, strict=True):
        col.metric(label, value, border=True)
    st.plotly_chart(reporting.history_savings_figure(frame, cap), key="hist_savings")
    st.plotly_chart(reporting.history_dollars_figure(frame), key="hist_dollars")
    st.subheader("Summary")
    table = history_summary_display(summ, back)
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
    st.caption(
        f"Book stated on {run.book_date:%d %b %Y}; {run.rule}. Backtests: {back['note']}; "
        "the SPAN test's expected rate is ASSUMED."
    )
    with st.expander(f"Every date ({len(frame):,})"):
        st.dataframe(history_dates_display(frame), hide_index=True, width="stretch")
    st.download_button(
        "History (CSV)",
        history_csv(frame),
        f"xmsim_history_{start:%Y%m%d}_{end:%Y%m%d}_{every}.csv",
        "text/csv",
        key="hist_csv",
        on_click="ignore",
    )


if __name__ == "__main__":
    render()
