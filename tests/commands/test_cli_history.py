"""``python -m xmsim history``: formats, bad ranges, fallback and Portfolio Differential."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import SAMPLES
from xmsim.cli import main
from xmsim.timeline.redate import Redater
from xmsim.upload.loader import load_portfolio

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


def test_a_point_equals_run_asof_on_the_redated_book(capsys, tmp_path):
    """The documented promise, through the CLI: SR3 futures, so the market's basis counts."""
    sample = str(SAMPLES / "sofr_hedge_2y.csv")
    assert main(["history", sample, "--from", "2026-07-20", "--to", "2026-07-31",
                 "--every", "week", "--format", "json"]) == 0  # fmt: skip
    point = _strict(capsys.readouterr().out)["points"][0]
    assert point["date"] == "2026-07-24"
    book_date = dt.date(2026, 7, 31)
    portfolio = load_portfolio(sample, asof=book_date).portfolio
    redated = Redater(portfolio, book_date).at(dt.date(2026, 7, 24))
    rows = ["account,product,quantity,coupon,maturity,contract,expiry"]
    for p in redated:
        expiry = f"{p.expiry:%Y-%m}" if p.expiry else ""
        rows.append(f"{p.account},{p.product},{p.quantity},{p.coupon_pct or ''},"
                    f"{p.maturity or ''},{p.contract or ''},{expiry}")  # fmt: skip
    path = tmp_path / "redated.csv"
    path.write_text("\n".join(rows) + "\n")
    assert main(["run", str(path), "--asof", "2026-07-24", "--format", "json"]) == 0
    run = _strict(capsys.readouterr().out)
    assert run["history"] == point["history"]
    for key in ("applied", "savings_usd", "ficc_requirement", "cme_requirement"):
        assert point["accounts"][0][key] == pytest.approx(run["accounts"][0][key], rel=1e-9)
    assert point["accounts"][0]["var"] == pytest.approx(run["accounts"][0]["var"], rel=1e-9)
