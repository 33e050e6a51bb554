"""What-if: the hedge slider and ad-hoc trades on top of the book, saved scenarios side by side,
the hedge-ratio chart, the optimiser's applied hedge and the DV01-neutral hedge.

Every number is the library's (``xmsim.whatif``); this page only lays them out. Trades and
scenarios are stored per book (a digest of its positions): they never follow you to another one.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from ui import cached
from ui.context import current, ready
from ui.state import bound, digest, stay_on_page, stored, unbind
from ui.widgets import GRID_COLUMNS, metric_delta
from xmsim import whatif
from xmsim.contracts import contract_table
from xmsim.portfolio import PRODUCTS, Portfolio
from xmsim.report import figures as reporting
from xmsim.report.scenarios import (
    effect_text,
    fmt_pp_change,
    fmt_usd_change,
    scenario_display,
)
from xmsim.simulate import dv01_neutral_hedge
from xmsim.upload.loader import portfolio_to_frame

LARGE = 100  # positions above which the hedge-ratio sweep (17 runs) waits for a click
AS_LOADED = "Book as loaded (current settings)"
TRADE_ORDER = ("product", "side", "quantity", "contract", "expiry", "coupon", "maturity",
               "end_date", "account", "label")  # fmt: skip
TRADE_GRID = {
    **{k: GRID_COLUMNS[k] for k in whatif.TRADE_COLUMNS if k not in ("expiry", "side")},
    "side": st.column_config.SelectboxColumn(
        "side", options=("BUY", "SELL"), help="optional: BUY / SELL with an unsigned quantity"
    ),
    "product": st.column_config.SelectboxColumn(
        "product", options=PRODUCTS, default="FUTURE", required=True
    ),
    "expiry": st.column_config.TextColumn("contract month", help="2026-12, Dec-26 or ZNZ6"),
}


def book_key(ctx) -> str:
    """The book the trades and scenarios belong to (its positions, as plain values)."""
    return ctx.fingerprint


def render() -> None:
    """Draw the page."""
    ctx = current()
    sim = ready(ctx)
    if sim is None:
        return
    key = book_key(ctx)
    if st.session_state.pop("_demo_hedge", False) and not stored("trades").get(key):
        add_trade(key, dv01_neutral_hedge(sim, "ZN"))  # the demo story's step 3
    st.subheader("Build a what-if")
    st.caption(
        "Scale a leg of the book and add trades on top of it (the book itself is not edited: "
        "use the Portfolio page for that). Trades belong to this book only."
    )
    left, right = st.columns([1, 2])
    with left:
        leg, ratio = _slider()
    with right:
        trades = _trades(ctx, key)
    change = whatif.WhatIf(leg, ratio, tuple(trades.portfolio))
    res = sim.result
    if not change.is_identity:
        res = cached.arrangement(
            *ctx.pkey, ctx.sim_key, f"whatif:{digest(repr(change))}", ctx.simulator,
            change.apply(ctx.portfolio),
        )  # fmt: skip
    _effect(sim.result, res, change)
    _scenarios(ctx, key, change, res)
    _sweep(ctx, leg, ratio, key)
    _applied(ctx, sim.result)
    _dv01_hedge(ctx, sim, key)


def _slider():
    st.markdown("**Hedge ratio**")
    leg = st.radio(
        "Scale",
        ("futures", "cash"),
        key="leg",
        horizontal=True,
        help="Multiply every future (whole contracts) or every cash Treasury and repo by the "
        "ratio; other rows unchanged. Added trades are not scaled.",
    )
    ratio = st.slider("Ratio (1 = as loaded)", 0.0, 2.0, step=0.05, key="ratio")
    return leg, ratio


def _empty_trades() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in whatif.TRADE_COLUMNS})
    frame["quantity"] = frame["quantity"].astype(float)
    frame["coupon"] = frame["coupon"].astype(float)
    return frame


def _frame_from_text(text: str | None) -> pd.DataFrame:
    if not text:
        return _empty_trades()
    frame = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False)
    frame = frame.reindex(columns=list(whatif.TRADE_COLUMNS)).replace("", None)
    for col in ("quantity", "coupon"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    for col in ("maturity", "end_date"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce").dt.date
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def _trades(ctx, key: str):
    """The trade grid (empty to start, validated as an upload is) -> the loaded trades."""
    st.markdown("**Trades added on top of the book**")
    texts, bases = stored("trades"), stored("trades_base")
    fresh = not stay_on_page() or st.session_state.get("_trades_book") != key
    st.session_state["_trades_book"] = key
    if fresh or key not in bases:  # a fresh visit (or another book) starts from the store
        bases[key] = texts.get(key)
    base = bases[key]
    edit_key = f"trades-{key}-{digest(base or '')}"
    edited = st.data_editor(
        _frame_from_text(base),
        key=edit_key,
        num_rows="dynamic",
        hide_index=True,
        column_config=TRADE_GRID,
        column_order=TRADE_ORDER,
        width="stretch",
        placeholder="",
    )
    changes = st.session_state.get(edit_key) or {}
    if any(changes.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        texts[key] = edited.to_csv(index=False)
    loaded = whatif.read_trades(edited, ctx.market.asof)
    if loaded.issues:
        issues = loaded.to_frame().rename(columns={"row": "line"})
        (st.error if loaded.errors else st.warning)(
            f"Trades: {len(loaded.portfolio)} valid; left out: "
            + (", ".join(f"line {n}" for n in loaded.rejected_rows) or "none")
            + " (line = grid line, 1 = the first); fix the cells named below."
        )
        st.dataframe(issues, hide_index=True, width="stretch")
    else:
        st.caption(
            f"{len(loaded.portfolio)} trade{'' if len(loaded.portfolio) == 1 else 's'}. "
            "A row per trade: product FUTURE with contract and "
            "month, or UST / REPO / REVERSE_REPO with face, coupon and maturity, as in the "
            "upload; negative = sell, or an unsigned quantity with side BUY / SELL. Empty "
            "account = the book's first account."
        )
    if texts.get(key) and st.button("Remove every trade", key="trades_clear"):
        texts.pop(key, None)
        bases.pop(key, None)
        st.rerun()
    return loaded


def _effect(base, res, change) -> None:
    """The what-if's figures: the margin to post and the saving, as two numbers."""
    b, s = reporting.summary(base), reporting.summary(res)
    effect = whatif.margin_effect(b, s)
    moved = not change.is_identity
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "What-if total margin",
        reporting.fmt_usd(s["total_after"]),
        border=True,
        help="What you would post after cross-margining (FICC + CME + ineligible).",
    )
    c2.metric(
        "Change in total margin",
        fmt_usd_change(effect["total_margin_change_usd"]),
        border=True,
        help="What-if total margin − the book's total margin: + means more to post.",
    )
    c3.metric(
        "Cross-margin saving",
        reporting.fmt_usd(effect["saved_usd"]),
        metric_delta(fmt_usd_change(effect["saved_change_usd"])) if moved else None,
        border=True,
        help="Dollars saved by cross-margining on the what-if: total without the arrangement − "
        "total with it. A larger saving is not less margin: the what-if may add more "
        "standalone margin than it saves.",
    )
    c4.metric(
        "What-if applied %",
        reporting.fmt_pct(s["applied"]),
        metric_delta(fmt_pp_change(s["applied"] - b["applied"])) if moved else None,
        border=True,
    )
    st.caption(f"What-if: {change.describe()}.")
    if moved:
        st.info(effect_text(effect), icon=":material/balance:")
    table = whatif.compare_scenarios({"Book as loaded": b, "What-if": s})
    st.dataframe(scenario_display(table), width="stretch")


