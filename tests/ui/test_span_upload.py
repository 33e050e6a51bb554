"""The app's SPAN upload takes CME's files (.pa2, .spn, zipped or not) as well as xmsim's CSV:
the parameter set the app builds from the bytes equals the CLI's from the same file, the
sidebar states the file's business date and cycle, and a bad file falls back with a message."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import pytest

from tests.engines.span.spanfile_writer import fixture_from_params, write_pa2, write_spn
from tests.engines.span.test_files import _samples_months
from tests.ui.test_browser import _wait_idle, chromium_page, server  # noqa: F401
from xmsim.engines.span.params_io import default_span_params, load_span_params, read_span_params

NAME = "cme.20260731.s.pa2"


def _pa2() -> bytes:
    """A file whose only debt security (type 9) is not the default book's 10y note, so that
    the basis trade's repo falls back to the automatic mapping."""
    fx = fixture_from_params(default_span_params(), _samples_months())
    fx.debt.append(("912810TM0", "ZN", 202612, 4.0, dt.date(2033, 8, 15), 0.84, "UST 4 08/33"))
    return write_pa2(fx).encode("latin-1")


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["pa2", "pa2.zip", "spn", "spn.zip"])
def test_uploaded_bytes_give_the_clis_parameter_set(kind, tmp_path):
    from ui import cached

    fx = fixture_from_params(default_span_params(), _samples_months())
    raw = write_pa2(fx).encode("latin-1") if kind.startswith("pa2") else write_spn(fx).encode()
    base = f"cme.20260731.s.{kind.split('.')[0]}"
    path = tmp_path / base
    path.write_bytes(raw)
    data, name = (_zip(base, raw), base + ".zip") if kind.endswith("zip") else (raw, base)
    params, notes = cached.base_span("uploaded", ("t",), kind, None, (name, data))
    expected = load_span_params(path)
    assert params.products == expected.products and params.asof == expected.asof
    assert params.scan_spreads == expected.scan_spreads
    assert "business date 2026-07-31, cycle S/F" in params.label
    assert len(notes) == len(read_span_params(path)[1])  # the same load notes as the CLI


def test_sidebar_states_the_span_file_and_its_business_date(server, tmp_path):  # noqa: F811
    path = tmp_path / NAME
    path.write_bytes(_pa2())
    with chromium_page(1440, 900) as (page, errors):
        page.goto(server, wait_until="domcontentloaded")
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("SPAN model (CME-like)").wait_for(timeout=60_000)
        _wait_idle(page)
        sidebar.get_by_text("SPAN model (CME-like)").click()
        sidebar.get_by_text("Upload a file").last.click()
        _wait_idle(page)
        uploader = sidebar.locator('[data-testid="stFileUploader"]').last
        uploader.locator('input[type="file"]').set_input_files(str(path))
        want = f"CME SPAN file {NAME}: business date 2026-07-31, cycle S/F"
        deadline = time.monotonic() + 60
        while want not in sidebar.inner_text():
            assert time.monotonic() < deadline, "the sidebar never named the SPAN file"
            page.wait_for_timeout(250)
        _wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        text = sidebar.inner_text()
        assert "SPAN: 1 cash position mapped automatically (no type-9 record)" in text
    assert not errors, f"browser console errors: {errors}"
