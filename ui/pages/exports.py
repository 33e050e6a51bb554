"""Exports: the downloads and the share link."""

from __future__ import annotations

import streamlit as st

from ui.context import current, ready
from ui.state import MAX_BOOK_CHARS, book_link, share_params
from xmsim.report import files as exports
from xmsim.upload.loader import portfolio_to_frame

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render() -> None:
    """Draw the page."""
    ctx = current()
    sim = ready(ctx)
    if sim is None:
        return
    detail = ctx.detail_sim  # the Results page's picked combined portfolio (or pooled)
    st.subheader("Downloads")
    stem = f"xmsim_{sim.result.settings.arrangement}_{sim.result.asof:%Y%m%d}"
    downloads = (  # label, data (bytes or a callable run on click), file name, MIME type
        ("Results (CSV)", exports.results_csv(sim), f"{stem}.csv", "text/csv"),
        ("All tables (XLSX)", lambda: exports.results_xlsx(detail), f"{stem}.xlsx", XLSX),
        ("Printable report (HTML)", lambda: exports.html_report(detail), f"{stem}.html",
         "text/html"),
        ("Portfolio (CSV)", exports.csv_bytes(portfolio_to_frame(ctx.portfolio)),
         "portfolio.csv", "text/csv"),
    )  # fmt: skip
    for col, (label, data, name, mime) in zip(st.columns(4), downloads, strict=True):
        col.download_button(label, data, name, mime, on_click="ignore", width="stretch")
    st.caption(
        "**Results (CSV)** is the same file as `python -m xmsim run FILE --format csv`: one "
        "row per combined portfolio and a TOTAL row. **All tables (XLSX)** has one sheet per "
        "table with dollar and percent formats, frozen headers and fitted columns. The "
        "**printable report** is one file (well under 1 MB, no internet needed) that prints on "
        "A4 or Letter from the browser's Print; hover a chart bar for its exact value."
    )
    st.caption(
        "Text cells starting with = + - @ get a leading apostrophe so that a spreadsheet "
        "never runs them as formulas; numbers stay numbers."
    )
    st.caption(
        f"Detail sheets and charts (VaR, SPAN, contributions) are for {detail.detail_label}; "
        "pick another combined portfolio on the Results page."
    )
    _share(ctx)


def _share(ctx) -> None:
    """The link of this view: settings away from their defaults and the portfolio (a
    sample's name, or an uploaded / pasted / edited one compressed into ``book=``)."""
    st.subheader("Share this view")
    text = ctx.share_text()
    _, too_big = book_link(text)
    params = share_params(text)
    if params:
        st.code("?" + "&".join(f"{k}={v}" for k, v in params.items()), language=None)
    else:
        st.caption("Every setting is at its default: the plain address opens this view.")
    if too_big:
        st.warning(f"The link cannot carry the portfolio: {too_big}. It opens the settings "
                   "only, with the default sample.")  # fmt: skip
    elif text is not None:
        st.caption(
            f"The portfolio ({len(ctx.portfolio):,} positions) travels in the link, "
            f"compressed ({len(params.get('book', '')):,} of at most {MAX_BOOK_CHARS:,} "
            "characters). The address bar holds the same link."
        )
    else:
        st.caption("The address bar holds the same link; the sample is named in it.")


if __name__ == "__main__":
    render()
