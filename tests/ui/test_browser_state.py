"""In Chromium: a bad URL never shows a traceback (a warning names the parameter instead), and
the optimiser's hedge never survives a portfolio change.

Uses the server fixture and helpers of ``test_browser.py`` (Debian's Chromium, skipped when
missing unless ``XMSIM_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import re

import pytest

from tests.ui.test_browser import (  # noqa: F401  (server is a fixture)
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _open_page,
    _wait_idle,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BAD_URLS = (
    "?conf=150",
    "?ratio=5&conf=abc",
    "?cap=-5&horizon=2.5&stress=maybe&arr=both",
    "?asof=1900-01-01&sample=nope&book=%%%",
    "?floor=inf&addon=nan&lookback=1e999&acct=gold&zzz=1",
)


def _browser(pw):
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def _page(browser, errors: list, width: int = 1280, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    return page


def test_bad_urls_never_show_a_traceback(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = _page(browser, errors)
            for i, query in enumerate(BAD_URLS):
                page.goto(f"{server}/{query}", wait_until="domcontentloaded")
                page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
                _wait_idle(page)
                page.screenshot(path=str(ARTIFACTS / f"bad_url_{i}.png"))
                assert page.locator('[data-testid="stException"]').count() == 0, query
                body = page.locator('[data-testid="stMain"]').inner_text()
                assert "Traceback" not in body, query
                warning = page.locator('[data-testid="stAlert"]').filter(has_text="URL param")
                text = warning.first.inner_text()
                first = query[1:].split("&")[0].split("=")[0]
                assert first in text, (query, text)
        finally:
            browser.close()
    assert not errors, f"browser console errors: {errors}"


def test_a_stale_hedge_never_survives_a_portfolio_change(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = _page(browser, errors, 1440, 1400)
            page.goto(f"{server}/?sample=half_hedge", wait_until="domcontentloaded")
            page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
            _wait_idle(page)
            _open_page(page, "Optimiser")
            page.get_by_text("Run the optimiser").click()
            apply = page.get_by_role("button", name="Apply this hedge in the what-if")
            apply.wait_for(timeout=90_000)
            apply.click()
            page.wait_for_timeout(600)
            _wait_idle(page)
            main = page.locator('[data-testid="stMain"]')
            assert "Optimiser's hedge (applied)" in main.inner_text()
            page.screenshot(path=str(ARTIFACTS / "hedge_applied.png"))

            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.locator('input[role="combobox"][aria-label="Sample portfolio"]').click()
            page.get_by_role("option", name=re.compile(r"^basis trade$")).click()
            page.wait_for_timeout(600)
            _wait_idle(page)
            page.screenshot(path=str(ARTIFACTS / "hedge_dropped.png"))
            text = main.inner_text()
            assert "has been dropped" in text
            assert "Optimiser's hedge (applied)" not in text
            _open_page(page, "Results")
            _open_page(page, "What-if")
            assert "Optimiser's hedge (applied)" not in main.inner_text()
        finally:
            browser.close()
    assert not errors, f"browser console errors: {errors}"
