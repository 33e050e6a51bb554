"""xmsim — Streamlit UI for the CME–FICC cross-margining what-if simulator.

A thin layer: widgets -> xmsim calls -> render. Every number comes from ``xmsim``; this file only
wires inputs to the library, caches its results and lays them out.
Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib

import pandas as pd
import streamlit as st

from xmsim import whatif
from xmsim.arrangement import cycle as operations
from xmsim.arrangement.crossmargin import ArrangementSettings, fallback
from xmsim.contracts import contract_codes, contract_table
from xmsim.engines.span.params_io import load_span_params
from xmsim.engines.var.scenarios import VarSettings
from xmsim.marketdata.defaults import DEFAULT_ASOF, default_market, market_from_history
from xmsim.marketdata.history import HistoryFormatError, read_history
from xmsim.portfolio import PRODUCTS
from xmsim.report import figures as reporting
from xmsim.report import files as exports
from xmsim.simulate import RunConfig, Simulator, dv01_neutral_hedge, resolve_span_params
from xmsim.upload.loader import (
    SAMPLES,
    TEMPLATE_CSV,
    LoadResult,
    load_portfolio,
    load_portfolio_text,
    portfolio_to_frame,
    sample_paths,
)

st.set_page_config(
    page_title="xmsim · CME–FICC cross-margin simulator",
    page_icon="⚖️",
    layout="wide",
    initial_sidebar_state="expanded",
)

SAMPLE_TEXT = dict(SAMPLES)
SOURCES = ("Sample", "Upload file", "Paste text")
LARGE = 300  # positions above which the hedge-ratio sweep waits for a click
DEFAULTS = {
    "src": "Sample",
    "sample": "basis_trade",
    "arr": "house",
    "asof": DEFAULT_ASOF.isoformat(),
    "cap": 80,
    "basis": "sum_of_legs",
    "hist": "embedded",
    "span": "default",
    "shown": "initial",
    "conf": 99.0,
    "horizon": 3,
    "lookback": 10.0,
    "stress": True,
    "mode": "full",
    "floor": 0.0,
    "addon": 0.0,
    "leg": "futures",
    "ratio": 1.0,
}
SHARED = tuple(k for k in DEFAULTS if k != "src")


def assumed(text: str, where=st) -> None:
    """An ASSUMED badge: a modelling default where no public figure exists."""
    where.caption(f":orange-badge[ASSUMED] {text}")


def sourced(text: str, where=st) -> None:
    """A SRC badge: a public fact, with its source."""
    where.caption(f":blue-badge[SRC] {text}")


def digest(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]


# ------------------------------------------------------------------------------ state & URL


def init_state() -> None:
    """Widget defaults from the URL (st.query_params) on the first run of a session."""
    if st.session_state.get("_init"):
        for key in (*DEFAULTS, "asof_picker"):  # keep values of widgets not drawn this run
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        return
    qp = st.query_params
    for key, default in DEFAULTS.items():
        raw = qp.get(key)
        value = default
        if raw is not None:
            try:
                value = (
                    raw.lower() in ("1", "true", "yes")
                    if isinstance(default, bool)
                    else type(default)(raw)
                )
            except ValueError:
                value = default
        st.session_state[key] = value
    try:
        st.session_state["asof_picker"] = dt.date.fromisoformat(str(st.session_state["asof"]))
    except ValueError:
        st.session_state["asof_picker"] = DEFAULT_ASOF
    st.session_state["_init"] = True


def share_params() -> dict[str, str]:
    """The current view as URL parameters (the portfolio only when it is a sample)."""
    ss = st.session_state
    out = {k: str(ss[k]) for k in SHARED if ss.get(k) != DEFAULTS[k]}
    if ss.get("src") == "Sample":
        out["sample"] = str(ss["sample"])
    return out


# ------------------------------------------------------------------------------ cached layer


@st.cache_data(show_spinner="Reading the portfolio…", max_entries=64)
def load_cached(kind: str, payload: bytes | str, filename: str | None, asof: dt.date):
    if kind == "text":
        return load_portfolio_text(payload, asof=asof)
    return load_portfolio(payload, asof=asof, filename=filename)


@st.cache_resource(show_spinner=False, max_entries=4)
def history_cached(key: str, _data: bytes, name: str):
    return read_history(_data, name=name)


@st.cache_resource(show_spinner=False, max_entries=16)
def market_cached(history_key: str, asof: dt.date, _history=None):
    """The CLI's rule: embedded market (its history's curve when as-of differs), or a loaded
    history's curve on the as-of date."""
    if _history is None:
        market = default_market()
        return market if asof == market.asof else market_from_history(market.history, asof)
    return market_from_history(_history, asof)


