"""Tests of ``python -m xmsim fetch-history`` against a local HTTP server (127.0.0.1 only)."""

from __future__ import annotations

import argparse
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from xmsim.commands import fetch_history

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "history" / "treasury_par_new_format.csv"
)


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def do_GET(self) -> None:  # http.server's naming
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.routes = {
        "/par.csv": (200, FIXTURE.read_bytes()),
        "/junk.csv": (200, b"<html>Service unavailable</html>\n"),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    fetch_history.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["fetch-history", *argv])
    return args.func(args)


def test_downloads_validates_and_writes(server, tmp_path, capsys):
    out = tmp_path / "sub" / "par.csv"
    assert _run(["--url", f"{server}/par.csv", "--out", str(out)]) == 0
    assert out.read_bytes() == FIXTURE.read_bytes()
    captured = capsys.readouterr()
    assert "bytes (100%)" in captured.err  # progress on stderr
    assert f"wrote {out}: 3 days, 2025-03-03 to 2025-03-05" in captured.out
    assert "1.5 Month" in captured.out  # the loader's note about the ignored column
    assert not list(out.parent.glob("*.part"))


def test_invalid_download_is_not_written(server, tmp_path, capsys):
    out = tmp_path / "junk.csv"
    assert _run(["--url", f"{server}/junk.csv", "--out", str(out), "--quiet"]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "not a valid par yield curve file" in err and "line 1" in err


def test_http_error_is_a_message(server, tmp_path, capsys):
    assert _run(["--url", f"{server}/missing.csv", "--out", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "Traceback" not in err


def test_unreachable_host_is_a_clear_message(tmp_path, capsys):
    with socket.socket() as s:  # a free port with nobody listening once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "x.csv"
    code = _run(["--url", f"http://127.0.0.1:{port}/par.csv", "--out", str(out), "--timeout", "3"])
    assert code == 1
    err = capsys.readouterr().err
    assert "could not reach" in err and "offline" in err and "Traceback" not in err
    assert not out.exists()


def test_treasury_url():
    url = fetch_history.treasury_url(2024)
    assert url.startswith("https://home.treasury.gov/resource-center/data-chart-center/")
    assert "daily-treasury-rates.csv/2024/all?" in url
    assert "type=daily_treasury_yield_curve" in url and "field_tdr_date_value=2024" in url
    assert "_format=csv" in url
    assert "daily-treasury-rates.csv/all/all?" in fetch_history.treasury_url(None)
    assert "field_tdr_date_value=all" in fetch_history.treasury_url(None)


def test_year_is_checked(capsys):
    assert _run(["--year", "1962"]) == 2
    assert "1990" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(["--year", "2024", "--all"])


def test_registered_in_the_cli(server, tmp_path):
    from xmsim.cli import main

    out = tmp_path / "cli.csv"
    assert main(["fetch-history", "--url", f"{server}/par.csv", "--out", str(out), "--quiet"]) == 0
    assert out.is_file()
