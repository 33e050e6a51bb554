"""The `risk` command and the shared engine flags of `run` (parameters file, legacy, fallback)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import SAMPLES
from xmsim import cli
from xmsim.market import TENORS


def test_risk_json_lists_price_dv01_key_rates_and_ctd(capsys):
    assert cli.main(["risk", str(SAMPLES / "basis_trade.csv"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    repo, fut = out["positions"]
    assert repo["dv01_usd"] > 0 > fut["dv01_usd"]  # long collateral, short futures
    assert sum(repo[f"krd_{t}"] for t in TENORS) == pytest.approx(repo["dv01_usd"], rel=1e-5)
    assert "CTD" in fut["ctd_or_reference"] and 0.7 < fut["conversion_factor"] < 1.0
    assert 90 < fut["price"] < 130


def test_risk_table_and_csv(tmp_path, capsys):
    assert cli.main(["risk", str(SAMPLES / "sofr_hedge_2y.csv")]) == 0
    text = capsys.readouterr().out
    assert "TOTAL" in text and "DV01" in text and "reference" in text
    out = tmp_path / "risk.csv"
    assert (
        cli.main(["risk", str(SAMPLES / "dealer_book.csv"), "--format", "csv", "--out", str(out)])
        == 0
    )
    frame = pd.read_csv(out)
    assert len(frame) == 1100 and {"krd_10Y", "conversion_factor"} <= set(frame.columns)


def _json(capsys, *argv):
    assert cli.main(["run", str(SAMPLES / "half_hedge.csv"), "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_parameters_file_sets_engines_and_flags_override_it(tmp_path, capsys):
    params = tmp_path / "p.toml"
    params.write_text(
        "[arrangement]\ncap = 0.5\n[var]\nconfidence = 0.975\nhorizon_days = 2\n"
        '[span]\nshown = "maintenance"\n'
    )
    out = _json(capsys, "--params", str(params))
    s = out["settings"]
    assert (s["cap"], s["var_confidence"], s["var_horizon_days"], s["span_shown"]) == (
        0.5,
        0.975,
        2,
        "maintenance",
    )
    assert _json(capsys, "--params", str(params), "--cap", "0.7")["settings"]["cap"] == 0.7
    base = _json(capsys)
    assert out["accounts"][0]["var"]["ficc_leg"] < base["accounts"][0]["var"]["ficc_leg"]


def test_bad_parameters_file_is_a_clear_error(tmp_path, capsys):
    params = tmp_path / "p.toml"
    params.write_text("[vaR]\nconfidence = 0.99\n")
    assert cli.main(["run", str(SAMPLES / "half_hedge.csv"), "--params", str(params)]) == 2
    assert "unknown section [vaR]" in capsys.readouterr().err


def test_every_var_flag_reaches_the_engine(capsys):
    out = _json(
        capsys,
        "--var-confidence",
        "0.95",
        "--var-horizon",
        "1",
        "--var-lookback-years",
        "5",
        "--no-stress",
        "--var-mode",
        "sensitivity",
        "--var-floor-pct",
        "1",
        "--var-addon-pct",
        "0.1",
    )
    s = out["settings"]
    assert (
        s["var_confidence"],
        s["var_horizon_days"],
        s["var_lookback_years"],
        s["var_stress"],
        s["var_mode"],
        s["var_floor_pct"],
        s["var_addon_pct"],
    ) == (0.95, 1, 5.0, False, "sensitivity", 1.0, 0.1)
    assert "stress window" not in out["history"]


def test_legacy_and_fallback_modes_in_json(capsys):
    out = _json(
        capsys, "--legacy", "--fallback-prior-applied", "0.6", "--fallback-prior-combined", "1"
    )
    assert out["legacy"]["reduction_usd"] > 0
    assert out["legacy"]["after_usd"] == pytest.approx(
        out["legacy"]["before_usd"] - out["legacy"]["reduction_usd"]
    )
    (fb,) = out["fallback"]
    assert fb["applied"] == 0.0 and "no reduction" in fb["reason"]
    assert (
        cli.main(["run", str(SAMPLES / "half_hedge.csv"), "--fallback-prior-applied", "0.6"]) == 2
    )


def test_calibrated_span_params_and_span_for_both(capsys):
    out = _json(capsys, "--span-params", "calibrated", "--ficc-model", "span")
    assert out["settings"]["span_params"].startswith("calibrated")
    a = out["accounts"][0]
    assert a["ficc_standalone"] == pytest.approx(a["span"]["ficc_leg"])
    assert out["settings"]["ficc_model"] == "span"


def test_history_file_and_asof_outside_it(tmp_path, capsys, shared_history_path):
    out = _json(capsys, "--history", str(shared_history_path), "--asof", "2024-12-31")
    assert out["asof"] == "2024-12-31"
    assert "ust_par_yield_curve_1990_2024.csv" in out["history"]
    assert (
        cli.main(
            [
                "run",
                str(SAMPLES / "half_hedge.csv"),
                "--history",
                str(shared_history_path),
                "--asof",
                "2026-07-31",
            ]
        )
        == 2
    )


def test_progress_bar_draws_on_a_terminal_only(capsys):
    from xmsim.commands._common import Progress

    bar = Progress(2, enabled=True)
    bar.step("market ready")
    bar.step("done")
    err = capsys.readouterr().err
    assert "[###############---------------] 1/2 market ready" in err
    assert "2/2 done" in err and err.endswith("\n")
    silent = Progress(2, enabled=False)
    silent.step("x")
    assert capsys.readouterr().err == ""


def test_span_params_choice_typo_is_a_clear_error(capsys):
    assert cli.main(["run", str(SAMPLES / "half_hedge.csv"), "--span-params", "calibrate"]) == 2
    assert "neither 'default', 'calibrated' nor an existing parameter file" in (
        capsys.readouterr().err
    )
