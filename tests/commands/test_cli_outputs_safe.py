"""Regression tests of issue 19 classes 7 and 8: the commands' CSV goes through the one
neutralising path (text cells only), their JSON is always valid, and --quiet never hides a
file-level reason."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import SAMPLES
from xmsim import cli
from xmsim.report.safe import json_text
from xmsim.upload import loader

ATTACKS = ('=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tTAB")


@pytest.fixture
def hostile(tmp_path):
    lines = ["account,product,quantity,coupon,maturity,contract,expiry,label"]
    for i, text in enumerate(ATTACKS):
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"{quoted},UST,10000000,4.25,2034-08-15,,,{quoted}")
        lines.append(f"{quoted},FUTURE,-{50 + i},,,ZN,2026-12,{quoted}")
    path = tmp_path / "hostile.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _no_raw_formula(frame: pd.DataFrame) -> None:
    for col in frame.columns:
        if frame[col].dtype == object:
            for cell in frame[col].dropna().astype(str):
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (col, cell)
                assert not (cell.startswith("-") and not _is_number(cell)), (col, cell)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("command", ["run", "risk"])
def test_command_csv_neutralises_text_but_not_negative_numbers(command, hostile, tmp_path):
    out = tmp_path / f"{command}.csv"
    assert cli.main([command, str(hostile), "--format", "csv", "--out", str(out)]) == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    _no_raw_formula(frame)
    text = out.read_text()
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text and "'-2+3" in text
    numeric = pd.read_csv(out)
    column = "dv01_usd" if command == "risk" else "total_before"
    assert pd.api.types.is_numeric_dtype(numeric[column])
    if command == "risk":
        assert (numeric["dv01_usd"] < 0).any()  # short futures stay negative numbers


def _strict(text: str):
    def refuse(constant):
        raise AssertionError(f"{constant} in JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(SAMPLES / "ineligible_mix.csv"), "--format", "json"],
        ["risk", str(SAMPLES / "ineligible_mix.csv"), "--format", "json"],
        ["optimize", str(SAMPLES / "basis_trade.csv"), "--hedge", "--format", "json"],
    ],
)
def test_command_json_is_strict_json(argv, capsys):
    assert cli.main(argv) == 0
    _strict(capsys.readouterr().out)


def test_json_text_never_writes_nan_or_infinity():
    import numpy as np

    value = {
        "a": float("nan"),
        "b": [np.float64("inf"), np.int64(3)],
        "c": np.array([1.5, -np.inf]),
    }
    assert _strict(json_text(value)) == {"a": None, "b": [None, 3], "c": [1.5, None]}


def test_quiet_still_shows_file_level_reasons(monkeypatch, capsys):
    monkeypatch.setattr(loader, "MAX_BYTES", 100)
    assert cli.main(["run", str(SAMPLES / "basis_trade.csv"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "larger than" in err and "split" in err


def test_quiet_hides_row_warnings_only(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("product,quantity,contract,expiry\nFUTURE,10,ZN,2026-12\nFUTURE,x,ZN,2026-12\n")
    assert cli.main(["risk", str(path), "--format", "json"]) == 0
    assert "row 3" in capsys.readouterr().err
    assert cli.main(["run", str(path), "--quiet", "--format", "json"]) == 0
    assert "row 3" not in capsys.readouterr().err
