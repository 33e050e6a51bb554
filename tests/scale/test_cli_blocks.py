"""`run` block by block: flags, streamed CSV / JSON lines, cluster errors, progress."""

from __future__ import annotations

import io
import json
import socket
import time

import pandas as pd
import pytest

from tests.conftest import SAMPLES
from xmsim import cli
from xmsim.commands._common import AccountProgress
from xmsim.scale.cluster import ClusterError, parse_cluster

BOOK = str(SAMPLES / "customer_book.csv")
CUSTOMER = ["--arrangement", "customer", "--quiet"]


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(["run", BOOK, *CUSTOMER, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_blocked_json_equals_one_piece_json(capsys):
    _, whole, _ = _run(capsys, "--format", "json")
    _, blocked, _ = _run(capsys, "--format", "json", "--block-size", "4")
    a, b = json.loads(whole), json.loads(blocked)
    assert [x["account"] for x in a["accounts"]] == [x["account"] for x in b["accounts"]]
    for k, v in a["totals"].items():
        assert b["totals"][k] == pytest.approx(v, rel=1e-9, abs=1e-6)
    for x, y in zip(a["accounts"], b["accounts"], strict=True):
        assert y["total_after"] == pytest.approx(x["total_after"], rel=1e-9, abs=1e-6)


def test_streamed_csv_equals_the_collected_csv(tmp_path, capsys):
    out = tmp_path / "accounts.csv"
    code, _, err = _run(capsys, "--format", "csv", "--block-size", "5", "--out", str(out))
    assert code == 0 and f"wrote {out}" in err
    _, collected, _ = _run(capsys, "--format", "csv", "--block-size", "5")
    assert out.read_text() == collected  # same numbers, same layout, TOTAL row last
    frame = pd.read_csv(out)
    assert len(frame) == 25 and frame.account.iloc[-1] == "TOTAL"
    assert frame.total_after.iloc[-1] == pytest.approx(frame.total_after.iloc[:-1].sum())


def test_json_lines_header_accounts_totals(capsys):
    code, text, _ = _run(capsys, "--format", "jsonl")
    lines = [json.loads(x) for x in text.splitlines()]
    assert code == 0 and len(lines) == 1 + 24 + 1
    assert lines[0]["arrangement"] == "customer" and "settings" in lines[0]
    assert [x["account"] for x in lines[1:-1]][:2] == ["CUST_A", "CUST_B"]
    assert lines[-1]["totals"]["total_after"] == pytest.approx(
        sum(x["total_after"] for x in lines[1:-1])
    )
    code, _, err = _run(capsys, "--format", "jsonl", "--legacy")
    assert code == 2 and "--format json" in err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_is_a_clear_error_within_seconds(capsys):
    t0 = time.perf_counter()
    code, out, err = _run(capsys, "--cluster", f"tcp://127.0.0.1:{_closed_port()}")
    assert time.perf_counter() - t0 < 15
    assert code == 2 and out == ""  # no serial run instead
    assert "cannot reach the Dask scheduler" in err and "leave out --cluster" in err
    assert "Traceback" not in err


def test_cluster_specs():
    assert parse_cluster("local:3") == ("local", 3)
    assert parse_cluster("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "local:x", "tcp://nohost", "spark://a:1", ""):
        with pytest.raises(ClusterError, match="--cluster"):
            parse_cluster(bad)


def test_bad_cluster_and_block_size_in_the_parameters_file(tmp_path, capsys):
    params = tmp_path / "p.toml"
    params.write_text('[run]\ncluster = "yarn"\n')
    code, _, err = _run(capsys, "--params", str(params))
    assert code == 2 and "is not a cluster" in err
    params.write_text("[run]\nblock_size = 0\n")
    code, _, err = _run(capsys, "--params", str(params))
    assert code == 2 and "block_size" in err


def test_account_progress_shows_done_total_and_rate(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr("sys.stderr", buf)
    bar = AccountProgress(4_000, enabled=True, after=0.0)
    bar.add(1_000)
    bar.add(3_000)
    text = buf.getvalue()
    assert "1,000/4,000 accounts" in text and "4,000/4,000 accounts" in text
    assert "accounts/s" in text and text.endswith("\n")
    quiet = AccountProgress(10, enabled=True, after=3600.0)  # short runs show nothing
    quiet.add(10)
    assert buf.getvalue() == text


def test_row_limit_is_settable_with_a_clear_message(tmp_path, capsys):
    path = tmp_path / "three.csv"
    path.write_text((SAMPLES / "basis_trade.csv").read_text())  # 2 positions
    code = cli.main(["run", str(path), "--max-rows", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "more than 1 rows" in err and "--max-rows" in err
    assert cli.main(["run", str(path), "--max-rows", "2", "--quiet"]) == 0


def test_streamed_on_a_local_cluster_equals_serial_byte_for_byte(tmp_path, capsys):
    """Workers render their blocks (JSON lines, CSV rows) where they compute them; the file is
    the serial run's, byte for byte, on a real two-process LocalCluster."""
    _, serial, _ = _run(capsys, "--format", "jsonl", "--block-size", "5")
    code, dask, _ = _run(capsys, "--format", "jsonl", "--block-size", "5", "--cluster", "local:2")
    assert code == 0 and dask == serial and len(serial.splitlines()) == 26
    files = {}
    for name, extra in (("serial", []), ("dask", ["--cluster", "local:2"])):
        files[name] = tmp_path / f"{name}.csv"
        code, _, _ = _run(capsys, "--format", "csv", "--block-size", "7", "--out",
                          str(files[name]), *extra)  # fmt: skip
        assert code == 0
    text = files["serial"].read_text()
    assert files["dask"].read_text() == text and text.count("\n") == 26  # header, 24, TOTAL


def test_local_cluster_workers_keep_glibc_adjusting_its_mmap_threshold():
    import os

    from xmsim.scale.cluster import WORKER_MMAP_THRESHOLD_BYTES, dask_client

    with dask_client("local:1") as client:
        seen = client.run(lambda: os.environ.get("MALLOC_MMAP_THRESHOLD_"))
    assert list(seen.values()) == [str(WORKER_MMAP_THRESHOLD_BYTES)]


def test_a_cluster_started_early_is_taken_once_or_closed_untaken():
    from distributed.core import Status

    from xmsim.scale.cluster import ClusterStart

    assert ClusterStart("tcp://127.0.0.1:1").take() is None  # an address starts nothing
    taken = ClusterStart("local:1")
    cluster = taken.take()
    assert len(cluster.workers) == 1 and taken.take() is None  # the taker owns it
    taken.close()  # nothing left to close: the taken cluster stays up
    assert cluster.status == Status.running
    cluster.close()
    untaken = ClusterStart("local:1")
    left = untaken.future.result()
    untaken.close()
    assert left.status == Status.closed