@st.cache_resource(show_spinner=False, max_entries=16)
def base_span_cached(kind: str, market_key: tuple, _market, _text: str | None = None):
    if kind == "uploaded" and _text:
        return load_span_params(_text)
    return resolve_span_params("calibrated" if kind == "calibrated" else "default", _market)


@st.cache_resource(show_spinner="Preparing the scenario engines…", max_entries=16)
def simulator_cached(market_key: tuple, settings: tuple, span_key: str, _market, _span):
    s = dict(settings)
    config = RunConfig(
        arrangement=ArrangementSettings(s["cap"] / 100.0, s["basis"], s["arr"]),
        var=VarSettings(
            confidence=s["conf"] / 100.0,
            horizon_days=s["horizon"],
            lookback_years=s["lookback"],
            stress=s["stress"],
            mode=s["mode"],
            floor_pct=s["floor"],
            addon_pct=s["addon"],
        ),
        span_params=_span,
    )
    return Simulator(_market, config)


@st.cache_data(show_spinner="Margining the portfolio under both models…", max_entries=32)
def run_cached(portfolio_csv: str, rows: tuple, sim_key: tuple, _simulator, _portfolio):
    return _simulator.run(_portfolio)


@st.cache_data(show_spinner=False, max_entries=128)
def whatif_cached(
    portfolio_csv: str,
    rows: tuple,
    sim_key: tuple,
    leg: str,
    ratio: float,
    hedge: str,
    _simulator,
    _portfolio,
):
    return _simulator.arrangement(_portfolio)


@st.cache_data(show_spinner="Sweeping hedge ratios…", max_entries=32)
def sweep_cached(portfolio_csv: str, rows: tuple, sim_key: tuple, leg: str, _simulator, _portfolio):
    return whatif.hedge_ratio_sweep(_simulator, _portfolio, leg=leg)


@st.cache_data(show_spinner=False, max_entries=32)
def figures_cached(portfolio_csv: str, rows: tuple, sim_key: tuple, _sim) -> dict:
    """The result charts (plotly templating costs ~40 ms a figure: built once per run)."""
    return exports.default_figures(_sim)


@st.cache_data(show_spinner=False, max_entries=64)
def sweep_figure_cached(
    portfolio_csv: str, rows: tuple, sim_key: tuple, leg: str, ratio: float, _sweep
):
    return reporting.hedge_ratio_figure(_sweep, ratio, leg)


# ------------------------------------------------------------------------------ sidebar


