"""``python -m xmsim history``: formats, bad ranges, fallback and Portfolio Differential."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES
from xmsim.cli import main

BASIS = str(SAMPLES / "basis_trade.csv")
RANGE = ["--from", "2026-07-01", "--to", "2026-07-31", "--every", "week"]


def _strict(text: str):
    def bad(name):
        raise ValueError(f"invalid JSON constant {name}")

    return json.loads(text, parse_constant=bad)


def test_json_has_points_summary_backtest_and_runs_keys(capsys):
    args = ["history", BASIS, *RANGE, "--format", "json", "--disrupted", "2026-07-17",
            "--portfolio-differential"]  # fmt: skip
    assert main(args) == 0
    out = _strict(capsys.readouterr().out)
    assert {"points", "summary", "backtest", "fallback", "redating_rule", "strip"} <= out.keys()
    first = out["points"][0]
    assert {"date", "asof", "accounts", "totals", "binding", "var_exception"} <= first.keys()
    assert first["date"] == first["asof"]
    assert out["portfolio_differential"]["status"] == "ASSUMED"
    assert "portfolio_differential_usd" in first
    assert out["fallback"][0]["date"] == "2026-07-17"
    assert {"kupiec_p", "christoffersen_p", "exceptions"} <= out["backtest"]["var"].keys()


def test_table_and_csv(capsys):
    assert main(["history", BASIS, *RANGE]) == 0
    text = capsys.readouterr().out
    assert "time to maturity" in text and "Kupiec" in text and "ZN 2nd" in text
    assert main(["history", BASIS, *RANGE, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("date,savings_ficc_model,savings_cme_model,applied")
    assert len(lines) == 1 + 5  # five weeks in July 2026


@pytest.mark.parametrize(
    ("dates", "words"),
    [(["--from", "2026-07-31", "--to", "2026-07-01"], "reversed"),
     (["--from", "2026-07-01", "--to", "2026-09-30"], "outside the history"),
     (["--from", "2016-03-01", "--to", "2016-04-01"], "too short for the look-back")],
)  # fmt: skip
def test_bad_ranges_get_a_clear_message(capsys, dates, words):
    assert main(["history", BASIS, *dates]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and "Traceback" not in err
