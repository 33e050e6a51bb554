"""``python -m xmsim cf``: conversion factors on the command line."""

from __future__ import annotations

import datetime as dt

import pytest

from xmsim.cli import main
from xmsim.commands.cf import parse_delivery_month


def _run(capsys, *argv: str):
    code = main(["cf", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_the_factor_to_four_decimals(capsys):
    code, out, err = _run(capsys, "ZN", "3.875", "2034-08-15", "2026-12")
    assert (code, out, err) == (0, "0.8732\n", "")


def test_cme_brochure_example_with_alias_and_month_code(capsys):
    """5-1/8% of May 2016 into the March 2009 10-year (TY = ZN) -> 0.9506 [SRC CME]."""
    assert _run(capsys, "TY", "5.125", "2016-05-15", "H09")[:2] == (0, "0.9506\n")
    assert _run(capsys, "zn", "5.125", "2016-05-15", "2009-03-20")[:2] == (0, "0.9506\n")


def test_non_deliverable_bond_is_an_error_naming_the_rule(capsys):
    code, out, err = _run(capsys, "ZN", "3.875", "2032-08-15", "2026-12")
    assert code == 2
    assert out == ""
    assert "remaining term 5y8m14d is below ZN's minimum 6y6m" in err
    assert "--force" in err


def test_force_prints_the_factor_with_a_warning(capsys):
    code, out, err = _run(capsys, "ZN", "3.875", "2032-08-15", "2026-12", "--force")
    assert code == 0
    assert out.strip() == "0.9017"
    assert err.startswith("warning: not deliverable")


def test_original_term_rule_with_issue_date(capsys):
    code, _, err = _run(capsys, "ZF", "1.25", "2031-03-31", "2026-12", "--issue-date", "2021-03-31")
    assert code == 2
    assert "original term 10y exceeds ZF's maximum 5y3m" in err


def test_unknown_contract_lists_the_known_ones(capsys):
    code, out, err = _run(capsys, "XX", "4", "2034-08-15", "2026-12")
    assert code == 2
    assert out == ""
    assert "unknown contract 'XX'" in err
    assert "ZT, Z3N, ZF, ZN, TN, TWE, ZB, UB" in err


def test_rate_futures_have_no_conversion_factor(capsys):
    code, _, err = _run(capsys, "SR3", "4", "2034-08-15", "2026-12")
    assert code == 2
    assert "SR3 is not a Treasury futures contract" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("ZN", "four", "2034-08-15", "2026-12"), "cannot read coupon 'four'"),
        (("ZN", "400", "2034-08-15", "2026-12"), "out of range"),
        (("ZN", "4", "15/08/2034", "2026-12"), "cannot read maturity"),
        (("ZN", "4", "2034-08-15", "Dek 2026"), "not a contract code"),
        (("ZN", "4", "2034-08-15", "next year"), "cannot read 'next year' as a contract month"),
        (("ZN", "4", "2026-08-15", "2026-12"), "is not after the delivery month"),
    ],
)
def test_bad_input_is_a_clear_error(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12", dt.date(2026, 12, 1)),
        ("2026-3", dt.date(2026, 3, 1)),
        ("2026-12-18", dt.date(2026, 12, 1)),
        ("Z26", dt.date(2026, 12, 1)),
        ("h27", dt.date(2027, 3, 1)),
        ("U6", dt.date(2026, 9, 1)),  # one-digit year: the loader's window [today-1, today+8]
        ("H6", dt.date(2026, 3, 1)),
        ("H5", dt.date(2025, 3, 1)),
        ("H4", dt.date(2034, 3, 1)),
        ("Dec 2026", dt.date(2026, 12, 1)),
        ("ZNZ6", dt.date(2026, 12, 1)),
    ],
)
def test_parse_delivery_month(text, expected):
    assert parse_delivery_month(text, today=dt.date(2026, 7, 31)) == expected


def test_parse_delivery_month_rejects_month_13():
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_delivery_month("2026-13")