def sidebar() -> dict:
    """Every setting; returns plain values (market and SPAN choices resolved later)."""
    sb = st.sidebar
    sb.header("Portfolio")
    src = sb.radio("Source", SOURCES, key="src", horizontal=True)
    upload = pasted = None
    if src == "Sample":
        names = list(sample_paths())
        if st.session_state.get("sample") not in names and names:
            st.session_state["sample"] = names[0]
        sb.selectbox(
            "Sample portfolio", names, key="sample", format_func=lambda n: n.replace("_", " ")
        )
        sb.caption(SAMPLE_TEXT.get(st.session_state.get("sample"), ""))
    elif src == "Upload file":
        upload = sb.file_uploader("CSV or XLSX", type=["csv", "xlsx", "xlsm", "txt"], key="upload")
    else:
        pasted = sb.text_area(
            "Paste rows (CSV, tab- or semicolon-separated, header first)",
            height=160,
            key="paste",
            placeholder=TEMPLATE_CSV[:200],
        )
    sb.download_button(
        "Download the template (CSV)",
        TEMPLATE_CSV,
        "xmsim_template.csv",
        "text/csv",
        on_click="ignore",
    )

    sb.header("Arrangement")
    sb.radio(
        "Arrangement",
        ("house", "customer"),
        key="arr",
        horizontal=True,
        help="House: all positions form one combined portfolio. Customer: each account "
        "is its own combined portfolio (gross, no offset between customers).",
    )
    sourced("FAQ Q6: house = one combined portfolio; customer = account by account.", sb)
    sb.slider("Cap on the applied percentage (%)", 0, 100, key="cap", step=5)
    if st.session_state["cap"] == 80:
        sourced("80% cap (FAQ Q6).", sb)
    else:
        sb.caption(":violet-badge[USER] cap changed from the published 80%.")
    sb.selectbox(
        "Savings basis",
        ("sum_of_legs", "own_leg"),
        key="basis",
        help="sum_of_legs: 1 − combined / (FICC leg + CME leg). own_leg: the literal "
        "FAQ reading, 1 − combined / own leg.",
    )
    assumed("the public text is ambiguous; sum of legs is the default.", sb)

    sb.header("Market")
    sb.radio(
        "Yield history",
        ("embedded", "upload"),
        key="hist",
        horizontal=True,
        format_func={"embedded": "Embedded", "upload": "Treasury CSV"}.get,
    )
    hist_file = None
    if st.session_state["hist"] == "upload":
        hist_file = sb.file_uploader(
            "Treasury par-yield CSV (or GSW / FRED)", type=["csv"], key="hist_file"
        )
    with sb.expander("VaR model (FICC-like)"):
        st.slider("Confidence (%)", 90.0, 99.9, key="conf", step=0.1)
        st.number_input("Horizon (business days)", 1, 20, key="horizon")
        sourced("99% / 3 days: DTCC FICC market-risk page.")
        st.number_input("Look-back (years)", 1.0, 30.0, key="lookback", step=1.0)
        st.toggle("Add the stressed window", key="stress")
        st.selectbox("Revaluation", ("full", "sensitivity"), key="mode")
        st.number_input("VaR floor (% of gross market value)", 0.0, 10.0, key="floor", step=0.1)
        st.number_input("Add-on (% of gross notional)", 0.0, 10.0, key="addon", step=0.1)
        assumed("look-back, stress window, floor and add-on are modelling defaults.")
    with sb.expander("SPAN model (CME-like)"):
        st.radio(
            "Parameter set",
            ("default", "calibrated", "uploaded"),
            key="span",
            format_func={
                "default": "Illustrative default",
                "calibrated": "Calibrated to the history",
                "uploaded": "Upload a file",
            }.get,
        )
        span_file = None
        if st.session_state["span"] == "uploaded":
            span_file = st.file_uploader("SPAN parameter CSV", type=["csv"], key="span_file")
        st.selectbox("Requirement shown", ("initial", "maintenance"), key="shown")
        assumed("the default PSRs are illustrative, not official CME levels.")
        st.caption("Edit any value in the **Settings & assumptions** tab.")
    return {
        "src": src,
        "upload": upload,
        "pasted": pasted,
        "hist_file": hist_file,
        "span_file": span_file,
    }


def resolve_market(hist_file):
    """(market, market_key, history note); errors shown and the embedded market used."""
    history = None
    key = "embedded"
    if hist_file is not None:
        data = hist_file.getvalue()
        key = digest(data)
        try:
            with st.sidebar.status("Loading the yield history…", expanded=False) as status:
                loaded = history_cached(key, data, hist_file.name)
                status.update(label="History loaded", state="complete")
            history = loaded.history
        except HistoryFormatError as exc:
            st.sidebar.error(str(exc))
            key = "embedded"
    h = history or default_market().history
    if not h.start <= st.session_state["asof_picker"] <= h.end:
        st.session_state["asof_picker"] = h.end if history is not None else DEFAULT_ASOF
    chosen = st.sidebar.date_input(
        "As-of date", min_value=h.start, max_value=h.end, key="asof_picker"
    )
    st.session_state["asof"] = chosen.isoformat()
    if history is None:
        assumed(
            f"embedded history: synthetic, calibrated to 1990–2024 ({h.start} to {h.end}); "
            "not observed data.",
            st.sidebar,
        )
    else:
        st.sidebar.caption(
            f":green-badge[LOADED] {h.source}: {h.start} to {h.end}, {h.dates.size:,} days."
        )
    try:
        market = market_cached(key, chosen, history)
    except ValueError as exc:
        st.sidebar.error(str(exc))
        market = default_market()
    return market, (key, market.asof.isoformat())


