"""The results page through AppTest (issue #17 items 1, 2 and 5): compact cards with the exact
figure on hover, the account picker driving every chart and detail table, the effective
percentage explained, and contributions with a pinned TOTAL that sum to each model's margin.

Figures are compared with ``python -m xmsim run ... --format json`` (the CLI), not with the
app's own code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from xmsim.report import figures as reporting
from xmsim.report.tables import POOLED_OPTION

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 180
BOOK = ROOT / "sample_portfolios" / "customer_book.csv"


@cache
def _cli(path: Path, arrangement: str = "auto") -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "xmsim", "run", str(path), "--arrangement", arrangement,
         "--format", "json", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def _app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at: AppTest) -> dict[str, dict]:
    """Every plotly chart on the page by its title."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def _annotations(spec: dict) -> list[str]:
    return [a.get("text", "") for a in spec["layout"].get("annotations", [])]


def _dollars(text: str) -> int:
    return int(re.search(r"\$([\d,]+)", text).group(1).replace(",", ""))


def _frames(at: AppTest, column: str) -> list:
    return [df.value for df in at.dataframe if column in df.value.columns]


def test_cards_are_compact_and_carry_the_exact_figure():
    if not BOOK.is_file():
        pytest.skip("customer_book sample missing")
    at = _app(sample="customer_book")
    t = _cli(BOOK)["totals"]
    cards = {m.label: m for m in at.metric}
    want = {
        "FICC standalone": t["ficc_standalone"],
        "CME standalone": t["cme_standalone"],
        "FICC after": t["ficc_requirement"],
        "CME after": t["cme_requirement"],
        "Dollars saved": t["savings_usd"],
    }
    for label, usd in want.items():
        assert cards[label].value == reporting.fmt_usd_compact(usd), label
        assert reporting.fmt_usd(usd) in cards[label].proto.help, label
    total = cards["Total before → after"]
    assert total.value == (
        f"{reporting.fmt_usd_compact(t['total_before'])} → "
        f"{reporting.fmt_usd_compact(t['total_after'])}"
    )
    assert f"{reporting.fmt_usd(t['total_before'])} → {reporting.fmt_usd(t['total_after'])}" in (
        total.proto.help
    )
    effective = cards["Applied % (effective)"]
    assert "dollars-weighted" in effective.proto.help
    assert any("Effective applied % = 1 − (FICC + CME after)" in c.value for c in at.caption)


def test_account_picker_drives_every_chart_and_detail_table():
    if not BOOK.is_file():
        pytest.skip("customer_book sample missing")
    cli = {a["account"]: a for a in _cli(BOOK)["accounts"]}
    at = _app(sample="customer_book")
    picker = at.selectbox(key="detail_account")
    assert picker.options[-1].startswith(POOLED_OPTION)
    assert len(picker.options) == len(cli) + 1
    assert picker.value == "CUST_A"  # the first combined portfolio, not the pooled view
    for name in ("CUST_H", "CUST_C"):
        at.selectbox(key="detail_account").set_value(name).run()
        assert not at.exception
        charts = _charts(at)
        var = next(s for t, s in charts.items() if t.startswith("VaR model"))
        span = next(s for t, s in charts.items() if t.startswith("SPAN model"))
        ladder = next(t for t in charts if t.startswith("DV01 ladder"))
        assert name in var["layout"]["title"]["text"] and name in ladder
        assert name in span["layout"]["title"]["text"]
        var_line = next(a for a in _annotations(var) if "VaR $" in a)
        span_line = next(a for a in _annotations(span) if "SPAN requirement" in a)
        assert _dollars(var_line) == round(cli[name]["var"]["combined"]), name
        assert _dollars(span_line) == round(cli[name]["span"]["combined"]), name
        # the contributions table: this account's positions only, TOTAL = each model's margin
        rows = _frames(at, "var_incremental_usd")
        assert set(rows[0].account) == {name}
        total = rows[1]
        assert total.position.iloc[0] == "TOTAL"
        assert total.var_usd.iloc[0] == pytest.approx(cli[name]["var"]["combined"], abs=1)
        assert total.span_usd.iloc[0] == pytest.approx(cli[name]["span"]["combined"], abs=1)
        assert any(
            i.value.startswith(f"{name}: the customer combined portfolio (1 account, CME account")
            for i in at.info
        )
    at.selectbox(key="detail_account").set_value(POOLED_OPTION).run()
    assert not at.exception
    assert any("Pooled view" in w.value for w in at.warning)
    var = next(s for t, s in _charts(at).items() if t.startswith("VaR model"))
    assert "all accounts pooled" in var["layout"]["title"]["text"]


def test_picker_survives_a_page_visit_and_resets_on_a_new_book():
    if not BOOK.is_file():
        pytest.skip("customer_book sample missing")
    at = _app(sample="customer_book")
    at.selectbox(key="detail_account").set_value("CUST_D").run()
    at.switch_page("ui/pages/operations.py").run()
    at.switch_page("ui/pages/results.py").run()
    assert at.selectbox(key="detail_account").value == "CUST_D"
    at.selectbox(key="sample").set_value("basis_trade").run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == "detail_account"]  # one portfolio: no picker
    title = next(t for t in _charts(at) if t.startswith("VaR model"))
    assert "the combined portfolio" in title


def test_accounts_table_shows_pots_reasons_and_a_pinned_total():
    if not BOOK.is_file():
        pytest.skip("customer_book sample missing")
    cli = _cli(BOOK)
    at = _app(sample="customer_book")
    rows, total = _frames(at, "why")[:2]
    assert list(rows.account) == [a["account"] for a in cli["accounts"]]
    assert set(rows.pot) == {"customer"}
    why = dict(zip(rows.account, rows.why, strict=True))
    assert why["CUST_A"] == "no CME-eligible leg: nothing to offset"
    assert why["CUST_C"].startswith("cap")
    assert total.account.iloc[0].startswith("TOTAL")
    assert total.total_after_usd.iloc[0] == round(cli["totals"]["total_after"])
    assert total.applied.iloc[0] == pytest.approx(
        1
        - (cli["totals"]["ficc_requirement"] + cli["totals"]["cme_requirement"])
        / (cli["totals"]["ficc_standalone"] + cli["totals"]["cme_standalone"]),
        abs=1e-4,
    )
    captions = " ".join(c.value for c in at.caption)
    assert "CME account type auto: member for house portfolios, non-HRP for customer" in captions
    assert set(rows.span_account_type) == {"non-HRP"}
    assert "24 customer combined portfolios" in captions


def test_house_reading_has_one_portfolio_and_no_picker():
    path = ROOT / "sample_portfolios" / "half_hedge.csv"
    if not path.is_file():
        pytest.skip("half_hedge sample missing")
    at = _app(sample="half_hedge")
    assert not [s for s in at.selectbox if s.key == "detail_account"]
    a = _cli(path)["accounts"][0]
    var = next(s for t, s in _charts(at).items() if t.startswith("VaR model"))
    assert _dollars(next(x for x in _annotations(var) if "VaR $" in x)) == round(
        a["var"]["combined"]
    )
    total = _frames(at, "var_incremental_usd")[1]
    assert total.var_usd.iloc[0] == pytest.approx(a["var"]["combined"], abs=1)


def test_exports_detail_follows_the_picked_account():
    if not BOOK.is_file():
        pytest.skip("customer_book sample missing")
    at = _app(sample="customer_book")
    at.selectbox(key="detail_account").set_value("CUST_H").run()
    at.switch_page("ui/pages/exports.py").run()
    assert not at.exception
    assert any("combined portfolio CUST_H (customer pot)" in c.value for c in at.caption)
