"""Display tables, figures, exports, the margin-cycle timeline and what-if helpers."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from xmsim import whatif
from xmsim.arrangement import cycle as operations
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import Portfolio
from xmsim.report import figures as reporting
from xmsim.report import files as exports
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio, sample_paths

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def simulator() -> Simulator:
    return Simulator(default_market())


def _portfolio(name: str):
    path = sample_paths().get(name)
    if path is None:
        pytest.skip(f"sample {name} not in sample_portfolios/")
    return load_portfolio(path, asof=SAMPLE_ASOF).portfolio


@pytest.fixture(scope="module")
def basis(simulator):
    return simulator.run(_portfolio("basis_trade"))


@pytest.fixture(scope="module")
def mixed(simulator):
    return simulator.run(_portfolio("ineligible_mix"))


# ------------------------------------------------------------------------------ numbers


def test_format_round_trip():
    for value in (0.0, 1.0, 1234567.4, -98765.0):
        assert reporting.parse_display_number(reporting.fmt_usd(value)) == round(value)
    assert reporting.fmt_pct(0.432603) == "43.26%"
    assert reporting.parse_display_number("43.26%") == pytest.approx(0.4326)
    assert reporting.fmt_usd(-5.2) == "-$5"


def test_summary_of_one_account_is_the_account(basis):
    a, s = basis.result.accounts[0], reporting.summary(basis.result)
    assert s["applied"] == a.applied
    assert s["savings_ficc_model"] == a.savings_ficc_model
    assert s["savings_cme_model"] == a.savings_cme_model
    for key, value in basis.result.totals.items():
        if key in s:
            assert s[key] == value
    assert s["total_before"] - s["total_after"] == pytest.approx(s["savings_usd"])


def test_summary_of_customer_accounts_is_the_effective_reduction(simulator):
    config = RunConfig(arrangement=ArrangementSettings(arrangement="customer"))
    result = Simulator(simulator.market, config).arrangement(_portfolio("customer_book"))
    s, t = reporting.summary(result), result.totals
    assert s["n_accounts"] == len(result.accounts) > 1
    after = t["ficc_requirement"] + t["cme_requirement"]
    assert s["applied"] == pytest.approx(1 - after / (t["ficc_standalone"] + t["cme_standalone"]))
    assert reporting.headline_labels(result)["applied"].startswith("Applied % (effective")
    frame = reporting.accounts_frame(result)
    assert frame.iloc[-1]["account"] == "ALL ACCOUNTS"
    assert frame.iloc[-1]["total_after"] == pytest.approx(t["total_after"])
    assert frame.iloc[:-1]["savings_usd"].sum() == pytest.approx(frame.iloc[-1]["savings_usd"])


def test_views_frame_matches_the_model_views(basis):
    a = basis.result.accounts[0]
    views = reporting.views_frame(basis.result)
    ficc, cme = views.columns
    assert views.loc["Standalone (sum of legs)", ficc] == pytest.approx(a.var.standalone)
    assert views.loc["Combined portfolio", cme] == pytest.approx(a.span.combined)
    assert views.loc["Savings %", ficc] == pytest.approx(a.var.savings)
    assert views.loc["Savings %", cme] == pytest.approx(a.span.savings)
    shown = reporting.display_views(basis.result)
    assert shown.loc["Savings %", cme] == reporting.fmt_pct(a.span.savings)


def test_headline_has_stable_labels(basis):
    keys = [k for k, _, _ in reporting.headline(basis.result)]
    assert keys == list(reporting.HEADLINE_KEYS)
    labels = [label for _, label, _ in reporting.headline(basis.result)]
    assert "FICC standalone" in labels and "Applied (lower) %" in labels


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("basis_trade", "capped at 80%"),
        ("half_hedge", "lower than"),
        ("cash_only", "no CME-eligible leg"),
        ("futures_only", "no FICC-eligible leg"),
    ],
)
def test_explain_says_why(simulator, name, phrase):
    result = simulator.arrangement(_portfolio(name))
    text = reporting.explain(result)
    assert phrase in text, text
    assert reporting.fmt_usd(result.totals["savings_usd"]) in text


def test_explain_do_no_harm(simulator):
    # futures turned the same way as the cash: nothing offsets, one model finds no saving
    p = _portfolio("basis_trade")
    same_way = Portfolio(
        tuple(dataclasses.replace(x, quantity=-x.quantity) if x.is_future else x for x in p)
    )
    result = simulator.arrangement(same_way)
    assert result.accounts[0].applied == 0.0
    text = reporting.explain(result)
    assert "do-no-harm" in text and "$0 saved" in text


def test_ineligible_frame_lists_every_row(mixed):
    frame = reporting.ineligible_frame(mixed.result)
    n = sum(len(a.ineligible) for a in mixed.result.accounts)
    assert len(frame) == n > 0
    assert frame["reason"].str.len().min() > 0


def test_assumptions_label_every_setting(basis):
    r = basis.result
    frame = reporting.assumptions_frame(r.model_settings, r.history, basis.market.curve.label,
                                        True, "house", 0.8, "sum_of_legs")  # fmt: skip
    assert set(frame.status) <= {"SRC", "ASSUMED", "CALIBRATED", "USER"}
    span = frame.set_index("setting").loc["SPAN parameters"]
    assert span.status == "ASSUMED" and "not official" in span["source / note"]
    hist = frame.set_index("setting").loc["Yield history"]
    assert "synthetic, calibrated to 1990–2024" in hist["source / note"]


# ------------------------------------------------------------------------------ figures


def test_figures(basis):
    r = basis.result
    wf = reporting.waterfall_figure(r)
    assert isinstance(wf, go.Figure)
    steps = wf.data[0]
    assert list(steps.measure).count("total") == 2
    relative = [y for y, m in zip(steps.y, steps.measure, strict=True) if m == "relative"]
    assert sum(relative) == pytest.approx(r.totals["total_after"])
    ladder = reporting.dv01_ladder_figure(basis.dv01_ladder())
    assert [t.name for t in ladder.data] == ["FICC leg", "CME leg", "net"]
    v = basis.var_detail
    hist = reporting.var_histogram_figure(v.pnl_usd, v.var_usd, 0.99, v.worst(5))
    assert np.asarray(hist.data[0].x).size == v.pnl_usd.size
    span = reporting.span_scenarios_figure(basis.span_detail.scenarios_frame(), 1.0)
    assert len(span.data[-1].x) == 16


def test_hedge_ratio_sweep_and_figure(simulator, basis):
    p = basis.portfolio
    sweep = whatif.hedge_ratio_sweep(simulator, p, ratios=(0.0, 0.5, 1.0))
    assert list(sweep.ratio) == [0.0, 0.5, 1.0]
    at_one = sweep.set_index("ratio").loc[1.0]
    assert at_one.applied == basis.result.accounts[0].applied
    assert at_one.total_after == pytest.approx(basis.result.totals["total_after"])
    assert sweep.set_index("ratio").loc[0.0].applied == 0.0  # no futures, no CME leg
    fig = reporting.hedge_ratio_figure(sweep, 0.5)
    assert [t.name for t in fig.data][:2] == ["applied %", "total margin after"]


def test_scale_leg_and_compare(simulator, basis):
    p = basis.portfolio
    half = whatif.scale_leg(p, 0.5)
    for a, b in zip(p, half, strict=True):
        assert b.quantity == (round(a.quantity * 0.5) if a.is_future else a.quantity)
    cash = whatif.scale_leg(p, 0.5, whatif.CASH_LEG)
    assert [b.quantity for b in cash] == [a.quantity * (0.5 if a.is_cash else 1) for a in p]
    same = whatif.compare(basis.result, simulator.arrangement(p))
    assert (same.change == 0).all()
    moved = whatif.compare(basis.result, simulator.arrangement(half)).set_index("key")
    assert moved.loc["applied", "change"] != 0
    shown = reporting.compare_display(moved.reset_index())
    assert shown.loc["Applied (lower) %", "change"].endswith("pp")
    with pytest.raises(ValueError):
        whatif.scale_leg(p, -1)


# ------------------------------------------------------------------------------ exports


def test_neutralise_text_but_not_numbers():
    assert exports.neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for bad in ("+1", "-2", "@SUM(A1)", "\tx"):
        assert exports.neutralise(bad).startswith("'")
    assert exports.neutralise("UST 4% 2034") == "UST 4% 2034"
    assert exports.neutralise(-5.0) == -5.0
    frame = pd.DataFrame({"text": ["=1+1", "ok", "-x"], "usd": [-1.5, 2.0, 3.25]})
    out = exports.neutralise_frame(frame)
    assert list(out.text) == ["'=1+1", "ok", "'-x"]
    assert out.usd.tolist() == [-1.5, 2.0, 3.25]


def _hostile_tables(sim) -> dict[str, pd.DataFrame]:
    tables = exports.result_tables(sim)
    tables["hostile"] = pd.DataFrame(
        {"label": ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-2", "plain"],
         "usd": [-1.0, 0.5, 1e9, -2.25, 0.0], "n": [1, 2, 3, 4, 5]}
    )  # fmt: skip
    return tables


def test_csv_round_trip(basis):
    for name, frame in _hostile_tables(basis).items():
        back = pd.read_csv(io.BytesIO(exports.csv_bytes(frame)), keep_default_na=False)
        expected = exports.neutralise_frame(frame)
        assert list(back.columns) == list(expected.columns), name
        for col in expected.columns:
            if pd.api.types.is_numeric_dtype(expected[col]) and expected[col].notna().all():
                np.testing.assert_allclose(back[col].to_numpy(float), expected[col], rtol=1e-15)
            else:
                want = ["" if pd.isna(v) else str(v) for v in expected[col]]
                assert [str(v) for v in back[col]] == want, (name, col)


def test_xlsx_round_trip(basis):
    tables = _hostile_tables(basis)
    data = exports.xlsx_bytes(tables)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [n[:31] for n in tables]
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    for name, frame in tables.items():
        back, expected = sheets[name[:31]], exports.neutralise_frame(frame)
        assert list(back.columns) == list(expected.columns), name
        for col in expected.columns:
            if pd.api.types.is_numeric_dtype(expected[col]) and not pd.api.types.is_bool_dtype(
                expected[col]
            ):
                np.testing.assert_allclose(back[col].to_numpy(float),
                                           expected[col].to_numpy(float), rtol=1e-15)  # fmt: skip
            else:
                # an empty text cell is an empty spreadsheet cell: both read back as missing
                want = [None if pd.isna(v) or v == "" else v for v in expected[col]]
                got = [None if pd.isna(v) else v for v in back[col]]
                assert got == want, (name, col)
    hostile = book["hostile"]
    assert hostile["A2"].value == "'=cmd|' /C calc'!A0"
    assert hostile["B2"].value == -1.0 and hostile["B2"].data_type == "n"


def test_results_csv_is_the_accounts_table(basis):
    back = pd.read_csv(io.BytesIO(exports.results_csv(basis)))
    assert back.loc[0, "total_after"] == pytest.approx(basis.result.totals["total_after"])
    assert back.loc[0, "applied"] == basis.result.accounts[0].applied


def test_html_report_is_self_contained(basis):
    page = exports.html_report(basis)  # static SVG charts: no script at all
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and page.count("<svg") == 4
    assert not re.search(r"<link[^>]*\bhref=", page)  # no external stylesheets
    interactive = exports.html_report(basis, figures=exports.default_figures(basis))
    assert "Plotly.newPlot" in interactive and len(interactive) > 1_000_000  # plotly.js inline
    assert not re.search(r"<script[^>]*\bsrc=", interactive)  # no external scripts
    assert interactive.count('<script type="text/javascript">/**') <= 1  # plotly.js once
    for _, label, value in reporting.headline(basis.result):
        assert label in page and value in page
    assert "illustrative, not official CME levels" in page
    assert "FICC's view vs CME's view" in page


# ------------------------------------------------------------------------------ operations


def test_margin_cycle_friday():
    events = operations.margin_cycle(dt.date(2026, 7, 31))  # a Friday
    times = [(e.start.date(), e.start.hour, e.start.minute) for e in events]
    assert times == [
        (dt.date(2026, 7, 31), 12, 0),
        (dt.date(2026, 7, 31), 20, 0),
        (dt.date(2026, 7, 31), 22, 30),
        (dt.date(2026, 8, 3), 2, 0),
        (dt.date(2026, 8, 3), 9, 30),
    ]
    assert events[3].end.hour == 3
    assert all(e.start.tzinfo is operations.EASTERN for e in events)
    assert events[2].approximate and events[2].when.startswith("Fri 31 Jul 2026, ~10:30 p.m.")
    assert events[4].when == "Mon 03 Aug 2026, 9:30 a.m. ET"
    assert all(e.source.startswith("FAQ Q") for e in events)


def test_margin_cycle_skips_holidays_and_weekends():
    labor_day_eve = operations.margin_cycle(dt.date(2026, 9, 4))  # Fri before Labor Day
    assert labor_day_eve[-1].start.date() == dt.date(2026, 9, 8)
    saturday = dt.date(2026, 8, 1)
    assert operations.cycle_day(saturday) == dt.date(2026, 7, 31)
    assert "not a business day" in operations.cycle_note(saturday)
    frame = operations.cycle_frame(saturday)
    assert list(frame.columns) == ["when (ET)", "CCP", "event", "source"]
    assert any("Q7" in line for line in operations.TWO_POT_REMINDER)


# ------------------------------------------------------------------------------ layering


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_layering():
    """xmsim never imports streamlit; the report's figure modules are the only plotly importers."""
    figures = {"xmsim/report/figures.py", "xmsim/report/figures_history.py"}
    for path in sorted((ROOT / "xmsim").rglob("*.py")):
        names = _imports(path)
        assert "streamlit" not in names, path
        if path.relative_to(ROOT).as_posix() not in figures:
            assert "plotly" not in names, path


def test_account_type_line_says_which_multiplier_applies_to_whom():
    from xmsim.report.tables import account_type_text

    mult = {"member": 1.0, "non-HRP": 1.0, "HRP": 1.1}
    auto = account_type_text({"span_account_type": "auto", "span_initial_multipliers": mult})
    assert auto == ("account type auto: member for house portfolios, non-HRP for customer "
                    "accounts (initial = 1.00 × maintenance for both)")  # fmt: skip
    edited = {**mult, "non-HRP": 1.25}
    text = account_type_text({"span_account_type": "auto", "span_initial_multipliers": edited})
    assert text.endswith("(initial = 1.00 × maintenance (member), 1.25 × (non-HRP))")
    hrp = account_type_text({"span_account_type": "HRP", "span_initial_multipliers": mult})
    assert hrp == "account type HRP (initial = 1.10 × maintenance)"
