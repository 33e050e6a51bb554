"""The exports page through AppTest (the files themselves: tests/report/test_printable*.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from tests.ui.test_app import _app, _page


def test_exports_page_offers_the_four_downloads_in_plain_words():
    at = _app(sample="customer_book", arr="customer")
    at.run()
    _page(at, "exports")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels[:4] == ["Results (CSV)", "All tables (XLSX)", "Printable report (HTML)",
                          "Portfolio (CSV)"]  # fmt: skip
    text = " ".join(c.value for c in at.caption)
    assert "--format csv" in text and "A4 or Letter" in text
    assert "formula-injection" not in text and "Simulator" not in text
