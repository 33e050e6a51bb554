"""The what-if page through AppTest: trades typed in the grid, saved scenarios compared, the
margin to post apart from the saving, and trades that stay with their book.

Expected numbers come from ``Simulator.arrangement`` on portfolios built here by hand (the
trades as ``Position`` values), differences taken here.
"""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("streamlit")

from tests.ui.test_app import _app, _metrics, _page, _sample, _simulator
from xmsim import whatif
from xmsim.portfolio import FUTURE, Portfolio, Position
from xmsim.report import figures as reporting
from xmsim.report.scenarios import fmt_usd_change
from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio

SEP = dt.date(2026, 9, 1)


def _type_trades(at, rows: list[dict]) -> None:
    """Add ``rows`` to the trade grid as a user typing them would, and rerun."""
    editor = next(e for e in at.data_editor if str(e.key).startswith("trades-"))
    at.session_state[editor.key] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
    at.run()


def _book(name: str) -> Portfolio:
    return load_portfolio(_sample(name), asof=SAMPLE_ASOF).portfolio


def test_trades_typed_in_the_grid_are_margined_and_bad_lines_named():
    at = _app(sample="cash_only")
    at.run()
    _page(at, "whatif")
    assert _metrics(at)["Change in total margin"] == "$0"
    _type_trades(
        at,
        [
            {"product": "FUTURE", "quantity": -205, "contract": "ZN", "expiry": "2026-09"},
            {"product": "UST", "quantity": 1_000_000},  # no coupon, no maturity: line 2 left out
        ],
    )
    assert not at.exception
    book = _book("cash_only")
    trade = Position(FUTURE, -205.0, contract="ZN", expiry=SEP)
    base = _simulator().arrangement(book)
    hedged = _simulator().arrangement(book + Portfolio((trade,)))
    shown = _metrics(at)
    after, before = hedged.totals["total_after"], base.totals["total_after"]
    assert shown["What-if total margin"] == reporting.fmt_usd(after)
    assert shown["Change in total margin"] == fmt_usd_change(after - before)
    saved = hedged.totals["total_before"] - hedged.totals["total_after"]
    assert shown["Cross-margin saving"] == reporting.fmt_usd(saved)
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Cross-margin saving"] == "+" + reporting.fmt_usd(saved)  # arrow up: more
    assert deltas["What-if total margin"] in (None, "")  # the change is its own card
    assert any("1 valid" in e.value and "line 2" in e.value for e in at.error)
    issues = next(d.value for d in at.dataframe if "line" in d.value.columns)
    assert set(issues.line) == {2} and set(issues.column) == {"coupon", "maturity"}
    # the two numbers are said apart in words
    assert any(i.value.startswith("Total margin to post falls by") for i in at.info)


def test_saved_scenarios_compare_side_by_side_with_deltas():
    at = _app(sample="half_hedge")
    at.run()
    _page(at, "whatif")
    at.slider(key="ratio").set_value(0.5).run()
    at.text_input(key="scn_name").input("half the futures").run()
    at.button(key="scn_save").click().run()
    at.slider(key="ratio").set_value(1.5).run()
    at.text_input(key="scn_name").input("one and a half").run()
    at.button(key="scn_save").click().run()
    assert not at.exception
    picker = next(m for m in at.multiselect if str(m.key).startswith("scn_pick-"))
    assert picker.value == ["Book as loaded (current settings)", "half the futures",
                            "one and a half"]  # fmt: skip
    table = next(d.value for d in at.dataframe if "Δ one and a half" in d.value.columns)
    assert list(table.columns) == ["Book as loaded (current settings)", "half the futures",
                                   "one and a half", "Δ half the futures",
                                   "Δ one and a half"]  # fmt: skip
    book = _book("half_hedge")
    sim = _simulator()
    totals = {r: sim.arrangement(whatif.scale_leg(book, r)).totals for r in (1.0, 0.5, 1.5)}
    row = "Total margin to post (after cross-margining)"
    for ratio, col in ((0.5, "Δ half the futures"), (1.5, "Δ one and a half")):
        change = totals[ratio]["total_after"] - totals[1.0]["total_after"]
        assert table.loc[row, col] == fmt_usd_change(change)
        saved = (totals[ratio]["total_before"] - totals[ratio]["total_after"]) - (
            totals[1.0]["total_before"] - totals[1.0]["total_after"]
        )
        assert table.loc["Saved by cross-margining", col] == fmt_usd_change(saved)
    assert table.loc[row, "one and a half"] == reporting.fmt_usd(totals[1.5]["total_after"])
    # the scenarios belong to this book: another sample does not see them
    at.selectbox(key="sample").set_value("basis_trade").run()
    _page(at, "whatif")
    assert not any(str(m.key).startswith("scn_pick-") for m in at.multiselect)
    assert any("2 scenarios saved on other portfolios" in c.value for c in at.caption)
    at.selectbox(key="sample").set_value("half_hedge").run()
    _page(at, "whatif")
    assert any(str(m.key).startswith("scn_pick-") for m in at.multiselect)


def test_trades_stay_with_the_book_they_were_made_on():
    at = _app(sample="cash_only")
    at.run()
    _page(at, "whatif")
    _type_trades(at, [{"product": "FUTURE", "quantity": -100, "contract": "ZN",
                       "expiry": "2026-09"}])  # fmt: skip
    assert _metrics(at)["Change in total margin"] != "$0"
    at.selectbox(key="sample").set_value("basis_trade").run()
    _page(at, "whatif")
    assert not at.exception
    assert _metrics(at)["Change in total margin"] == "$0"  # no trade carried over
    base = _simulator().arrangement(_book("basis_trade"))
    assert _metrics(at)["What-if total margin"] == reporting.fmt_usd(base.totals["total_after"])
    at.selectbox(key="sample").set_value("cash_only").run()
    _page(at, "whatif")
    assert _metrics(at)["Change in total margin"] != "$0"  # back with its own book


def test_dv01_hedge_adds_into_the_trade_grid():
    at = _app(sample="cash_only")
    at.run()
    _page(at, "whatif")
    at.button(key="hedge_add").click().run()
    assert not at.exception
    book = _book("cash_only")
    trade = Position(FUTURE, -205.0, contract="ZN", expiry=SEP)  # -DV01 / ZN DV01, rounded
    hedged = _simulator().arrangement(book + Portfolio((trade,)))
    assert _metrics(at)["What-if total margin"] == reporting.fmt_usd(hedged.totals["total_after"])
    editor = next(e for e in at.data_editor if str(e.key).startswith("trades-"))
    assert list(editor.value["quantity"]) == [-205.0]


def test_large_book_hedge_ratio_chart_on_a_click_and_kept():
    at = _app(sample="dealer_book")
    at.run()
    _page(at, "whatif")
    assert not at.exception
    assert not at.get("plotly_chart")  # 1,100 positions: the 17-run sweep waits
    at.button(key="sweep_go").click().run()
    assert len(at.get("plotly_chart")) == 1
    at.run()  # an unrelated rerun keeps it
    assert len(at.get("plotly_chart")) == 1
