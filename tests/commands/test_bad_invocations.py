"""Every CLI command with a table of bad flags and bad parameter files (issue 19 classes 6, 7):
no traceback, a clear message naming what is wrong, a nonzero exit."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES
from xmsim import cli

BASIS = str(SAMPLES / "basis_trade.csv")

PARAMS = {
    "confidence_text.toml": '[var]\nconfidence = "high"\n',
    "list_section.json": '{"var": [1, 2]}',
    "one_item_window.toml": '[var]\nstress_window = ["2008-09-01"]\n',
    "non_iso_window.toml": '[var]\nstress_window = ["09/01/2008", "2009-03-01"]\n',
    "unknown_ficc_model.toml": '[run]\nficc_model = "magic"\n',
    "unknown_key.toml": "[var]\nconfidance = 0.99\n",
    "nan_floor.toml": "[var]\nfloor_pct = nan\n",
    "cap_text.toml": '[arrangement]\ncap = "most"\n',
    "bool_horizon.toml": "[var]\nhorizon_days = true\n",
    "bad_toml.toml": "[var\nconfidence = 0.99\n",
    "binary.toml": "\x00\x01\x02garbage",
}

# (argv with {dir}/{params:name} placeholders, a word the message must contain)
CASES = [
    (["run", BASIS, "--history", "{dir}"], "folder"),
    (["run", BASIS, "--params", "{dir}"], "folder"),
    (["run", BASIS, "--params", "{params:confidence_text.toml}"], "confidence"),
    (["run", BASIS, "--params", "{params:list_section.json}"], "var"),
    (["run", BASIS, "--params", "{params:one_item_window.toml}"], "stress_window"),
    (["run", BASIS, "--params", "{params:non_iso_window.toml}"], "stress_window"),
    (["run", BASIS, "--params", "{params:unknown_ficc_model.toml}"], "ficc_model"),
    (["run", BASIS, "--params", "{params:unknown_key.toml}"], "confidance"),
    (["run", BASIS, "--params", "{params:nan_floor.toml}"], "floor_pct"),
    (["run", BASIS, "--params", "{params:cap_text.toml}"], "cap"),
    (["run", BASIS, "--params", "{params:bool_horizon.toml}"], "horizon_days"),
    (["run", BASIS, "--params", "{params:bad_toml.toml}"], "parameters file"),
    (["run", BASIS, "--params", "{params:binary.toml}"], "parameters file"),
    (["run", BASIS, "--params", "{dir}/missing.toml"], "not found"),
    (["run", BASIS, "--legacy", "--legacy-margin-rate", "-1"], "margin"),
    (["run", BASIS, "--legacy", "--legacy-min-margin", "nan"], "finite"),
    (["run", BASIS, "--out", "{dir}/no/such/dir/out.json"], "cannot write"),
    (["run", BASIS, "--out", "{dir}"], "cannot write"),
    (["run", BASIS, "--var-floor-pct", "nan"], "finite"),
    (["run", BASIS, "--var-addon-pct", "inf"], "finite"),
    (["run", BASIS, "--var-confidence", "2"], "confidence"),
    (["run", BASIS, "--var-horizon", "0"], "horizon"),
    (["run", BASIS, "--var-lookback-years=-inf"], "finite"),
    (["run", BASIS, "--cap", "1.5"], "0, 1"),
    (["run", BASIS, "--fallback-prior-applied", "2", "--fallback-prior-combined", "1e6"], "0, 1"),
    (["run", BASIS, "--fallback-prior-applied", "0.5", "--fallback-prior-combined", "-1"], ">= 0"),
    (["run", BASIS, "--stress-window", "1800-01-01", "1800-02-01"], "stress"),
    (["run", BASIS, "--stress-window", "2009-01-01", "2008-01-01"], "stress"),
    (["run", BASIS, "--asof", "1800-01-01"], "1800-01-01"),
    (["run", BASIS, "--asof", "31/07/2026"], "YYYY-MM-DD"),
    (["run", BASIS, "--span-params", "{dir}"], "folder"),
    (["run", BASIS, "--span-params", "nonsense"], "calibrated"),
    (["run", "{dir}"], "folder"),
    (["run", "{dir}/missing.csv"], "not found"),
    (["risk", BASIS, "--history", "{dir}"], "folder"),
    (["risk", BASIS, "--out", "{dir}/no/such/dir/r.csv"], "cannot write"),
    (["risk", BASIS, "--params", "{params:bad_toml.toml}"], "parameters file"),
    (["optimize", BASIS, "--hedge", "--max-contracts", "-5"], "max-contracts"),
    (["optimize", BASIS, "--hedge", "--limit", "ZN=abc"], "limit"),
    (["optimize", BASIS, "--hedge", "--contracts", "XX"], "unknown contract"),
    (["optimize", BASIS, "--allocate", "--params", "{params:unknown_key.toml}"], "confidance"),
    (["optimize", BASIS, "--hedge", "--out", "{dir}/no/such/dir/o.txt"], "cannot write"),
    (["cf", "ZN", "abc", "2034-08-15", "2026-12"], "coupon"),
    (["cf", "ZN", "nan", "2034-08-15", "2026-12"], "coupon"),
    (["cf", "ZN", "4.25", "15/08/2034", "2026-12"], "maturity"),
    (["cf", "ZN", "4.25", "2034-08-15", "someday"], "month"),
    (["cf", "XX", "4.25", "2034-08-15", "2026-12"], "contract"),
    (["fetch-history", "--url", "ht!tp://x", "--out", "{dir}/h.csv"], "url"),
    (["fetch-history", "--url", "not a url", "--out", "{dir}/h.csv"], "url"),
    (["fetch-history", "--url", "file:///etc/passwd", "--out", "{dir}/h.csv"], "url"),
    (["fetch-history", "--timeout", "-1", "--out", "{dir}/h.csv"], "timeout"),
    (["fetch-history", "--timeout", "nan", "--out", "{dir}/h.csv"], "timeout"),
    (["fetch-history", "--year", "1800", "--out", "{dir}/h.csv"], "1990"),
    (["fetch-history", "--url", "http://127.0.0.1:9/x", "--out", "{dir}"], "folder"),
]


def _argv(argv, tmp_path):
    out = []
    for arg in argv:
        if arg.startswith("{params:"):
            name = arg[len("{params:") : -1]
            path = tmp_path / name
            path.write_text(PARAMS[name], encoding="utf-8")
            arg = str(path)
        out.append(arg.replace("{dir}", str(tmp_path)))
    return out


@pytest.mark.parametrize(
    ("argv", "word"), CASES, ids=[" ".join(c[0][:1] + c[0][2:]) for c in CASES]
)
def test_bad_invocation_gives_a_clear_message_and_nonzero_exit(argv, word, tmp_path, capsys):
    try:
        code = cli.main(_argv(argv, tmp_path))
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code not in (0, None), err
    assert "Traceback" not in err
    assert "error" in err.lower() and word.lower() in err.lower(), err


def test_an_unexpected_error_is_one_line_and_a_hint_and_debug_shows_the_traceback(
    monkeypatch, capsys
):
    from xmsim.commands import risk

    def boom(*_):
        raise ZeroDivisionError("something inside broke")

    monkeypatch.setattr(risk, "risk_frame", boom)
    assert cli.main(["risk", BASIS]) == cli.UNEXPECTED_EXIT
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "unexpected ZeroDivisionError: something inside broke" in err and "--debug" in err
    assert cli.main(["--debug", "risk", BASIS]) == cli.UNEXPECTED_EXIT
    assert "Traceback" in capsys.readouterr().err


def test_too_many_accounts_stop_before_margining_with_a_settable_limit(monkeypatch, capsys):
    from xmsim.simulate import Simulator

    def never(*_, **__):
        raise AssertionError("margined although over the limit")

    monkeypatch.setattr(Simulator, "arrangement", never)
    book = str(SAMPLES / "customer_book.csv")
    assert cli.main(["run", book, "--max-accounts", "10", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "24 accounts is beyond the --max-accounts limit of 10" in err and "split" in err