def settings_label(ctx) -> str:
    """The settings a result was computed with, in words."""
    s = dict(ctx.choices.settings)
    market_key = ctx.market_key
    history = "embedded history" if market_key[0] == "embedded" else "loaded history"
    return (
        f"{s['arr']} arrangement, cap {s['cap']}%, {s['basis'].replace('_', ' ')}, VaR "
        f"{s['conf']:g}% {s['horizon']}d {s['mode']}, SPAN {ctx.choices.span} "
        f"{ctx.choices.shown}, {history} as of {market_key[1]}"
    )


def _scenarios(ctx, key: str, change, res) -> None:
    """Save the current what-if under a name; compare two or more saved ones."""
    st.subheader("Scenarios")
    store = stored("scenarios")
    mine: dict = store.setdefault(key, {})
    pick_key = f"scn_pick-{key}"
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    name = c1.text_input("Scenario name", key="scn_name", placeholder=f"Scenario {len(mine) + 1}")
    if c2.button("Save this what-if", key="scn_save", width="stretch"):
        name = (name or "").strip() or f"Scenario {len(mine) + 1}"
        mine[name] = whatif.Scenario(name, key, change, settings_label(ctx), res)
        picked = st.session_state.get(pick_key)
        if picked is not None and name not in picked:  # a new scenario joins the comparison
            st.session_state[pick_key] = [*picked, name]
        elif picked is None:
            st.session_state[pick_key] = [AS_LOADED, *list(mine)[:3]]
        st.toast(f"Saved “{name}”.")
    others = sum(len(v) for k, v in store.items() if k != key)
    if others:
        st.caption(
            f"{others} scenarios saved on other portfolios are kept with them (they come "
            "back when that portfolio is loaded again); they are not compared with this one."
        )
    if not mine:
        st.caption("Save two or more what-ifs (or one, against the book as loaded) to compare.")
        return
    options = [AS_LOADED, *mine]
    ss = st.session_state
    kept = [n for n in ss.get(pick_key, options[:4]) if n in options]  # deleted ones drop out
    ss[pick_key] = kept
    picked = st.multiselect("Compare (the first is the reference)", options, key=pick_key)
    if len(picked) < 2:
        st.caption("Pick two or more to compare.")
        return
    summaries = {
        n: reporting.summary(ctx.sim.result if n == AS_LOADED else mine[n].result) for n in picked
    }
    st.dataframe(scenario_display(whatif.compare_scenarios(summaries)), width="stretch")
    now = settings_label(ctx)
    lines = [
        f"**{n}**: {mine[n].whatif.describe()}"
        + ("" if mine[n].settings == now else f" — saved under other settings ({mine[n].settings})")
        for n in picked
        if n != AS_LOADED
    ]
    st.caption("  \n".join(lines))
    if st.button("Delete the compared scenarios", key="scn_delete"):
        for n in picked:
            mine.pop(n, None)
        st.rerun()


