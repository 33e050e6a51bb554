"""SPAN parameter sets: the shipped table, the file format, errors naming lines, calibration."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from importlib import resources

import numpy as np
import pytest

from xmsim.engines.span.params import RiskArray, ValueSource
from xmsim.engines.span.params_io import (
    CashMapping,
    calibrated_span_params,
    default_span_params,
    load_span_params,
    one_day_move_bp,
    save_span_params,
)
from xmsim.market import TENOR_YEARS, TENORS, YieldHistory

DEFAULT_TEXT = resources.files("xmsim.data").joinpath("span_params_default.csv").read_text()


def test_default_is_dated_and_labelled_illustrative():
    p = default_span_params()
    assert "not official CME levels" in p.label and p.asof == dt.date(2026, 7, 31)
    assert p.source_of("product", "ZN", "psr_usd").status in ("ASSUMED", "CALIBRATED")
    tsy = next(s for s in p.scan_spreads if s.name == "TSY-LONG")
    assert tsy.legs == ("UB", "ZB", "ZN", "ZF") and tsy.ratios == (2, 2, 3, 5)
    assert tsy.basis == "delta"
    assert (
        tsy.credit_rate == 0.70 and p.source_of("scan_spread", "TSY-LONG", "legs").status == "SRC"
    )
    assert [c for c, _ in p.cash_points()] == ["ZT", "Z3N", "ZF", "ZN", "TN", "ZB", "TWE", "UB"]
    assert p.source_of("product", "ZN", "point_years").status == "ASSUMED"
    assert p.source_of("meta", "", "cash_basis_rate").status == "ASSUMED"


def test_initial_multiplier_by_account_type_cites_the_advisories():
    p = default_span_params()
    assert p.account_type == "auto" and p.shown == "initial"
    assert p.account_type_of(customer=False) == "member"
    assert p.account_type_of(customer=True) == "non-HRP"
    assert p.for_account_type("HRP").account_type_of(customer=False) == "HRP"
    assert (p.initial_member, p.initial_non_hrp, p.initial_hrp) == (1.0, 1.0, 1.1)
    assert p.initial_multiplier == 1.0
    assert p.for_account_type("non-HRP").initial_multiplier == 1.0
    assert p.for_account_type("HRP").initial_multiplier == 1.1
    assert "08-380" in p.source_of("meta", "", "initial_member").source
    assert "23-376" in p.source_of("meta", "", "initial_non_hrp").source
    with pytest.raises(ValueError, match="account_type"):
        p.for_account_type("speculator")


def test_cash_map_round_trips_and_checks_its_contract(tmp_path):
    m = CashMapping("91282CKZ3", "ZN", dt.date(2026, 12, 1), 0.8512)
    p = dataclasses.replace(default_span_params(), cash_map=(m,))
    path = tmp_path / "p.csv"
    save_span_params(p, path)
    assert "cash_map,91282CKZ3,month,2026-12" in path.read_text()
    assert load_span_params(path).cash_map == (m,)
    bad = path.read_text().replace("91282CKZ3,month,2026-12", "91282CKZ3,month,Dec")
    with pytest.raises(ValueError, match=r"line .*YYYY-MM"):
        load_span_params(bad)
    with pytest.raises(ValueError, match="not a Treasury product"):
        dataclasses.replace(p, cash_map=(dataclasses.replace(m, contract="SR3"),))


def test_old_cash_bucket_rows_say_what_to_do():
    text = DEFAULT_TEXT + "cash_bucket,CASH-ZN,contract,ZN,ASSUMED,x\n"
    with pytest.raises(ValueError, match="futures equivalents"):
        load_span_params(text)


def test_every_value_has_a_status_and_source():
    frame = default_span_params().to_frame()
    assert set(frame["status"]) <= {"SRC", "ASSUMED", "CALIBRATED"}
    assert (frame["source"].str.len() > 0).all()


def test_round_trip(tmp_path):
    p = default_span_params().with_psr({"ZN": 1234.5})
    p = dataclasses.replace(p, shown="maintenance", fractional_spreads=False)
    path = tmp_path / "params.csv"
    save_span_params(p, path)
    assert load_span_params(path) == p
    assert load_span_params(path.read_text()) == p
    assert load_span_params(DEFAULT_TEXT) == default_span_params()


def edited(old: str, new: str) -> str:
    assert old in DEFAULT_TEXT
    return DEFAULT_TEXT.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("product,ZN,psr_usd,2150", "product,ZX,psr_usd,2000", "unknown contract 'ZX'"),
        ("product,ZN,psr_usd,2150", "product,ZN,psr_usd,lots", "'lots' is not a number"),
        ("product,ZN,psr_usd,2150", "product,ZN,psr_usd,", "value is empty"),
        ("product,ZN,psr_usd,2150", "prodct,ZN,psr_usd,2000", "unknown table 'prodct'"),
        ("product,ZN,psr_usd,2150", "product,ZN,psr,2000", "unknown field 'psr'"),
        ("product,ZN,psr_usd,2150,CALIBRATED", "product,ZN,psr_usd,2150,MAYBE", "status 'MAYBE'"),
        ("legs,SR3:3|ZT:2", "legs,SR3:3|ZZ:2", "unknown legs \\['ZZ'\\]"),
        ("legs,SR3:3|ZT:2", "legs,SR3-3|ZT:2", "CODE:RATIO"),
        ("SR3-ZT,basis,delta", "SR3-ZT,basis,gamma", "basis"),
        ("meta,,asof,2026-07-31", "meta,,asof,31/07/2026", "YYYY-MM-DD"),
    ],
)
def test_malformed_file_errors_name_the_line(old, new, message):
    text = edited(old, new)
    line = line_of(text, new.split(",ASSUMED")[0] if "MAYBE" not in new else new)
    with pytest.raises(ValueError, match=f"line {line}: .*{message}"):
        load_span_params(text)


def test_missing_rate_names_the_spread_line():
    text = "\n".join(
        line
        for line in DEFAULT_TEXT.splitlines()
        if not line.startswith("inter_spread,SR3-ZT,rate")
    )
    first = line_of(text, "inter_spread,SR3-ZT,legs")
    with pytest.raises(ValueError, match=f"line {first}: inter_spread SR3-ZT has no 'rate'"):
        load_span_params(text)


def test_duplicate_value_is_an_error():
    text = DEFAULT_TEXT + "product,ZN,psr_usd,2100,USER,\n"
    with pytest.raises(ValueError, match=f"line {len(text.splitlines())}: .*given twice"):
        load_span_params(text)


def test_bad_header_and_empty_file():
    with pytest.raises(ValueError, match="line 1: header"):
        load_span_params("a,b,c\nproduct,ZN,psr_usd,1,USER,\n")
    with pytest.raises(ValueError, match="empty parameter file"):
        load_span_params("# nothing\n\n")


def synthetic_history(n_days: int = 600) -> YieldHistory:
    rng = np.random.default_rng(7)
    vol_bp = np.linspace(3.0, 9.0, len(TENORS))  # distinct per tenor, to test interpolation
    changes = rng.normal(0.0, 1.0, (n_days - 1, len(TENORS))) * vol_bp * 1e-4
    yields = 0.04 + np.vstack([np.zeros(len(TENORS)), np.cumsum(changes, axis=0)])
    dates = np.arange(np.datetime64("2022-01-03"), np.datetime64("2022-01-03") + n_days)
    return YieldHistory(dates, yields, "synthetic test history")


def test_one_day_move_interpolates_changes_between_tenors():
    h = synthetic_history()
    d = np.diff(h.yields, axis=0) * 1e4
    i7, i10 = TENORS.index("7Y"), TENORS.index("10Y")
    w = (8.0 - TENOR_YEARS[i7]) / (TENOR_YEARS[i10] - TENOR_YEARS[i7])
    expected = np.quantile(np.abs((1 - w) * d[:, i7] + w * d[:, i10]), 0.99)
    assert one_day_move_bp(h, 8.0) == pytest.approx(expected)
    assert one_day_move_bp(h, 10.0) == pytest.approx(np.quantile(np.abs(d[:, i10]), 0.99))


def test_calibrated_params():
    h = synthetic_history()
    dv01 = {
        "ZT": 40.0,
        "Z3N": 44.0,
        "ZF": 48.0,
        "ZN": 78.0,
        "TN": 100.0,
        "TWE": 140.0,
        "ZB": 150.0,
        "UB": 260.0,
    }
    p = calibrated_span_params(h, dv01, {"ZN": "7Y"})
    psr = {x.code: x.psr_usd for x in p.products}
    assert psr["ZN"] == round(78.0 * one_day_move_bp(h, 7.0) / 10) * 10
    assert psr["SR3"] == round(25.0 * one_day_move_bp(h, 0.25) / 10) * 10
    assert psr["TN"] == round(100.0 * one_day_move_bp(h, 9.75) / 10) * 10  # its point_years
    doubled = calibrated_span_params(h, dv01, {"ZN": "7Y"}, multiplier=2.0)
    assert doubled.psr_usd("ZN") == round(2 * 78.0 * one_day_move_bp(h, 7.0) / 10) * 10
    assert all(v % 10 == 0 and v > 0 for v in psr.values())
    assert "synthetic test history" in p.label and p.asof == h.end
    src = p.source_of("product", "ZN", "psr_usd")
    assert src.status == "CALIBRATED" and src.source == "synthetic test history"
    assert p.scan_spreads == default_span_params().scan_spreads
    with pytest.raises(KeyError, match="Z3N"):
        calibrated_span_params(h, {"ZT": 40.0})


def test_saved_parameter_file_neutralises_formula_text_and_reads_back_the_same(tmp_path):
    """A label or source such as ``=HYPERLINK(...)`` is written with a leading apostrophe (a
    spreadsheet shows it as text), numbers and risk arrays (``-533|...``) are not touched, and
    reading the file back gives the same parameter set."""
    evil = '=HYPERLINK("http://x","click")'
    kept = [s for s in default_span_params().sources if s.field != "spot_usd"]
    p = dataclasses.replace(
        default_span_params(),
        label=evil,
        sources=(*kept, ValueSource("product", "ZN", "spot_usd", "USER", "@SUM(1)")),
        month_arrays=(RiskArray("ZN", 202612, tuple(float(v) for v in range(-8, 8))),),
    )  # fmt: skip
    path = tmp_path / "p.csv"
    save_span_params(p, path)
    rows = list(csv.reader(path.read_text().splitlines()))
    cells = {(r[0], r[1], r[2]): r for r in rows}
    assert cells[("meta", "", "label")][3] == "'" + evil
    assert cells[("product", "ZN", "spot_usd")][5] == "'@SUM(1)"
    assert cells[("risk_array", "ZN:202612", "losses")][3].startswith("-8|-7|")  # numbers kept
    back = load_span_params(path)
    assert back.label == evil
    assert back.source_of("product", "ZN", "spot_usd").source == "@SUM(1)"
    assert back.month_arrays == p.month_arrays
    assert back.products == p.products
