"""The Streamlit app driven headlessly with ``streamlit.testing.v1.AppTest``.

Every number on the page must be the library's (and so the CLI's): the tests recompute it with
``Simulator`` and compare the formatted strings. The app is a set of pages (``ui/pages/``):
``_page`` switches to one and reruns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from xmsim import whatif
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.marketdata.defaults import default_market
from xmsim.report import figures as reporting
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import SAMPLE_ASOF, SAMPLES, TEMPLATE_CSV, load_portfolio, sample_paths

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180
BAD_CSV = (
    "account,product,quantity,coupon,maturity,contract,expiry,label\n"
    "HOUSE,REPO,100000000,4,2034-02-15,,,good repo\n"  # missing end_date -> error
    "HOUSE,UST,100000000,4,2034-02-15,,,good note\n"
    "HOUSE,UST,5000000,4.5,2034-13-45,,,bad maturity\n"
    "HOUSE,WIDGET,10,,,,,bad product\n"
    "HOUSE,FUTURE,-980,,,ZN,2026-12,good hedge\n"
)


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def _page(at: AppTest, name: str) -> AppTest:
    """Show the page ``ui/pages/<name>.py`` and rerun."""
    return at.switch_page(f"ui/pages/{name}.py").run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _expected(result) -> dict[str, str]:
    return {c.label: c.value for c in reporting.headline_cards(result)}


def _simulator(arrangement: str = "auto") -> Simulator:
    config = RunConfig(arrangement=ArrangementSettings(arrangement=arrangement))
    return Simulator(default_market(), config)


def _sample(name: str) -> Path:
    path = sample_paths().get(name)
    if path is None:
        pytest.skip(f"sample {name} not in sample_portfolios/")
    return path


def test_first_load_shows_the_basis_trade():
    at = _app()
    at.run()
    assert not at.exception
    path = _sample("basis_trade")
    result = _simulator().arrangement(load_portfolio(path, asof=SAMPLE_ASOF).portfolio)
    shown = _metrics(at)
    for label, value in _expected(result).items():
        assert shown[label] == value, label
    assert any(reporting.explain(result) == i.value for i in at.info)
    assert at.query_params["sample"] == ["basis_trade"] or at.query_params["sample"] == (
        "basis_trade"
    )


@pytest.mark.parametrize("name", [name for name, _ in SAMPLES])
def test_every_sample_loads_and_shows_results(name):
    at = _app(sample=name)
    at.run()
    assert not at.exception, at.exception
    shown = _metrics(at)
    assert "FICC standalone" in shown and "Dollars saved" in shown
    result = _simulator().arrangement(
        load_portfolio(sample_paths()[name], asof=SAMPLE_ASOF).portfolio
    )
    assert shown["Dollars saved"] == reporting.fmt_usd_compact(result.totals["savings_usd"])
    assert not at.error


def test_bad_paste_shows_errors_and_keeps_valid_rows():
    at = _app(src="Paste text")
    at.run()
    at.text_area(key="paste").input(BAD_CSV).run()
    assert not at.exception
    assert any("3 rows were rejected" in w.value for w in at.warning)  # on the results page
    _page(at, "portfolio")
    assert not at.exception
    assert any("rows rejected" in e.value for e in at.error)
    issues = [df.value for df in at.dataframe if "message" in df.value.columns]
    assert issues, "no issue table"
    table = issues[0]
    assert {"row", "column", "value", "message"} <= set(table.columns)
    errors = table[table.severity == "error"]
    assert set(errors.row.dropna().astype(int)) == {2, 4, 5}
    assert "2034-13-45" in set(errors.value)
    # the valid rows (a note and the hedge) are margined, exactly as the library does
    valid = load_portfolio(BAD_CSV, asof=SAMPLE_ASOF)
    assert len(valid.portfolio) == 2
    result = _simulator().arrangement(valid.portfolio)
    _page(at, "results")
    shown = _metrics(at)
    for label, value in _expected(result).items():
        assert shown[label] == value, label
    assert any("3 rows were rejected" in w.value for w in at.warning)


def test_switching_house_and_customer_matches_the_library_and_cli():
    path = _sample("customer_book")
    portfolio = load_portfolio(path, asof=SAMPLE_ASOF).portfolio
    at = _app(sample="customer_book", arr="house")
    at.run()
    house = _metrics(at)
    assert house == {**house, **_expected(_simulator("house").arrangement(portfolio))}
    at.radio(key="arr").set_value("customer").run()
    assert not at.exception
    customer = _metrics(at)
    expected = _simulator("customer").arrangement(portfolio)
    assert customer == {**customer, **_expected(expected)}
    assert customer["Dollars saved"] != house["Dollars saved"]
    # the per-account table appears, one row per account, and its TOTAL pinned below it
    accounts = [df.value for df in at.dataframe if "account" in df.value.columns
                and "total_after_usd" in df.value.columns]  # fmt: skip
    assert len(accounts[0]) == len(expected.accounts)
    assert list(accounts[1].account) == [f"TOTAL ({len(expected.accounts)} combined portfolios)"]
    cli = subprocess.run(
        [sys.executable, "-m", "xmsim", "run", str(path), "--arrangement", "customer",
         "--format", "json", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    totals = json.loads(cli.stdout)["totals"]
    assert customer["Dollars saved"] == reporting.fmt_usd_compact(totals["savings_usd"])
    assert customer["FICC after"] == reporting.fmt_usd_compact(totals["ficc_requirement"])
    assert accounts[1].total_after_usd.iloc[0] == round(totals["total_after"])
    assert at.query_params["arr"] in ("customer", ["customer"])


def test_whatif_slider_moves_the_applied_percentage():
    path = _sample("half_hedge")
    at = _app(sample="half_hedge")
    at.run()
    base = _metrics(at)["Applied %"]
    _page(at, "whatif")
    assert base == _metrics(at)["What-if applied %"]
    at.slider(key="ratio").set_value(1.5).run()
    assert not at.exception
    moved = _metrics(at)["What-if applied %"]
    assert moved != base
    portfolio = load_portfolio(path, asof=SAMPLE_ASOF).portfolio
    expected = _simulator().arrangement(whatif.scale_leg(portfolio, 1.5))
    assert moved == reporting.fmt_pct(reporting.summary(expected)["applied"])
    _page(at, "results")
    assert _metrics(at)["Applied %"] == base  # the base view does not move
    _page(at, "whatif")  # the slider keeps its value across pages
    assert _metrics(at)["What-if applied %"] == moved


def test_url_parameters_set_the_view():
    at = _app(sample="basis_trade", cap="50", arr="house")
    at.run()
    assert not at.exception
    assert _metrics(at)["Applied %"] == "50.00%"
    assert at.query_params["cap"] in ("50", ["50"])


def test_template_paste_and_settings_tabs_render():
    at = _app(src="Paste text")
    at.run()
    at.text_area(key="paste").input(TEMPLATE_CSV).run()
    assert not at.exception
    assert "FICC standalone" in _metrics(at)
    captions = " ".join(c.value for c in at.caption)
    assert "ASSUMED" in captions and "synthetic, calibrated to 1990–2024" in captions
    assert "illustrative, not official CME levels" in captions
    _page(at, "settings")
    assert not at.exception
    assert any(h.value == "Assumptions" for h in at.subheader)
    _page(at, "operations")
    assert not at.exception
    tables = " ".join(str(t.value) for t in at.table)
    assert "8:00 p.m. ET" in tables and "9:30 a.m. ET" in tables


def test_optimiser_hedge_applies_into_the_whatif_in_one_click():
    pytest.importorskip("xmsim.optimize")
    from xmsim.optimize import best_hedge

    at = _app(sample="half_hedge")
    at.run()
    _page(at, "optimiser")
    at.toggle(key="opt_on").set_value(True).run()
    assert not at.exception
    at.button(key="opt_apply").click().run()
    assert not at.exception
    trades = at.session_state["_bound_hedge"][1]
    portfolio = load_portfolio(_sample("half_hedge"), asof=SAMPLE_ASOF).portfolio
    best = best_hedge(portfolio, _simulator(), contracts=("ZN",))
    assert tuple(trades) == best.trades
    assert any("Optimiser's hedge (applied)" in h.value for h in at.subheader)  # what-if page
    _page(at, "whatif")  # AppTest's own page pointer stays on the optimiser: point it here
    assert any("Optimiser's hedge (applied)" in h.value for h in at.subheader)
    at.button(key="opt_clear").click().run()
    assert "_bound_hedge" not in at.session_state


def _download(at: AppTest, key: str) -> bytes:
    """The bytes behind the download button ``key`` (AppTest keeps them in its in-memory media
    storage, one per run)."""
    import gc

    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    file_id = button.proto.url.rsplit("/", 1)[1].split(".")[0]
    for storage in (o for o in gc.get_objects() if isinstance(o, MemoryMediaFileStorage)):
        try:
            return storage.get_file(file_id).content
        except Exception:  # another run's storage
            continue
    raise AssertionError(f"no media file {file_id}")


def test_history_page_equals_the_library_and_the_cli():
    import datetime as dt

    from xmsim.report.history_tables import history_csv
    from xmsim.timeline.engine import HistoryRunner, first_full_lookback
    from xmsim.timeline.stats import history_frame, history_summary

    at = _app(sample="half_hedge")
    at.run()
    _page(at, "history")
    assert not at.exception, at.exception
    assert not at.error and not at.warning
    market = default_market()
    portfolio = load_portfolio(_sample("half_hedge"), asof=SAMPLE_ASOF).portfolio
    start = max(first_full_lookback(market.history, 10.0), market.asof - dt.timedelta(days=182))
    runner = HistoryRunner(portfolio, market.history, RunConfig(), market.asof,
                           basis=market.basis)  # fmt: skip
    run = runner.run(start, market.asof, "week")
    frame = history_frame(run)
    summ = history_summary(run, frame)
    assert _metrics(at)["Mean applied %"] == reporting.fmt_pct(summ["applied"]["mean"])
    assert _metrics(at)["Mean dollars saved"] == reporting.fmt_usd(summ["savings_usd"]["mean"])
    shown = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    figures = (
        reporting.history_savings_figure(frame, 0.8),
        reporting.history_dollars_figure(frame),
    )
    expected = [json.loads(f.to_json()) for f in figures]
    assert [s["data"] for s in shown] == [e["data"] for e in expected]
    assert [s["layout"] for s in shown] == [e["layout"] for e in expected]
    csv = _download(at, "hist_csv")
    assert csv == history_csv(frame)
    cli = subprocess.run(
        [sys.executable, "-m", "xmsim", "history", str(_sample("half_hedge")), "--from",
         start.isoformat(), "--to", market.asof.isoformat(), "--every", "week", "--format",
         "csv", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    assert csv.decode() == cli.stdout  # the page's export is the command's CSV
    # monthly: the page reruns on the month-end dates (one per calendar month)
    every = next(w for w in at.segmented_control if w.key.startswith("hist_every"))
    every.set_value("month").run()
    assert not at.exception and not at.error
    monthly = _download(at, "hist_csv").decode().strip().splitlines()
    assert len(monthly) == 1 + len(runner.run(start, market.asof, "month").points)


def test_history_page_says_when_the_history_is_too_short_for_the_look_back():
    at = _app(sample="basis_trade", asof="2025-06-30")  # 10-year look-back from 2015-07-31
    at.run()
    _page(at, "history")
    assert not at.exception, at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "too short for the 10-year look-back" in warning and "shorten the look-back" in warning
    assert not at.get("plotly_chart")
    at.number_input(key="lookback").set_value(5.0).run()  # the sidebar's look-back
    assert not at.exception and not at.warning and len(at.get("plotly_chart")) == 2
