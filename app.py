"""xmsim — Streamlit app for the CME–FICC cross-margining what-if simulator.

The entry: page configuration, the shared sidebar and ``st.navigation`` over the pages in
``ui/pages/`` (only the page on screen runs). Every number comes from ``xmsim``; ``ui/`` wires
the inputs to the library, caches its results and lays them out.
Run with ``streamlit run app.py``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import context, demo, state
from ui.sidebar import sidebar

PAGES = (  # file in ui/pages/, title, URL path, Material icon
    ("results", "Results", "", ":material/query_stats:"),
    ("portfolio", "Portfolio", "portfolio", ":material/table_view:"),
    ("whatif", "What-if", "whatif", ":material/tune:"),
    ("optimiser", "Optimiser", "optimiser", ":material/auto_fix_high:"),
    ("history", "History", "history", ":material/history:"),
    ("operations", "Operations", "operations", ":material/schedule:"),
    ("exports", "Exports", "exports", ":material/download:"),
    ("settings", "Settings & assumptions", "settings", ":material/settings:"),
)
HERE = Path(__file__).resolve().parent


def pages() -> list:
    """The pages whose file exists (a page another engineer adds appears by itself)."""
    out = []
    for name, title, url, icon in PAGES:
        path = Path("ui") / "pages" / f"{name}.py"
        if (HERE / path).is_file():
            out.append(st.Page(path, title=title, url_path=url or None, icon=icon,
                               default=not url))  # fmt: skip
    return out


def main() -> None:
    """One run: configure, read the URL, draw the sidebar, run the page on screen."""
    st.set_page_config(
        page_title="xmsim · CME–FICC cross-margin simulator",
        page_icon="⚖️",
        layout="wide",
        initial_sidebar_state="expanded",
    )
    state.init_state()
    page = st.navigation(pages(), position="top")
    demo.follow()  # a demo step's button: open its page
    state.note_page(page.url_path)
    st.title("CME–FICC cross-margining simulator")
    st.caption(
        "What each clearing house would charge on its own, what the arrangement saves, "
        "and why: both CCPs' savings side by side and the lower one applied."
    )
    ctx = context.Context(sidebar())
    context.set_current(ctx)
    state.show_url_warnings()
    state.check_portfolio(ctx.peek_fingerprint())  # drops what another portfolio made
    if not page.url_path:  # the landing page
        demo.story()
    page.run()
    state.check_portfolio(ctx.fingerprint, show=False)  # after this run's grid edits
    state.sync_url(ctx.share_text())  # last: a page may st.rerun() or st.switch_page() first


main()
