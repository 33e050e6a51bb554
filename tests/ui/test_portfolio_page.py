"""Hand entry, broker headers and the as-of date through AppTest: the grid works from empty
with per-line messages, aliases are reported as read, and the as-of follows the market."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

pytest.importorskip("streamlit")

from tests.ui.test_app import _app, _expected, _metrics, _page, _sample, _simulator
from xmsim.marketdata.defaults import DEFAULT_ASOF
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio

BROKER = (
    "Account ID,Type,Side,Par Value,Coupon %,Maturity Date,Symbol,Contract Month\n"
    "HOUSE,UST,BUY,100000000,4.25,2034-11-15,,\n"
    "HOUSE,FUTURE,SELL,900,,,ZN,2026-12\n"
)


def test_hand_entry_from_an_empty_grid_with_messages_per_line():
    at = _app()
    at.run()
    at.radio(key="src").set_value("Build by hand").run()
    assert not at.exception
    assert any("add positions in the grid" in i.value for i in at.info)
    _page(at, "portfolio")
    editor = next(e for e in at.data_editor if str(e.key).startswith("grid-hand"))
    assert len(editor.value) == 0
    assert list(editor.value.columns)[:5] == ["account", "product", "quantity", "coupon",
                                              "maturity"]  # fmt: skip
    at.session_state[editor.key] = {
        "edited_rows": {},
        "added_rows": [
            {"product": "UST", "quantity": 100_000_000, "coupon": 4.25, "maturity": "2034-11-15"},
            {"product": "FUTURE", "quantity": -900, "contract": "ZN", "expiry": "2026-12-01"},
            {"product": "UST", "quantity": 5_000_000},  # line 3: no coupon, no maturity
        ],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert any("2 positions valid; lines left out: 3" in e.value for e in at.error)
    issues = next(d.value for d in at.dataframe if "line" in d.value.columns)
    assert set(issues.line) == {3} and set(issues.column) == {"coupon", "maturity"}
    book = Portfolio(
        (
            Position(UST, 100e6, coupon_pct=4.25, maturity=dt.date(2034, 11, 15)),
            Position(FUTURE, -900.0, contract="ZN", expiry=dt.date(2026, 12, 1)),
        )
    )
    _page(at, "results")
    shown = _metrics(at)
    assert shown == {**shown, **_expected(_simulator().arrangement(book))}


def test_broker_headers_are_reported_as_read_on_the_portfolio_page():
    at = _app(src="Paste text")
    at.run()
    at.text_area(key="paste").input(BROKER).run()
    _page(at, "portfolio")
    assert not at.exception
    text = " ".join(c.value for c in at.caption)
    assert "read column 'Par Value' as quantity" in text
    assert "read column 'Coupon %' as coupon" in text
    _page(at, "results")
    book = load_portfolio(BROKER, asof=SAMPLE_ASOF).portfolio
    assert [p.quantity for p in book] == [100e6, -900.0]  # the side signed the futures
    shown = _metrics(at)
    assert shown == {**shown, **_expected(_simulator().arrangement(book))}


def _history_csv(end: dt.date, days: int = 700) -> bytes:
    """A Treasury-format par-yield history of ``days`` business days ending ``end``."""
    rng = np.random.default_rng(7)
    dates, d = [], end
    while len(dates) < days:
        if d.weekday() < 5:
            dates.append(d)
        d -= dt.timedelta(days=1)
    dates.reverse()
    tenors = ["1 Mo", "2 Mo", "3 Mo", "6 Mo", "1 Yr", "2 Yr", "3 Yr", "5 Yr", "7 Yr", "10 Yr",
              "20 Yr", "30 Yr"]  # fmt: skip
    base = np.linspace(4.3, 4.7, len(tenors))
    walk = np.cumsum(rng.normal(0, 0.04, (days, 1)), axis=0) + rng.normal(0, 0.01, (days, 12))
    lines = ["Date," + ",".join(tenors)]
    for day, row in zip(dates, base + walk, strict=True):
        lines.append(f"{day:%m/%d/%Y}," + ",".join(f"{x:.2f}" for x in row))
    return ("\n".join(lines) + "\n").encode()


def test_as_of_follows_the_loaded_market_and_comes_back_when_it_is_removed():
    at = _app(sample="basis_trade")
    at.run()
    assert at.session_state["asof_picker"] == DEFAULT_ASOF
    at.radio(key="hist").set_value("upload").run()
    end = dt.date(2024, 12, 31)
    at.file_uploader(key="hist_file").set_value(("par.csv", _history_csv(end), "text/csv"))
    at.run()
    assert not at.exception
    assert at.session_state["asof_picker"] == end
    assert any("last date of the loaded history" in i.value for i in at.sidebar.info)
    at.radio(key="hist").set_value("embedded").run()
    assert not at.exception
    assert at.session_state["asof_picker"] == DEFAULT_ASOF  # back to the embedded market's date
    assert any("loaded history was removed" in i.value for i in at.sidebar.info)
    assert not any("rows were rejected" in w.value for w in at.warning)  # no row lost
    book = load_portfolio(_sample("basis_trade"), asof=SAMPLE_ASOF).portfolio
    shown = _metrics(at)
    assert shown == {**shown, **_expected(_simulator().arrangement(book))}
