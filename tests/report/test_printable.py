"""The printable HTML report and the formatted XLSX; the CLI's and the app's CSV are the same
bytes. The report's width in a real browser is checked in ``test_printable_browser.py``."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import numpy as np
import openpyxl
import pytest

from tests.conftest import ROOT
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.marketdata.defaults import default_market
from xmsim.report import files as exports
from xmsim.report.printable import table_html
from xmsim.report.svg import compact_usd
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import load_portfolio, sample_paths

MARKET = default_market()
ONE_MB = 1_000_000


def _run(name: str, arrangement: str = "auto"):
    path = sample_paths().get(name)
    if path is None:
        pytest.skip(f"sample {name} missing")
    config = RunConfig(arrangement=ArrangementSettings(arrangement=arrangement))
    return Simulator(MARKET, config).run(load_portfolio(path, asof=MARKET.asof).portfolio)


@pytest.fixture(scope="module")
def customer():
    return _run("customer_book", "customer")


@pytest.mark.parametrize(("name", "arrangement"), [("customer_book", "customer"),
                                                   ("dealer_book", "auto")])  # fmt: skip
def test_report_is_under_1_mb_and_prints(name, arrangement):
    page = exports.html_report(_run(name, arrangement))
    assert len(page.encode("utf-8")) < ONE_MB
    assert (
        "@media print" in page and "@page" in page and "thead{display:table-header-group}" in (page)
    )


def test_report_charts_keep_their_content(customer):
    page = exports.html_report(customer)
    titles = re.findall(r"<title>([^<]*)</title>", page)
    # waterfall: every step's exact amount is in a bar's title
    s = exports.reporting.summary(customer.result)
    for key, label in (("ficc_standalone", "FICC standalone"), ("total_after", "After")):
        assert f"{label}: {s[key]:,.0f}" in titles
    # histogram: the bins hold every scenario, and the VaR line is labelled
    counts = [int(m) for t in titles for m in re.findall(r": (\d+) scenarios$", t)]
    assert sum(counts) == np.asarray(customer.var_detail.pnl_usd).size
    assert f"99% VaR {exports.reporting.fmt_usd(customer.var_detail.var_usd)}" in page
    # SPAN: each risk-array scenario's portfolio loss is a point
    frame = customer.span_detail.scenarios_frame()
    for scenario, loss in frame["portfolio"].items():
        assert f"{scenario} · portfolio (before spreads): {loss:,.0f}" in (
            t.replace("&amp;", "&") for t in titles
        )
    assert "(all accounts pooled)" in page  # pooled charts say so in the customer reading


def test_wide_tables_split_into_printable_groups():
    import pandas as pd

    frame = pd.DataFrame({"account": ["A", "B"], **{f"c{i}": [1.0 * i, 2.0] for i in range(13)}})
    out = table_html(frame, max_columns=7)
    assert out.count("<table>") == 3  # 13 figures: 6 + 6 + 1, the account repeated in each
    assert out.count("<th class") == 3 + 13 and out.count(">A</td>") == 3
    assert "$12" in out and "12.0" not in out  # whole dollars


def test_compact_usd():
    assert compact_usd(27_328_123) == "$27.3m" and compact_usd(-2_100_000_000) == "−$2.1bn"
    assert compact_usd(350_000) == "$350k" and compact_usd(0.2) == "$0"


def test_xlsx_number_formats_frozen_headers_and_widths(customer):
    book = openpyxl.load_workbook(io.BytesIO(exports.results_xlsx(customer)))
    summary = book["summary"]
    formats = {summary.cell(r, 1).value: summary.cell(r, 3).number_format
               for r in range(2, summary.max_row + 1)}  # fmt: skip
    assert formats["applied"] == "0.00%" and formats["savings_ficc_model"] == "0.00%"
    assert formats["total_after"] == "#,##0;-#,##0" == formats["total_before"]
    accounts = book["accounts"]
    header = [c.value for c in accounts[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    assert accounts.cell(2, col["var_savings"]).number_format == "0.00%"
    assert accounts.cell(2, col["total_after"]).number_format == "#,##0;-#,##0"
    assert accounts.freeze_panes == "B2"  # header row and account column
    assert accounts.cell(1, 1).font.bold
    widths = {k: v.width for k, v in accounts.column_dimensions.items()}
    letter = accounts.cell(1, col["span_savings_base"]).column_letter
    assert widths[letter] >= len("span_savings_base") + 2
    assert all(10 <= w <= 60 for w in widths.values())
    positions = book["positions"]
    header = [c.value for c in positions[1]]
    assert positions.cell(2, header.index("price") + 1).number_format == "0.0000"
    assert positions.cell(2, header.index("row") + 1).number_format == "0"
    assert positions.freeze_panes == "A2"  # first column is the row number
    views = book["views"]
    by_item = {views.cell(r, 1).value: views.cell(r, 2).number_format
               for r in range(2, views.max_row + 1)}  # fmt: skip
    assert by_item["Savings %"] == "0.00%" and by_item["Combined portfolio"] == "#,##0;-#,##0"
    assert all(c.number_format == "General" for c in book["settings"]["B"])  # text stays text


@pytest.mark.parametrize(("name", "arrangement"), [("basis_trade", "house"),
                                                   ("customer_book", "customer"),
                                                   ("ineligible_mix", "auto")])  # fmt: skip
def test_cli_csv_and_app_csv_are_the_same_bytes(name, arrangement):
    cli = subprocess.run(
        [sys.executable, "-m", "xmsim", "run", str(sample_paths()[name]), "--arrangement",
         arrangement, "--format", "csv", "--quiet"],
        cwd=ROOT, capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    app = exports.results_csv(_run(name, arrangement))
    assert cli.stdout == app
    assert app.decode().splitlines()[-1].startswith("TOTAL,")
