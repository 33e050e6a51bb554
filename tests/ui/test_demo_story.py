"""The landing page's demo story through AppTest: each button loads its step and opens the
page that shows it, with the library's numbers."""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("streamlit")

from tests.ui.test_app import _app, _expected, _metrics, _page, _sample, _simulator
from xmsim.portfolio import Portfolio
from xmsim.report import figures as reporting
from xmsim.simulate import dv01_neutral_hedge
from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio


def _book(name: str) -> Portfolio:
    return load_portfolio(_sample(name), asof=SAMPLE_ASOF).portfolio


def test_demo_story_in_four_clicks():
    at = _app()
    at.run()
    assert [b.key for b in at.button][:4] == ["demo_basis", "demo_customer", "demo_hedge",
                                              "demo_report"]  # fmt: skip
    # 2: the customer book in the customer arrangement, on the results page
    at.button(key="demo_customer").click().run()
    assert not at.exception
    assert (at.session_state["sample"], at.session_state["arr"]) == ("customer_book", "customer")
    shown = _metrics(at)
    assert shown == {
        **shown,
        **_expected(_simulator("customer").arrangement(_book("customer_book"))),
    }
    # 1: back to the basis trade, house reading by default
    at.button(key="demo_basis").click().run()
    assert (at.session_state["sample"], at.session_state["arr"]) == ("basis_trade", "auto")
    shown = _metrics(at)
    assert shown == {**shown, **_expected(_simulator().arrangement(_book("basis_trade")))}
    # 3: the cash book with the DV01-neutral ZN hedge as a what-if trade
    at.button(key="demo_hedge").click().run()
    assert not at.exception
    assert any(h.value == "Build a what-if" for h in at.subheader)  # the what-if page
    book = _book("cash_only")
    sim = _simulator()
    trade = dataclasses.replace(dv01_neutral_hedge(sim.run(book), "ZN"), account="HOUSE")
    hedged = sim.arrangement(book + Portfolio((trade,)))
    assert _metrics(at)["What-if total margin"] == reporting.fmt_usd(hedged.totals["total_after"])
    # 4: the report of the current view
    _page(at, "results")
    at.button(key="demo_report").click().run()
    assert not at.exception
    assert "Printable report (HTML)" in [b.label for b in at.get("download_button")]
    _page(at, "results")
    at.button(key="demo_hedge").click().run()  # step 3 again never adds the hedge twice
    assert any(h.value == "Build a what-if" for h in at.subheader)
    editor = next(e for e in at.data_editor if str(e.key).startswith("trades-"))
    assert len(editor.value) == 1
