"""The one-click demo story on the landing page: four buttons, each loading one step's state
(basis trade -> customer book -> hedge -> report) and opening the page that shows it."""

from __future__ import annotations

import streamlit as st

STEPS = (  # key, button, what it loads, page opened
    ("basis", "1 · A basis trade", {"src": "Sample", "sample": "basis_trade", "arr": "auto"},
     "ui/pages/results.py"),
    ("customer", "2 · A customer book", {"src": "Sample", "sample": "customer_book",
                                         "arr": "customer"}, "ui/pages/results.py"),
    ("hedge", "3 · Hedge a cash book", {"src": "Sample", "sample": "cash_only", "arr": "auto"},
     "ui/pages/whatif.py"),
    ("report", "4 · The report", {}, "ui/pages/exports.py"),
)  # fmt: skip
CAPTIONS = {
    "basis": "Long 10-year notes financed in repo against short ZN: both CCPs see the offset, "
    "the lower saving (capped at 80%) applies.",
    "customer": "24 customer accounts, each margined on its own: two customers that offset "
    "each other get nothing, the others keep their own saving.",
    "hedge": "A cash-only book saves nothing; the DV01-neutral ZN hedge is added as a what-if "
    "trade: see the margin to post and the saving move apart.",
    "report": "Download the printable report of the current view (A4 or Letter).",
}
GOTO = "_demo_goto"


def _load(key: str) -> None:
    """Button callback (runs before the widgets are drawn, so it may set their state)."""
    ss = st.session_state
    _, _, values, page = next(s for s in STEPS if s[0] == key)
    for name, value in values.items():
        ss[name] = value
    if values:
        ss["ratio"], ss["leg"] = 1.0, "futures"
    ss["_demo_hedge"] = key == "hedge"  # the what-if page adds the DV01-neutral hedge
    ss[GOTO] = page


def story() -> None:
    """Draw the four steps in one row (landing page only); each says what it loads on hover."""
    cols = st.columns([1.1, 2, 2, 2, 2], vertical_alignment="center")
    cols[0].caption(":material/play_circle: **Demo story**")
    for col, (key, label, _, _) in zip(cols[1:], STEPS, strict=True):
        col.button(label, key=f"demo_{key}", on_click=_load, args=(key,), help=CAPTIONS[key],
                   width="stretch")  # fmt: skip


def follow() -> None:
    """After a step's button: open its page (``app.py`` calls this once per run)."""
    page = st.session_state.pop(GOTO, None)
    if page:
        st.switch_page(page)
