"""What-if trades, scenarios and their comparison, against hand-computed numbers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from xmsim import whatif
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.report.scenarios import effect_text, fmt_pp_change, fmt_usd_change, scenario_display
from xmsim.simulate import Simulator, dv01_neutral_hedge
from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio, sample_paths

ASOF = SAMPLE_ASOF


def _summary(before: float, after: float, applied: float = 0.5) -> dict[str, float]:
    """A summary dict with round numbers (FICC:CME split 60:40, nothing ineligible)."""
    return {
        "total_before": before,
        "total_after": after,
        "savings_usd": before - after,
        "applied": applied,
        "savings_ficc_model": applied + 0.1,
        "savings_cme_model": applied,
        "ficc_requirement": 0.6 * after,
        "cme_requirement": 0.4 * after,
        "ineligible_margin": 0.0,
    }


def test_margin_effect_separates_the_margin_from_the_saving():
    # the issue's sign trap: a DV01 hedge on a cash book, margin +157,573 while "saved" +293,427
    base = _summary(1_000_000.0, 1_000_000.0)  # cash only: nothing to offset, nothing saved
    hedged = _summary(1_451_000.0, 1_157_573.0)
    e = whatif.margin_effect(base, hedged)
    assert e["total_margin_change_usd"] == pytest.approx(157_573.0)
    assert e["saved_usd"] == pytest.approx(293_427.0)
    assert e["saved_change_usd"] == pytest.approx(293_427.0)
    assert e["standalone_change_usd"] == pytest.approx(451_000.0)
    text = effect_text(e)
    assert text.startswith("Total margin to post rises by $157,573 although the arrangement ")
    assert "saves $293,427 more" in text and "+$451,000" in text
    falls = effect_text(whatif.margin_effect(hedged, base))
    assert falls.startswith("Total margin to post falls by $157,573; the arrangement saves "
                            "$293,427 less ($0 in all)")  # fmt: skip


def test_compare_scenarios_deltas_against_the_first():
    s = {
        "as loaded": _summary(2_000_000.0, 800_000.0, 0.6),
        "hedged": _summary(2_500_000.0, 700_000.0, 0.72),
        "half": _summary(1_500_000.0, 900_000.0, 0.4),
    }
    frame = whatif.compare_scenarios(s)
    assert list(frame.columns) == ["metric", "as loaded", "hedged", "half", "Δ hedged", "Δ half"]
    assert frame.loc["total_after", "Δ hedged"] == pytest.approx(-100_000.0)
    assert frame.loc["savings_usd", "Δ hedged"] == pytest.approx(600_000.0)  # 1.8m - 1.2m
    assert frame.loc["total_before", "Δ half"] == pytest.approx(-500_000.0)
    assert frame.loc["savings_usd", "Δ half"] == pytest.approx(-600_000.0)  # 0.6m - 1.2m
    assert frame.loc["applied", "Δ hedged"] == pytest.approx(0.12)
    assert frame.loc["ficc_requirement", "Δ half"] == pytest.approx(60_000.0)  # 0.6 x 100k
    shown = scenario_display(frame)
    assert shown.loc["Total margin to post (after cross-margining)", "Δ hedged"] == "−$100,000"
    assert shown.loc["Saved by cross-margining", "Δ half"] == "−$600,000"
    assert shown.loc["Applied %", "Δ hedged"] == "+12.00 pp"
    assert shown.loc["Applied %", "hedged"] == "72.00%"
    with pytest.raises(ValueError, match="at least two"):
        whatif.compare_scenarios({"one": s["hedged"]})


def test_signed_formats_never_show_minus_zero():
    assert fmt_usd_change(-0.4) == "$0" and fmt_usd_change(0.49) == "$0"
    assert fmt_usd_change(-70_224.2) == "−$70,224" and fmt_usd_change(12.6) == "+$13"
    assert fmt_pp_change(-0.00001) == "0.00 pp" and fmt_pp_change(-0.004) == "−0.40 pp"


def test_read_trades_checks_rows_as_the_upload_does():
    grid = pd.DataFrame(
        [
            {"product": "FUTURE", "quantity": -10, "contract": "ZN", "expiry": "2026-12"},
            {},  # an empty line is skipped, not an error
            {"product": "UST", "quantity": 5_000_000},  # no coupon, no maturity
            {"product": "UST", "quantity": "5mm", "coupon": 4.25, "maturity": "2034-11-15"},
            {
                "product": "FUTURE",
                "side": "SELL",
                "quantity": 7,
                "contract": "ZF",
                "expiry": "2026-12",
            },
        ],
        columns=list(whatif.TRADE_COLUMNS),
    )
    loaded = whatif.read_trades(grid, ASOF)
    assert [p.row for p in loaded.portfolio] == [1, 4, 5]  # grid lines, not spreadsheet rows
    assert [p.quantity for p in loaded.portfolio] == [-10.0, 5_000_000.0, -7.0]  # SELL 7
    assert loaded.rejected_rows == (3,)
    assert {i.column for i in loaded.errors} == {"coupon", "maturity"}
    assert whatif.read_trades(grid.iloc[[1]], ASOF).issues == ()  # only blank lines
    assert len(whatif.read_trades(None, ASOF).portfolio) == 0


def test_whatif_scales_the_book_then_adds_unscaled_trades():
    book = Portfolio(
        (
            Position(FUTURE, -980.0, contract="ZN", expiry=dt.date(2026, 12, 1)),
            Position(UST, 100e6, coupon_pct=4.0, maturity=dt.date(2034, 2, 15)),
        )
    )
    trade = Position(FUTURE, -15.0, contract="ZF", expiry=dt.date(2026, 12, 1))
    w = whatif.WhatIf("futures", 0.5, (trade,))
    got = w.apply(book)
    assert [p.quantity for p in got] == [-490.0, 100e6, -15.0]
    assert w.describe() == "futures x 0.5; SELL 15 " + trade.description
    assert whatif.WhatIf().apply(book) is book and whatif.WhatIf().is_identity


def test_dv01_hedge_on_a_cash_book_margin_change_is_standalone_change_less_saving_change():
    market = default_market()
    path = sample_paths().get("cash_only")
    if path is None:
        pytest.skip("cash_only sample missing")
    book = load_portfolio(path, asof=ASOF).portfolio
    simulator = Simulator(market)
    run = simulator.run(book)
    trade = dv01_neutral_hedge(run, "ZN")
    hedged = simulator.arrangement(whatif.WhatIf(trades=(trade,)).apply(book))
    b, h = run.result.totals, hedged.totals
    e = whatif.margin_effect(whatif.summary(run.result), whatif.summary(hedged))
    # each figure by hand from the two runs' totals
    assert e["total_margin_change_usd"] == pytest.approx(h["total_after"] - b["total_after"])
    assert e["standalone_change_usd"] == pytest.approx(h["total_before"] - b["total_before"])
    assert e["saved_change_usd"] == pytest.approx(
        (h["total_before"] - h["total_after"]) - (b["total_before"] - b["total_after"])
    )
    assert e["total_margin_change_usd"] == pytest.approx(
        e["standalone_change_usd"] - e["saved_change_usd"]
    )
    # a cash-only book saves nothing; the hedge's saving is all new
    assert b["savings_usd"] == 0.0 and e["saved_usd"] == pytest.approx(e["saved_change_usd"])
    same = whatif.compare_scenarios(
        {"as loaded": whatif.summary(run.result), "again": whatif.summary(run.result)}
    )
    assert (same["Δ again"] == 0.0).all()