def _sweep(ctx, leg: str, ratio: float, key: str) -> None:
    portfolio = ctx.portfolio
    st.subheader("Hedge ratio chart")
    shown = stored("sweep")  # books whose chart was asked for (kept across pages)
    if len(portfolio) > LARGE and not shown.get(key):
        if st.button(
            f"Compute the hedge-ratio chart ({len(whatif.DEFAULT_RATIOS)} runs of "
            f"{len(portfolio):,} positions)",
            key="sweep_go",
        ):
            shown[key] = True
        else:
            return
    sweep = cached.sweep(*ctx.pkey, ctx.sim_key, leg, ctx.simulator, portfolio)
    fig = cached.sweep_figure(*ctx.pkey, ctx.sim_key, leg, ratio, sweep)
    st.plotly_chart(fig, width="stretch")


def _applied(ctx, base) -> None:
    applied = bound("hedge", ctx.fingerprint)  # only the hedge made on this portfolio
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
        unbind("hedge")
        st.rerun()


def _dv01_hedge(ctx, sim, key: str) -> None:
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
    b, h = reporting.summary(sim.result), reporting.summary(hedged)
    st.dataframe(
        scenario_display(whatif.compare_scenarios({"Book as loaded": b, "DV01-hedged": h})),
        width="stretch",
    )
    st.caption(effect_text(whatif.margin_effect(b, h)))
    if st.button("Add this trade to the what-if", key="hedge_add"):
        add_trade(key, trade)
        st.rerun()


def add_trade(key: str, trade) -> None:
    """Append a trade to the book's trade grid (the demo story and the DV01 button use it)."""
    texts, bases = stored("trades"), stored("trades_base")
    row = portfolio_to_frame(Portfolio((trade,))).reindex(columns=whatif.TRADE_COLUMNS)
    row.loc[:, "account"] = None
    old = _frame_from_text(texts.get(key))
    frame = pd.concat([old, row], ignore_index=True) if len(old) else row
    texts[key] = frame.to_csv(index=False)
    bases[key] = texts[key]


if __name__ == "__main__":
    render()
