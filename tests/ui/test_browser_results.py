"""The results page in Chromium at 1280x720 and 1440x900 (sidebar open): no headline card's
label or value is cut (the rendered text equals the expected compact figure and no element
inside a card scrolls horizontally), no console error, and the account picker moves the
charts to that account's CLI figures.

Uses the server fixture and helpers of ``test_browser.py`` (Debian's Chromium, skipped when
missing unless ``XMSIM_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ui.test_browser import (  # noqa: F401  (server is a fixture)
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _cli_json,
    _wait_idle,
    server,
)
from xmsim.report.tables import fmt_usd, fmt_usd_compact

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "sample_portfolios" / "customer_book.csv"
VIEWPORTS = ((1280, 720), (1440, 900))

# each card: label, value, and the widest descendant that overflows (None when none does)
CARDS_JS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => {
  const over = e => [e, ...e.querySelectorAll('*')].some(x => x.scrollWidth > x.clientWidth + 1);
  const l = m.querySelector('[data-testid="stMetricLabel"]');
  const v = m.querySelector('[data-testid="stMetricValue"]');
  const box = m.getBoundingClientRect(), vb = v.getBoundingClientRect();
  return {label: l.innerText.trim(), value: v.innerText.trim(),
          cut: over(l) || over(v) || vb.right > box.right + 1};
})"""
CHART_TEXT_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(c =>
  [...c.querySelectorAll('.gtitle, .annotation-text')].map(t => t.textContent).join(' | '))"""


def _expected_cards(cli: dict) -> dict[str, str]:
    t = cli["totals"]
    return {
        "FICC standalone": fmt_usd_compact(t["ficc_standalone"]),
        "CME standalone": fmt_usd_compact(t["cme_standalone"]),
        "Total before → after": f"{fmt_usd_compact(t['total_before'])} → "
        f"{fmt_usd_compact(t['total_after'])}",
        "FICC after": fmt_usd_compact(t["ficc_requirement"]),
        "CME after": fmt_usd_compact(t["cme_requirement"]),
        "Dollars saved": fmt_usd_compact(t["savings_usd"]),
    }


def _open(browser, url: str, width: int, height: int, errors: list):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(url, wait_until="domcontentloaded")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
    _wait_idle(page)
    return page


def _chart_texts(page) -> list[str]:
    return page.evaluate(CHART_TEXT_JS)


def _pick(page, account: str) -> None:
    page.locator('input[role="combobox"][aria-label^="Combined portfolio"]').click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(account)} ·")).click()
    page.wait_for_timeout(500)
    _wait_idle(page)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
@pytest.mark.parametrize(
    "sample", ["customer_book", "basis_trade", "dealer_book", "ineligible_mix"]
)
def test_headline_cards_fit(server, width, height, sample):  # noqa: F811
    from playwright.sync_api import sync_playwright

    path = ROOT / "sample_portfolios" / f"{sample}.csv"
    if not path.is_file():
        pytest.skip(f"{path.name} missing")
    expected = _expected_cards(_cli_json(path))
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = _open(browser, f"{server}/?sample={sample}", width, height, errors)
            assert page.locator('[data-testid="stSidebar"]').is_visible()
            cards = page.evaluate(CARDS_JS)
            page.screenshot(path=str(ARTIFACTS / f"cards_{sample}_{width}x{height}.png"))
        finally:
            browser.close()
    shown = {c["label"]: c for c in cards}
    for label, value in expected.items():
        assert label in shown, f"no card {label!r}: {list(shown)}"
        assert shown[label]["value"] == value, (label, shown[label]["value"], value)
    cut = [c for c in cards if c["cut"]]
    assert not cut, f"cut at {width}x{height}: {cut}"
    assert len(cards) == 9
    assert not errors, f"browser console errors: {errors}"


def test_account_picker_moves_the_charts_to_that_accounts_cli_figures(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    if not BOOK.is_file():
        pytest.skip("customer_book sample missing")
    accounts = {a["account"]: a for a in _cli_json(BOOK)["accounts"]}
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = _open(browser, f"{server}/?sample=customer_book", 1440, 2400, errors)
            for name in ("CUST_H", "CUST_C"):
                _pick(page, name)
                texts = " || ".join(_chart_texts(page))
                page.screenshot(path=str(ARTIFACTS / f"picker_{name}.png"))
                a = accounts[name]
                assert f"VaR model: P&L of {name}" in texts, texts
                assert f"VaR {fmt_usd(a['var']['combined'])}" in texts, (name, texts)
                assert f"SPAN requirement {fmt_usd(a['span']['combined'])}" in texts, texts
        finally:
            browser.close()
    assert not errors, f"browser console errors: {errors}"