# ------------------------------------------------------------------------------ portfolio


def load_source(inputs: dict, asof: dt.date) -> tuple[LoadResult | None, str]:
    """The portfolio as loaded from the chosen source, and a key naming that source."""
    if inputs["src"] == "Upload file":
        upload = inputs["upload"]
        if upload is None:
            return None, "upload:none"
        data = upload.getvalue()
        return load_cached("bytes", data, upload.name, asof), f"upload:{digest(data)}"
    if inputs["src"] == "Paste text":
        text = inputs["pasted"] or ""
        if not text.strip():
            return None, "paste:none"
        return load_cached("text", text, None, asof), f"paste:{digest(text)}"
    path = sample_paths().get(st.session_state.get("sample"))
    if path is None:
        return load_cached("text", TEMPLATE_CSV, None, asof), "template"
    data = path.read_bytes()
    return load_cached("bytes", data, path.name, asof), f"sample:{digest(data)}"


def grid_frame(loaded: LoadResult) -> pd.DataFrame:
    """The upload-format frame with real dates, ready for the grid's date pickers."""
    frame = portfolio_to_frame(loaded.portfolio)
    for col in ("maturity", "issue_date", "end_date", "expiry"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce").dt.date
    return frame


GRID_COLUMNS = {
    "account": st.column_config.TextColumn("account", help="empty = HOUSE"),
    "product": st.column_config.SelectboxColumn("product", options=PRODUCTS, required=True),
    "quantity": st.column_config.NumberColumn(
        "quantity", format="localized", help="face in USD, or contracts"
    ),
    "coupon": st.column_config.NumberColumn(
        "coupon (%)", min_value=0.0, max_value=20.0, format="%.3f"
    ),
    "maturity": st.column_config.DateColumn("maturity", format="YYYY-MM-DD"),
    "cusip": st.column_config.TextColumn("cusip", max_chars=9),
    "issue_date": st.column_config.DateColumn("issue date", format="YYYY-MM-DD"),
    "price": st.column_config.NumberColumn("price", format="%.4f"),
    "end_date": st.column_config.DateColumn("repo end", format="YYYY-MM-DD"),
    "contract": st.column_config.SelectboxColumn("contract", options=contract_codes()),
    "expiry": st.column_config.DateColumn("contract month", format="MMM YYYY"),
    "label": st.column_config.TextColumn("label", width="large"),
}


def issues_table(result: LoadResult, title: str) -> None:
    if not result.issues:
        return
    errors, warnings = len(result.errors), len(result.warnings)
    box = st.error if errors else st.warning
    box(f"{title}: {result.summary()}. Rows with errors are left out; valid rows are used.")
    with st.expander(
        f"{errors} errors, {warnings} warnings: row, column, value and fix", expanded=bool(errors)
    ):
        st.dataframe(result.to_frame(), hide_index=True, width="stretch")


def portfolio_tab(loaded: LoadResult, source_key: str, asof: dt.date) -> LoadResult:
    """The loaded rows in an editable grid; returns the portfolio actually margined."""
    issues_table(loaded, "Loading")
    st.subheader("Positions")
    st.caption(
        "Edit any cell, add rows at the bottom or delete them (select, then the bin). "
        "Edits are margined at once."
    )
    key = f"grid-{source_key}-{asof}"
    edited = st.data_editor(
        grid_frame(loaded),
        key=key,
        num_rows="dynamic",
        hide_index=True,
        column_config=GRID_COLUMNS,
        width="stretch",
        placeholder="",
    )
    changes = st.session_state.get(key) or {}
    final = loaded
    if any(changes.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")):
        text = edited.dropna(how="all").to_csv(index=False)
        final = load_cached("text", text, None, asof)
        issues_table(final, "Edited grid (row = grid line + 1)")
    st.download_button(
        "Download this portfolio (CSV)",
        exports.csv_bytes(portfolio_to_frame(final.portfolio)),
        "portfolio.csv",
        "text/csv",
        on_click="ignore",
    )
    return final


# ------------------------------------------------------------------------------ SPAN params


def span_editor(market, market_key: tuple, span_file):
    """The SPAN parameter set (default / calibrated / uploaded), editable; (params, key)."""
    kind = st.session_state["span"]
    text = span_file.getvalue().decode("utf-8", "replace") if span_file is not None else None
    if kind == "uploaded" and not text:
        st.info("Upload a SPAN parameter file in the sidebar; the illustrative default is used.")
    try:
        base = base_span_cached(kind, market_key, market, text)
    except (ValueError, KeyError) as exc:
        st.error(f"SPAN parameter file: {exc}")
        base = resolve_span_params("default", market)
    span_key = f"{kind}|{market_key if kind == 'calibrated' else ''}|{digest(text or '')}"
    st.subheader("SPAN parameters")
    st.caption(
        f"**{base.label}**. Status SRC = public source, ASSUMED = modelling default, "
        "CALIBRATED = from the history, USER = yours."
    )
    if "illustrative" in base.label.lower():
        assumed("illustrative, not official CME levels.")
    edit_key = f"span-editor-{span_key}"
    edited = st.data_editor(
        base.to_frame(),
        key=edit_key,
        hide_index=True,
        width="stretch",
        disabled=("table", "key", "field"),
        height=300,
    )
    changes = st.session_state.get(edit_key) or {}
    params = base
    if changes.get("edited_rows"):
        csv_text = edited.to_csv(index=False)
        try:
            params = load_span_params(csv_text)
            span_key += f"|edit:{digest(csv_text)}"
            st.success("Edited parameters in use.")
        except (ValueError, KeyError) as exc:
            st.error(f"Edited SPAN parameters rejected, the unedited set is used: {exc}")
    shown = st.session_state["shown"]
    if params.shown != shown:
        params = dataclasses.replace(params, shown=shown)
    return params, f"{span_key}|{shown}"


# ------------------------------------------------------------------------------ results

HELP = {
    "ficc_standalone": "FICC's margin on the FICC-eligible leg alone (VaR model).",
    "cme_standalone": "CME's margin on the CME-eligible leg alone (SPAN model).",
    "savings_ficc_model": "1 − combined / standalone under FICC's model.",
    "savings_cme_model": "1 − combined / standalone under CME's model.",
    "applied": "The lower of the two savings, capped (80%); 0 if either model finds none.",
    "ficc_requirement": "FICC standalone × (1 − applied).",
    "cme_requirement": "CME standalone × (1 − applied).",
    "savings_usd": "Total before − total after (ineligible rows unchanged).",
}


def headline_cards(result) -> None:
    cards = reporting.headline(result)
    for row in (cards[:4], cards[4:]):
        for col, (key, label, value) in zip(st.columns(4), row, strict=True):
            col.metric(label, value, help=HELP[key], border=True)


def results_tab(sim, figs: dict, rejected: int) -> None:
    result = sim.result
    if rejected:
        st.warning(f"{rejected} rows were rejected and are not margined: see the Portfolio tab.")
    st.caption(
        f"As of {result.asof:%d %b %Y} · **{result.settings.arrangement}** arrangement · "
        f"{len(sim.portfolio)} positions · FICC = {result.ficc_model.upper()} model, "
        f"CME = {result.cme_model.upper()} model · an estimate, not either CCP's "
        "official requirement"
    )
    headline_cards(result)
    st.info(reporting.explain(result), icon=":material/lightbulb:")
    left, right = st.columns([5, 6])
    with left:
        st.subheader("FICC's view vs CME's view")
        st.dataframe(reporting.display_views(result), width="stretch")
        st.caption(
            "Each CCP margins both legs and the combined portfolio with its own model; "
            "both then apply the lower savings percentage to their own leg."
        )
    right.plotly_chart(figs["Waterfall"], width="stretch")
    if result.settings.arrangement == "customer":
        accounts_table(result)
    left, right = st.columns(2)
    left.plotly_chart(figs["DV01 ladder"], width="stretch")
    if "VaR scenarios" in figs:
        worst = sim.var_detail.worst(10)
        right.plotly_chart(figs["VaR scenarios"], width="stretch")
        with right.expander("Worst VaR scenarios (dates)"):
            st.dataframe(
                worst,
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
    st.subheader("Ineligible positions")
    inel = reporting.ineligible_frame(result)
    if len(inel):
        st.caption("Kept and margined standalone at their home CCP; never part of the offset.")
        st.dataframe(inel, hide_index=True, width="stretch")
    else:
        st.caption("None: every position is eligible for the arrangement.")


def accounts_table(result) -> None:
    st.subheader("Accounts (customer arrangement: each account is its own combined portfolio)")
    usd = {
        c: st.column_config.NumberColumn(c, format="dollar")
        for c in (
            "var_ficc_leg",
            "var_cme_leg",
            "var_combined",
            "span_ficc_leg",
            "span_cme_leg",
            "span_combined",
            "ficc_requirement",
            "cme_requirement",
            "ineligible_margin",
            "total_before",
            "total_after",
            "savings_usd",
        )
    }
    pct = {
        c: st.column_config.NumberColumn(c, format="percent")
        for c in ("var_savings", "span_savings", "applied")
    }
    st.dataframe(
        reporting.accounts_frame(result),
        hide_index=True,
        width="stretch",
        column_config={**usd, **pct},
    )
    st.caption("Click a column header to sort. The last row is the total.")


# ------------------------------------------------------------------------------ what-if


def whatif_tab(sim, simulator, portfolio, pkey: tuple, sim_key: tuple) -> None:
    base = sim.result
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
        res = whatif_cached(
            *pkey, sim_key, leg, ratio, "", simulator, whatif.scale_leg(portfolio, ratio, leg)
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
    if len(portfolio) <= LARGE or st.session_state.get("sweep_go"):
        sweep = sweep_cached(*pkey, sim_key, leg, simulator, portfolio)
        fig = sweep_figure_cached(*pkey, sim_key, leg, ratio, sweep)
        st.plotly_chart(fig, width="stretch")
    else:
        st.button(
            f"Compute the hedge-ratio chart ({len(whatif.DEFAULT_RATIOS)} runs of "
            f"{len(portfolio):,} positions)",
            key="sweep_go",
        )
    applied = st.session_state.get("applied_hedge")
    if applied:
        st.subheader("Optimiser's hedge (applied)")
        sides = [("BUY" if t.quantity > 0 else "SELL", abs(int(t.quantity)), t) for t in applied]
        st.markdown("; ".join(f"**{side} {n:,} {t.description}**" for side, n, t in sides))
        hedged = whatif_cached(
            *pkey,
            sim_key,
            "",
            1.0,
            repr(applied),
            simulator,
            whatif.with_trades(portfolio, applied),
        )
        st.dataframe(reporting.compare_display(whatif.compare(base, hedged)), width="stretch")
        if st.button("Clear the applied hedge", key="opt_clear"):
            del st.session_state["applied_hedge"]
            st.rerun()
    st.subheader("DV01-neutral hedge")
    codes = [c.code for c in contract_table().values()]
    code = st.columns(4)[0].selectbox(
        "Hedge with", codes, index=codes.index("ZN"), key="hedge_contract"
    )
    trade = dv01_neutral_hedge(sim, code)
    n = int(trade.quantity)
    if n == 0:
        st.success(f"The eligible book is already DV01-neutral to within one {code} contract.")
        return
    st.markdown(
        f"**Trade: {'BUY' if n > 0 else 'SELL'} {abs(n):,} {trade.description}** "
        "to flatten the DV01 of the eligible legs."
    )
    hedged = whatif_cached(
        *pkey, sim_key, "", 1.0, repr(trade), simulator, whatif.with_trade(portfolio, trade)
    )
    st.dataframe(reporting.compare_display(whatif.compare(base, hedged)), width="stretch")


def optimiser_tab(module, simulator, portfolio, pkey: tuple, sim_key: tuple) -> None:
    """The optimiser panel: ``xmsim.optimize.best_hedge`` (shown only when it imports)."""
    st.subheader("Best hedge under the arrangement")
    st.caption(
        "Integer futures trades that minimise the total requirement after cross-margining, "
        "against the naive DV01-neutral hedge; every number is Simulator.arrangement's."
    )
    c1, c2, c3 = st.columns(3)
    chosen = c1.multiselect("Hedge contracts", list(contract_codes()), ["ZN"], key="opt_codes")
    cap = c2.number_input("Max contracts (0 = no limit)", 0, 1_000_000, 0, key="opt_max")
    account = None
    if simulator.config.arrangement.arrangement == "customer" and len(portfolio.accounts) > 1:
        account = c3.selectbox("Account to hedge", portfolio.accounts, key="opt_account")
    if not chosen or not st.toggle("Run the optimiser", key="opt_on"):
        return
    try:
        best = optimise_cached(
            *pkey, sim_key, tuple(chosen), cap or None, account, module, simulator, portfolio
        )
    except (ValueError, KeyError) as exc:
        st.error(f"Optimiser: {exc}")
        return
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
    usd = {
        c: st.column_config.NumberColumn(c, format="dollar")
        for c in best.to_frame().columns
        if c.endswith("_usd")
    }
    pct = {
        c: st.column_config.NumberColumn(c, format="percent")
        for c in ("savings_ficc_model", "savings_cme_model", "applied")
    }
    st.dataframe(best.to_frame(), hide_index=True, width="stretch", column_config={**usd, **pct})
    st.dataframe(best.trades_frame(), hide_index=True)
    for note in best.notes:
        st.caption(note)
    if best.trades and st.button(
        "Apply this hedge in the what-if", key="opt_apply", type="primary"
    ):
        st.session_state["applied_hedge"] = best.trades
        st.toast("Applied: the What-if tab compares the base with the optimiser's hedge.")
        st.rerun()  # the What-if tab is drawn before this one


@st.cache_data(show_spinner="Searching for the best hedge…", max_entries=16)
def optimise_cached(
    portfolio_csv: str,
    rows: tuple,
    sim_key: tuple,
    codes: tuple,
    max_contracts,
    account,
    _module,
    _simulator,
    _portfolio,
):
    return _module.best_hedge(
        _portfolio, _simulator, contracts=codes, max_contracts=max_contracts, account=account
    )


# ------------------------------------------------------------------------------ operations


def operations_tab(sim) -> None:
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
        value=float(round(a.var.combined)),
        step=10_000.0,
        key="fb_comb",
    )
    view = getattr(a, sim.result.ficc_model)
    fb = fallback(prior / 100.0, prior_comb, view.combined, a.ficc_standalone + a.cme_standalone)
    st.info(f"Requirement {reporting.fmt_usd(fb.requirement_usd)}: {fb.reason}.")


# ------------------------------------------------------------------------------ exports


def exports_tab(sim, portfolio, pkey: tuple, sim_key: tuple) -> None:
    st.subheader("Downloads")
    stem = f"xmsim_{sim.result.settings.arrangement}_{sim.result.asof:%Y%m%d}"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    downloads = (  # label, data (bytes or a callable run on click), file name, MIME type
        ("Results (CSV)", exports.results_csv(sim), f"{stem}.csv", "text/csv"),
        ("All tables (XLSX)", lambda: exports.results_xlsx(sim), f"{stem}.xlsx", xlsx),
        ("Client report (HTML)", lambda: exports.html_report(sim), f"{stem}.html", "text/html"),
        ("Portfolio (CSV)", exports.csv_bytes(portfolio_to_frame(portfolio)), "portfolio.csv",
         "text/csv"),
    )  # fmt: skip
    for col, (label, data, name, mime) in zip(st.columns(4), downloads, strict=True):
        col.download_button(label, data, name, mime, on_click="ignore", width="stretch")
    st.caption(
        "Spreadsheet cells starting with = + - @ are prefixed with an apostrophe "
        "(formula-injection safe); numbers stay numbers. The HTML report is one "
        "self-contained file with interactive charts."
    )
    st.subheader("Share this view")
    params = share_params()
    if params:
        st.code("?" + "&".join(f"{k}={v}" for k, v in params.items()), language=None)
    else:
        st.caption(
            "Every setting is at its default and the portfolio is not a sample: there "
            "is nothing to put in a link."
        )
    st.caption(
        "The address bar already holds these settings; uploaded or edited portfolios "
        "are not in the link (only samples are)."
    )


def settings_tab(sim, market) -> None:
    st.subheader("Assumptions")
    r = sim.result
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


# ------------------------------------------------------------------------------ page


def optimiser_module():
    try:
        return importlib.import_module("xmsim.optimize")
    except ImportError:
        return None


def main() -> None:
    init_state()
    st.title("CME–FICC cross-margining simulator")
    st.caption(
        "What each clearing house would charge on its own, what the arrangement saves, "
        "and why: both CCPs' savings side by side and the lower one applied."
    )
    inputs = sidebar()
    market, market_key = resolve_market(inputs["hist_file"])
    optimiser = optimiser_module()
    names = [
        "Results",
        "Portfolio",
        "What-if",
        "Operations",
        "Exports",
        "Settings & assumptions",
    ] + (["Optimiser"] if optimiser else [])
    tabs = dict(zip(names, st.tabs(names), strict=True))
    loaded, source_key = load_source(inputs, market.asof)
    if loaded is None:
        tabs["Results"].info("Choose a file to upload or paste rows in the sidebar.")
        return
    with tabs["Portfolio"]:
        final = portfolio_tab(loaded, source_key, market.asof)
    with tabs["Settings & assumptions"]:
        assumptions_box = st.container()
        span, span_key = span_editor(market, market_key, inputs["span_file"])
    ss = st.session_state
    settings = tuple(
        (k, ss[k])
        for k in (
            "arr",
            "cap",
            "basis",
            "conf",
            "horizon",
            "lookback",
            "stress",
            "mode",
            "floor",
            "addon",
        )
    )
    sim_key = (market_key, settings, span_key)
    try:
        simulator = simulator_cached(market_key, settings, span_key, market, span)
    except ValueError as exc:
        tabs["Results"].error(f"Settings rejected: {exc}")
        return
    portfolio = final.portfolio
    rejected = len(final.rejected_rows) + (len(loaded.rejected_rows) if final is not loaded else 0)
    if len(portfolio) == 0:
        tabs["Results"].error(
            "No valid positions to margin: see the Portfolio tab for the errors and their fixes."
        )
        return
    pkey = (portfolio_to_frame(portfolio).to_csv(index=False), tuple(p.row for p in portfolio))
    sim = run_cached(*pkey, sim_key, simulator, portfolio)
    with tabs["Results"]:
        results_tab(sim, figures_cached(*pkey, sim_key, sim), rejected)
    with tabs["What-if"]:
        whatif_tab(sim, simulator, portfolio, pkey, sim_key)
    with tabs["Operations"]:
        operations_tab(sim)
    with tabs["Exports"]:
        exports_tab(sim, portfolio, pkey, sim_key)
    with assumptions_box:
        settings_tab(sim, market)
    if optimiser:
        with tabs["Optimiser"]:
            optimiser_tab(optimiser, simulator, portfolio, pkey, sim_key)
    if dict(st.query_params) != share_params():
        st.query_params.from_dict(share_params())


main()
