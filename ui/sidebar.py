"""The shared sidebar: every setting, returned as one plain value (``Choices``)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import streamlit as st

from ui import cached
from ui.state import PARAMS, SOURCES, digest, widget_range
from ui.widgets import assumed, sourced
from xmsim.arrangement.results import SAVINGS_BASIS_LABELS
from xmsim.config import BY_NAME
from xmsim.marketdata.defaults import DEFAULT_ASOF, default_market
from xmsim.marketdata.history import HistoryFormatError
from xmsim.upload.loader import SAMPLES, TEMPLATE_CSV, sample_paths

SAMPLE_TEXT = dict(SAMPLES)
SETTINGS = ("arr", "cap", "basis", "conf", "horizon", "lookback", "stress", "mode", "floor",
            "addon", "acct")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Choices:
    """Everything the sidebar chose, as plain values (files as their bytes or text)."""

    src: str
    sample: str | None
    upload: tuple[str, bytes] | None  # (file name, content)
    pasted: str
    history: tuple[str, str, bytes] | None  # (digest, file name, content)
    asof: dt.date
    span: str
    span_file: tuple[str, bytes] | None  # (file name, content)
    shown: str
    settings: tuple  # ((name, value), ...) of SETTINGS


def sidebar() -> Choices:
    """Draw the sidebar and return its choices."""
    src, sample, upload, pasted = _portfolio()
    _arrangement()
    history, asof = _market()
    span, span_file, shown = _models()
    ss = st.session_state
    return Choices(src, sample, upload, pasted, history, asof, span, span_file, shown,
                   tuple((k, ss[k]) for k in SETTINGS))  # fmt: skip


def _portfolio():
    sb = st.sidebar
    sb.header("Portfolio")
    src = sb.radio("Source", SOURCES, key="src", horizontal=True)
    sample = upload = None
    pasted = ""
    if src == "Sample":
        names = list(sample_paths())
        if st.session_state.get("sample") not in names and names:
            st.session_state["sample"] = names[0]
        sample = sb.selectbox(
            "Sample portfolio", names, key="sample", format_func=lambda n: n.replace("_", " ")
        )
        sb.caption(SAMPLE_TEXT.get(sample, ""))
    elif src == "Upload file":
        file = sb.file_uploader("CSV or XLSX", type=["csv", "xlsx", "xlsm", "txt"], key="upload")
        upload = (file.name, file.getvalue()) if file is not None else None
    elif src == "Build by hand":
        sb.caption(
            "Start from an empty grid on the **Portfolio** page: the template's columns, each "
            "line checked as you type."
        )
    else:
        pasted = sb.text_area(
            "Paste rows (CSV, tab- or semicolon-separated, header first)",
            height=160,
            key="paste",
            placeholder=TEMPLATE_CSV[:200],
        )
    sb.download_button(
        "Download the template (CSV)", TEMPLATE_CSV, "xmsim_template.csv", "text/csv",
        on_click="ignore",
    )  # fmt: skip
    return src, sample, upload, pasted or ""


def _arrangement() -> None:
    sb = st.sidebar
    sb.header("Arrangement")
    sb.radio(
        "Arrangement",
        PARAMS["arr"].choices,
        key="arr",
        horizontal=True,
        help="Auto: HOUSE (or empty) accounts form one house combined portfolio and every "
        "other account is its own customer combined portfolio. House: all positions form one "
        "combined portfolio. Customer: each account is its own combined portfolio (gross, no "
        "offset between customers).",
    )
    sourced("FAQ Q6: house = one combined portfolio; customer = account by account.", sb)
    sb.slider("Cap on the applied percentage (%)", *widget_range("cap"), key="cap", step=5)
    if st.session_state["cap"] == PARAMS["cap"].default:
        sourced("80% cap (FAQ Q6).", sb)
    else:
        sb.caption(":violet-badge[USER] cap changed from the published 80%.")
    sb.selectbox(
        "Savings basis",
        PARAMS["basis"].choices,
        key="basis",
        format_func=SAVINGS_BASIS_LABELS.get,
        help="Sum of legs: 1 − combined / (FICC leg + CME leg). Own leg: the literal "
        "FAQ reading, 1 − combined / own leg.",
    )
    assumed("the public text is ambiguous; sum of legs is the default.", sb)


def _market():
    """The yield history (embedded or uploaded) and the as-of date within it."""
    sb = st.sidebar
    sb.header("Market")
    sb.radio(
        "Yield history",
        ("embedded", "upload"),
        key="hist",
        horizontal=True,
        format_func={"embedded": "Embedded", "upload": "Treasury CSV"}.get,
    )
    chosen = loaded = None
    if st.session_state["hist"] == "upload":
        file = sb.file_uploader(
            "Treasury par-yield CSV (or GSW / FRED)", type=["csv"], key="hist_file"
        )
        if file is not None:
            data = file.getvalue()
            try:
                loaded = cached.history(digest(data), data, file.name).history
                chosen = (digest(data), file.name, data)
            except HistoryFormatError as exc:
                sb.error(str(exc))
    h = loaded or default_market().history
    ss = st.session_state
    key = chosen[0] if chosen else "embedded"
    changed = ss.get("_history_key", key) != key  # loaded, replaced or removed since last run
    ss["_history_key"] = key
    if changed or not h.start <= ss["asof_picker"] <= h.end:
        # the as-of follows the market: a loaded history's last date, the embedded market's own
        ss["asof_picker"] = h.end if loaded is not None else DEFAULT_ASOF
    note = None
    if changed:
        note = f"As-of date set to {ss['asof_picker']:%d %b %Y}: " + (
            "the last date of the loaded history." if loaded is not None
            else "the embedded market's date (the loaded history was removed)."
        )  # fmt: skip
    asof = sb.date_input("As-of date", min_value=h.start, max_value=h.end, key="asof_picker")
    if note:
        sb.info(note, icon=":material/event:")
    st.session_state["asof"] = asof.isoformat()
    if loaded is None:
        assumed(
            f"embedded history: synthetic, calibrated to 1990–2024 ({h.start} to {h.end}); "
            "not observed data.",
            sb,
        )
    else:
        sb.caption(f":green-badge[LOADED] {h.source}: {h.start} to {h.end}, {h.dates.size:,} days.")
    return chosen, asof


def _models():
    sb = st.sidebar
    with sb.expander("VaR model (FICC-like)"):
        st.slider("Confidence (%)", *widget_range("conf"), key="conf", step=0.1,
                  help=_help("conf"))  # fmt: skip
        st.number_input("Horizon (business days)", *widget_range("horizon"), key="horizon",
                        help=_help("horizon"))  # fmt: skip
        sourced("99% / 3 days: DTCC FICC market-risk page.")
        st.number_input("Look-back (years)", *widget_range("lookback"), key="lookback",
                        step=1.0, help=_help("lookback"))  # fmt: skip
        st.toggle("Add the stressed window", key="stress")
        st.selectbox("Revaluation", PARAMS["mode"].choices, key="mode", help=_help("mode"))
        st.number_input("VaR floor (% of gross position size)", *widget_range("floor"),
                        key="floor", step=0.1, help=_help("floor"))  # fmt: skip
        st.number_input("Add-on (% of gross position size)", *widget_range("addon"),
                        key="addon", step=0.1, help=_help("addon"))  # fmt: skip
        assumed("look-back, stress window, floor and add-on are modelling defaults.")
    span_file = None
    with sb.expander("SPAN model (CME-like)"):
        span = st.radio(
            "Parameter set",
            ("default", "calibrated", "uploaded"),
            key="span",
            format_func={
                "default": "Illustrative default",
                "calibrated": "Calibrated to the history",
                "uploaded": "Upload a file",
            }.get,
        )
        if span == "uploaded":
            file = st.file_uploader(
                "SPAN parameters: xmsim's CSV or CME's SPAN file",
                type=["csv", "pa2", "spn", "zip"],
                key="span_file",
                help="CME's daily risk-parameter file in the expanded positional (.pa2) or XML "
                "(.spn) format, zipped or not, or xmsim's parameter CSV.",
            )
            if file is not None:
                span_file = (file.name, file.getvalue())
        shown = st.selectbox(
            "Requirement shown", PARAMS["shown"].choices, key="shown", help=_help("shown")
        )
        st.selectbox("CME account type", PARAMS["acct"].choices, key="acct", help=_help("acct"))
        assumed("the default PSRs are illustrative, not official CME levels.")
        st.caption("Edit any value on the **Settings & assumptions** page.")
    return span, span_file, shown


def _help(key: str) -> str:
    """The setting's help text and accepted range, from ``xmsim.config``."""
    p = PARAMS[key]
    return f"{BY_NAME[p.setting].help}. Accepted: {p.accepted()}."
