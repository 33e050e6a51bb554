"""State that cannot go stale and validated inputs (issue #17 item 3, #19's app part), through
AppTest: URL parameters checked against ``xmsim.config.SETTINGS`` (a bad one falls back with a
warning naming it, never a traceback), widget defaults and ranges from the same table, share
links that carry a small portfolio, and the optimiser's hedge bound to the portfolio it was
made on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from ui import state
from xmsim import config
from xmsim.report import figures as reporting

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180
SMALL = (
    "account,product,quantity,coupon,maturity,contract,expiry,label\n"
    "HOUSE,UST,100000000,4,2034-02-15,,,note\n"
    "HOUSE,FUTURE,-700,,,ZN,2026-12,hedge\n"
)


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


# ------------------------------------------------------------------------------ defaults


def test_app_defaults_and_ranges_come_from_the_settings_table():
    d = config.defaults()
    assert state.DEFAULTS["cap"] == round(d["arrangement.cap"] * 100)
    assert state.DEFAULTS["conf"] == pytest.approx(d["var.confidence"] * 100)
    assert state.DEFAULTS["horizon"] == d["var.horizon_days"]
    assert state.DEFAULTS["lookback"] == d["var.lookback_years"]
    assert state.DEFAULTS["mode"] == d["var.mode"]
    assert state.DEFAULTS["basis"] == d["arrangement.savings_basis"]
    assert state.DEFAULTS["arr"] == d["arrangement.arrangement"]
    at = _app()
    assert not at.exception
    conf = at.slider(key="conf")
    lo, hi = config.BY_NAME["var.confidence"].bounds
    assert (conf.min, conf.max) == (lo * 100, hi * 100 - 0.1)  # open above: one step inside
    horizon = at.number_input(key="horizon")
    assert (horizon.min, horizon.max) == config.BY_NAME["var.horizon_days"].bounds
    assert at.number_input(key="floor").max is None  # no upper limit in the table
    assert tuple(at.radio(key="arr").options) == config.BY_NAME["arrangement.arrangement"].choices
    assert tuple(at.selectbox(key="acct").options) == config.BY_NAME["span.account_type"].choices


def test_account_type_widget_matches_the_cli():
    path = ROOT / "sample_portfolios" / "basis_trade.csv"
    cli = subprocess.run(
        [sys.executable, "-m", "xmsim", "run", str(path), "--account-type", "HRP",
         "--format", "json", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    totals = json.loads(cli.stdout)["totals"]
    at = _app(acct="HRP")
    assert not at.exception
    assert _metrics(at)["CME standalone"] == reporting.fmt_usd_compact(totals["cme_standalone"])
    assert any("account type HRP" in c.value for c in at.caption)


# ------------------------------------------------------------------------------ bad URLs


@pytest.mark.parametrize(
    ("query", "accepted"),
    [
        ({"conf": "150"}, "from 50 to 99.9"),
        ({"conf": "abc"}, "from 50 to 99.9"),
        ({"conf": "nan"}, "from 50 to 99.9"),
        ({"ratio": "5"}, "from 0 to 2"),
        ({"cap": "-5"}, "a whole number from 0 to 100"),
        ({"horizon": "2.5"}, "a whole number from 1 to 60"),
        ({"floor": "inf"}, "no upper limit"),
        ({"stress": "maybe"}, "true or false"),
        ({"arr": "both"}, "one of auto, house, customer"),
        ({"acct": "gold"}, "one of auto, member, non-HRP, HRP"),
        ({"asof": "1900-01-01"}, "a date (YYYY-MM-DD) from"),
        ({"asof": "31/07/2026"}, "a date (YYYY-MM-DD) from"),
        ({"sample": "nope"}, "no such sample"),
        ({"book": "not-a-portfolio"}, "not a portfolio link"),
    ],
)
def test_bad_url_values_fall_back_with_a_warning(query, accepted):
    at = _app(**query)
    assert not at.exception, at.exception
    ((key, raw),) = query.items()
    text = _warnings(at)
    assert f"`{key}={raw}`" in text or f"`{key}` ignored" in text, text
    assert accepted in text, text
    default = _metrics(_app())
    assert _metrics(at) == default  # the default view, computed as usual


def test_valid_url_values_are_used_and_unknown_ones_named():
    at = _app(conf="97.5", arr="CUSTOMER", stress="off", zzz="1")
    assert not at.exception
    assert at.slider(key="conf").value == 97.5
    assert at.radio(key="arr").value == "customer"
    assert at.toggle(key="stress").value is False
    assert "Unknown URL parameters ignored: `zzz`" in _warnings(at)
    at.button(key="url_dismiss").click().run()
    assert "Unknown URL" not in _warnings(at)


# ------------------------------------------------------------------------------ share links


def test_share_link_carries_a_pasted_portfolio():
    at = _app(src="Paste text")
    at.text_area(key="paste").input(SMALL).run()
    assert not at.exception
    shown = _metrics(at)
    book = at.query_params["book"]
    book = book[0] if isinstance(book, list) else book
    assert len(book) <= state.MAX_BOOK_CHARS
    opened = _app(book=book)
    assert not opened.exception
    assert opened.radio(key="src").value == "Paste text"
    assert _metrics(opened) == shown
    opened.switch_page("ui/pages/exports.py").run()
    assert any("travels in the link" in c.value for c in opened.caption)


def test_share_link_says_when_a_portfolio_is_too_large():
    big = (ROOT / "sample_portfolios" / "dealer_book.csv").read_text()
    at = _app(src="Paste text")
    at.text_area(key="paste").input(big).run()
    assert not at.exception
    assert "book" not in at.query_params
    at.switch_page("ui/pages/exports.py").run()
    assert not at.exception
    assert any("cannot carry the portfolio" in w.value for w in at.warning)


def test_book_value_round_trip_and_limits():
    text, problem = state.decode_book(state.encode_book(SMALL))
    assert (text, problem) == (SMALL, None)
    assert "at most" in state.decode_book("A" * (state.MAX_BOOK_CHARS + 1))[1]
    bomb = state.encode_book("0," * 1_000_000)  # 2 MB of text in under 4,000 characters
    assert len(bomb) <= state.MAX_BOOK_CHARS
    assert "expands beyond" in state.decode_book(bomb)[1]
    assert "cut" in state.decode_book(state.encode_book(SMALL)[:-8])[1]


# ------------------------------------------------------------------------------ stale state


def test_optimiser_hedge_is_dropped_when_the_portfolio_changes():
    pytest.importorskip("xmsim.optimize")
    at = _app(sample="half_hedge")
    at.switch_page("ui/pages/optimiser.py").run()
    at.toggle(key="opt_on").set_value(True).run()
    at.button(key="opt_apply").click().run()
    assert not at.exception
    at.switch_page("ui/pages/whatif.py").run()
    assert any("Optimiser's hedge (applied)" in h.value for h in at.subheader)
    at.selectbox(key="sample").set_value("basis_trade").run()
    assert not at.exception
    assert "The optimiser's hedge (BUY" in _warnings(at) or "The optimiser's hedge (SELL" in (
        _warnings(at)
    )
    assert "has been dropped" in _warnings(at)
    assert not any("Optimiser's hedge (applied)" in h.value for h in at.subheader)
    at.selectbox(key="sample").set_value("half_hedge").run()  # going back does not revive it
    assert not any("Optimiser's hedge (applied)" in h.value for h in at.subheader)
    assert "_bound_hedge" not in at.session_state


def test_a_grid_edit_drops_the_hedge_made_before_it():
    pytest.importorskip("xmsim.optimize")
    at = _app(sample="half_hedge")
    at.switch_page("ui/pages/optimiser.py").run()
    at.toggle(key="opt_on").set_value(True).run()
    at.button(key="opt_apply").click().run()
    assert "_bound_hedge" in at.session_state
    at.switch_page("ui/pages/portfolio.py").run()
    editor = next(e for e in at.data_editor if str(e.key).startswith("grid-"))
    at.session_state[editor.key] = {
        "edited_rows": {"0": {"quantity": 50_000_000}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "_bound_hedge" not in at.session_state  # the book changed under it
    at.switch_page("ui/pages/whatif.py").run()
    assert "has been dropped" in _warnings(at)
    assert not any("Optimiser's hedge (applied)" in h.value for h in at.subheader)


def test_whatif_trades_are_not_applied_to_another_portfolio_and_a_note_says_so():
    at = _app(sample="cash_only")
    at.switch_page("ui/pages/whatif.py").run()
    editor = next(e for e in at.data_editor if str(e.key).startswith("trades-"))
    at.session_state[editor.key] = {
        "edited_rows": {},
        "added_rows": [
            {"product": "FUTURE", "quantity": -205, "contract": "ZN", "expiry": "2026-09"},
            {"product": "FUTURE", "quantity": -10, "contract": "ZF", "expiry": "2026-09"},
        ],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    moved = {m.label: m.value for m in at.metric}["Change in total margin"]
    assert moved != "$0"
    at.selectbox(key="sample").set_value("half_hedge").run()
    assert not at.exception
    assert "The 2 what-if trades added on the previous portfolio are not applied" in (_warnings(at))
    assert {m.label: m.value for m in at.metric}["Change in total margin"] == "$0"
