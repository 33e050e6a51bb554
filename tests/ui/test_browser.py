"""The app in a real browser: upload a sample through the file uploader and check the headline
numbers on the page against ``python -m xmsim run FILE --format json``.

Needs Debian's Chromium at /usr/bin/chromium (never ``playwright install``); skipped when it is
missing unless ``XMSIM_REQUIRE_BROWSER=1``. Screenshots of every page go to ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from xmsim.report.tables import CARD_LABELS, MODEL_NAMES, fmt_pct, fmt_usd_compact

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
UPLOAD = ROOT / "sample_portfolios" / "half_hedge.csv"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = ("Portfolio", "What-if", "Optimiser", "Operations", "Exports", "Settings & assumptions")


def _require_browser() -> None:
    required = os.environ.get("XMSIM_REQUIRE_BROWSER", "").strip() not in ("", "0", "false")
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} not found: install Debian's chromium package"
        if required:
            pytest.fail(message + " (XMSIM_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("playwright (Python) is not installed (XMSIM_REQUIRE_BROWSER=1)")
        pytest.skip("playwright (Python) is not installed")


@contextlib.contextmanager
def chromium_page(width: int, height: int):
    """(page, errors): a headless Debian Chromium page of ``width`` x ``height`` whose console
    and page errors are collected in ``errors``; the browser is closed on exit."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            yield page, errors
        finally:
            browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``streamlit run app.py`` on a free local port; always killed at teardown."""
    _require_browser()
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = ARTIFACTS / "streamlit-server.log"
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 45
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not become healthy within 45 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _cli_json(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "xmsim", "run", str(path), "--format", "json", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)


def _metrics(page) -> dict[str, str]:
    values = {}
    for card in page.locator('[data-testid="stMetric"]').all():
        label = card.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        values[label] = card.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return values


def _wait_idle(page, timeout_s: float = 60) -> None:
    """Wait until the script has finished (no 'Running' status widget, no stale elements)."""
    page.wait_for_timeout(300)
    deadline = time.monotonic() + timeout_s
    quiet = 0  # consecutive idle looks: the status widget shows only after a short delay
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count()
        stale = page.locator('[data-stale="true"]').count()
        skeleton = page.locator('[data-testid="stSkeleton"]').count()
        quiet = 0 if running or stale or skeleton else quiet + 1
        if quiet >= 3:
            return
        page.wait_for_timeout(200)
    raise AssertionError("the app kept running")


def test_upload_matches_cli(server):
    expected = _cli_json(UPLOAD)
    with chromium_page(1500, 2000) as (page, errors):
        page.goto(server, wait_until="domcontentloaded")
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
        _wait_idle(page)
        default = _metrics(page)
        page.screenshot(path=str(ARTIFACTS / "01_results_default.png"), full_page=True)

        page.locator('[data-testid="stSidebar"]').get_by_text("Upload file").click()
        file_input = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        file_input.wait_for(state="attached", timeout=20_000)
        file_input.set_input_files(str(UPLOAD))
        deadline = time.monotonic() + 60
        while _metrics(page).get("FICC standalone") == default["FICC standalone"]:
            assert time.monotonic() < deadline, "results did not update after the upload"
            page.wait_for_timeout(250)
        _wait_idle(page)
        shown = _metrics(page)
        page.screenshot(path=str(ARTIFACTS / "02_results_uploaded.png"), full_page=True)
        _check_headline(shown, expected)

        for i, title in enumerate(PAGES, 3):
            _open_page(page, title)
            name = title.lower().replace(" & ", "_").replace("-", "").replace(" ", "_")
            page.screenshot(path=str(ARTIFACTS / f"{i:02d}_{name}.png"), full_page=True)
        _open_page(page, "Results")  # the uploaded book is still the one margined
        assert _metrics(page) == shown
    assert not errors, f"browser console errors: {errors}"


def _open_page(page, title: str) -> None:
    """Click the page's link in the top navigation and wait for the page to finish."""
    page.locator('[data-testid="stTopNav"]').get_by_role("link", name=title, exact=True).click()
    page.wait_for_timeout(600)
    _wait_idle(page)


def _check_headline(shown: dict[str, str], expected: dict) -> None:
    """Every headline card equals the CLI's JSON: compact dollars ($2.99m) and hundredths of a
    percent, under the cards' labels."""
    assert len(expected["accounts"]) == 1
    a, t = expected["accounts"][0], expected["totals"]
    names = {
        "ficc": MODEL_NAMES[expected["settings"]["ficc_model"]],
        "cme": MODEL_NAMES[expected["settings"]["cme_model"]],
        "all": "",
        "effective": "",
    }
    want = {
        "ficc_standalone": fmt_usd_compact(t["ficc_standalone"]),
        "cme_standalone": fmt_usd_compact(t["cme_standalone"]),
        "savings_ficc_model": fmt_pct(a["savings_ficc"]),
        "savings_cme_model": fmt_pct(a["savings_cme"]),
        "applied": fmt_pct(a["applied"]),
        "ficc_requirement": fmt_usd_compact(t["ficc_requirement"]),
        "cme_requirement": fmt_usd_compact(t["cme_requirement"]),
        "savings_usd": fmt_usd_compact(t["savings_usd"]),
        "total": f"{fmt_usd_compact(t['total_before'])} → {fmt_usd_compact(t['total_after'])}",
    }
    for key, value in want.items():
        label = CARD_LABELS[key].format(**names)
        assert label in shown, f"no metric labelled {label!r} on the page: {list(shown)}"
        assert shown[label] == value, (label, shown[label], value)


def test_history_page_renders_at_1280x720_without_console_errors(server):
    """The History page on a laptop screen: both charts drawn, the summary table, the CSV
    button, and nothing in the browser console."""
    with chromium_page(1280, 720) as (page, errors):
        page.goto(server, wait_until="domcontentloaded")
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
        _wait_idle(page)
        _open_page(page, "History")
        charts = page.locator('[data-testid="stPlotlyChart"]')
        charts.nth(1).wait_for(timeout=90_000)
        _wait_idle(page, 120)
        assert charts.count() == 2
        assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 4  # drawn
        assert "Mean applied %" in _metrics(page)
        assert page.get_by_text("Summary", exact=True).count() == 1
        assert page.get_by_role("button", name="History (CSV)").count() == 1
        page.screenshot(path=str(ARTIFACTS / "10_history_1280x720.png"))
        page.locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "11_history_chart_1280x720.png"))
    assert not errors, f"browser console errors: {errors}"
