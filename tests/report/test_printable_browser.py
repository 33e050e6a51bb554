"""The printable report in headless Chromium: no horizontal overflow at Letter (816 px) and A4
(794 px) widths, on screen and in print media, and it prints to PDF.

Needs Debian's Chromium (skipped without it unless ``XMSIM_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import pytest

from tests.report.test_printable import _run
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser
from xmsim.report import files as exports

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {"Letter": 816, "A4": 794}  # CSS px at 96 dpi


@pytest.mark.parametrize(("name", "arrangement"), [("customer_book", "customer"),
                                                   ("ineligible_mix", "auto")])  # fmt: skip
def test_report_fits_letter_and_a4_width(tmp_path, name, arrangement):
    _require_browser()
    from playwright.sync_api import sync_playwright

    page_html = exports.html_report(_run(name, arrangement))
    assert len(page_html.encode("utf-8")) < 1_000_000
    path = tmp_path / f"{name}.html"
    path.write_text(page_html, encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for paper, width in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": 1056})
                page.goto(path.as_uri())
                for media in ("screen", "print"):
                    page.emulate_media(media=media)
                    sizes = page.evaluate(
                        "() => [document.documentElement.scrollWidth,"
                        " document.documentElement.clientWidth, document.body.scrollWidth]"
                    )
                    scroll, client, body = sizes
                    assert scroll <= client and body <= client, (paper, media, sizes)
                    assert page.locator("svg").count() == 4
                if paper == "Letter":
                    page.screenshot(path=str(ARTIFACTS / f"report_{name}.png"), full_page=True)
                    pdf = page.pdf(format=paper)
                    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
                page.close()
        finally:
            browser.close()
