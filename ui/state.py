"""Session state: defaults, URL query parameters, share links and per-source stored edits."""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st

from xmsim.marketdata.defaults import DEFAULT_ASOF

SOURCES = ("Sample", "Upload file", "Paste text", "Build by hand")
DEFAULTS = {
    "src": "Sample",
    "sample": "basis_trade",
    "arr": "auto",
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
KEPT = (*DEFAULTS, "asof_picker", "hedge_contract", "opt_codes", "opt_max", "opt_account",
        "detail_account")  # fmt: skip


def digest(data: bytes | str) -> str:
    """A short content hash naming a file or text in cache keys."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]


def init_state() -> None:
    """Widget defaults from the URL (st.query_params) on the first run of a session.

    On later runs every known widget value is written back so that a widget not drawn on the
    current page keeps its value (Streamlit drops the state of widgets it did not draw).
    """
    ss = st.session_state
    if ss.get("_init"):
        for key in KEPT:
            if key in ss:
                ss[key] = ss[key]
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
        ss[key] = value
    try:
        ss["asof_picker"] = dt.date.fromisoformat(str(ss["asof"]))
    except ValueError:
        ss["asof_picker"] = DEFAULT_ASOF
    ss["_init"] = True


def share_params() -> dict[str, str]:
    """The current view as URL parameters (the portfolio only when it is a sample)."""
    ss = st.session_state
    out = {k: str(ss[k]) for k in SHARED if ss.get(k) != DEFAULTS[k]}
    if ss.get("src") == "Sample":
        out["sample"] = str(ss["sample"])
    return out


def sync_url() -> None:
    """Write the share parameters into the address bar when they changed."""
    params = share_params()
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def note_page(name: str) -> bool:
    """Record the page on screen; True when the previous run showed the same page."""
    ss = st.session_state
    same = ss.get("_page") == name
    ss["_page"] = name
    ss["_same_page"] = same
    return same


def stay_on_page() -> bool:
    """True when the previous run showed the page on screen now (set by ``note_page``)."""
    return bool(st.session_state.get("_same_page"))


def stored(kind: str) -> dict:
    """A per-session store of edits that must outlive the page drawing them (by source key)."""
    return st.session_state.setdefault(f"_store_{kind}", {})
