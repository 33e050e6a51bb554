"""The sample portfolios: they load cleanly, show what they claim, and match their generator."""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
from pathlib import Path

import pytest

from xmsim.arrangement.eligibility import CME, FICC, classify_portfolio
from xmsim.contracts import contract_codes
from xmsim.portfolio import PRODUCTS, Portfolio
from xmsim.upload.loader import (
    SAMPLE_ASOF,
    SAMPLES,
    format_table_markdown,
    load_portfolio,
    sample_paths,
)

ROOT = Path(__file__).resolve().parents[1]
ASOF = dt.date(2026, 7, 31)


def _script():
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts/make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(name: str) -> Portfolio:
    return load_portfolio(sample_paths()[name], asof=ASOF).portfolio


def test_there_are_at_least_ten_samples_in_the_repo():
    assert SAMPLE_ASOF == ASOF
    paths = sample_paths()
    assert list(paths) == [name for name, _ in SAMPLES]
    assert len(paths) >= 10
    assert all(p.parent == ROOT / "sample_portfolios" for p in paths.values())


@pytest.mark.parametrize("name", [name for name, _ in SAMPLES])
def test_sample_loads_without_errors_or_warnings(name):
    result = load_portfolio(sample_paths()[name], asof=ASOF)
    assert result.issues == ()
    assert len(result.portfolio) >= 2
    for position in result.portfolio.futures():
        assert position.expiry >= dt.date(2026, 9, 1)


@pytest.mark.parametrize(
    ("name", "ratio"),
    [("basis_trade", 1.0), ("steepener_2s10s", 1.0), ("half_hedge", 0.5), ("over_hedged", 2.0),
     ("sofr_hedge_2y", 1.0)],
)  # fmt: skip
def test_hedge_ratios_hold_in_the_models_own_dv01s(name, ratio):
    """The described property ("DV01-neutral", "half the DV01", "about twice") holds in the DV01s
    the tool itself shows (`risk` on the embedded market), to whole contracts."""
    from xmsim.commands.risk import risk_frame
    from xmsim.marketdata.defaults import default_market

    portfolio = load(name)
    frame = risk_frame(portfolio, default_market())
    is_future = [p.product == "FUTURE" for p in portfolio]
    cash_dv01 = frame.dv01_usd[[not f for f in is_future]].sum()
    futures = frame.dv01_usd[is_future]
    per_contract = (futures / [p.quantity for p in portfolio.futures()]).abs()
    assert cash_dv01 > 0 > futures.sum()
    rounding = 0.5 * per_contract.sum()  # each futures row rounds to a whole contract
    assert abs(-futures.sum() - ratio * cash_dv01) <= rounding


def test_basis_trade_is_about_100mm_of_ten_year_notes_against_zn_dec26():
    portfolio = load("basis_trade")
    (repo,) = portfolio.cash()
    (zn,) = portfolio.futures()
    assert repo.product == "REPO" and repo.quantity == 100e6
    assert 7 <= (repo.maturity - ASOF).days / 365.25 <= 10
    assert (zn.contract, zn.expiry, zn.quantity < 0) == ("ZN", dt.date(2026, 12, 1), True)


def test_sofr_strip_is_eight_consecutive_quarters():
    strip = load("sofr_hedge_2y").futures()
    months = [p.expiry for p in strip]
    assert {p.contract for p in strip} == {"SR3"} and len(months) == 8
    assert all(
        (b.year - a.year) * 12 + b.month - a.month == 3 for a, b in itertools.pairwise(months)
    )


def test_single_leg_samples_have_one_ccp():
    assert {e.ccp for e in classify_portfolio(load("cash_only"), ASOF)} == {FICC}
    assert {e.ccp for e in classify_portfolio(load("futures_only"), ASOF)} == {CME}


def test_ineligible_mix_flags_each_kind_next_to_eligible_rows():
    portfolio = load("ineligible_mix")
    results = classify_portfolio(portfolio, ASOF)
    ineligible = {p.product for p, e in zip(portfolio, results, strict=True) if not e.eligible}
    assert {"TIPS", "BILL", "AGENCY", "UST", "OPTION"} <= ineligible
    assert {FICC, CME} <= {e.ccp for e in results}
    short = [
        p for p, e in zip(portfolio, results, strict=True) if p.product == "UST" and not e.eligible
    ]
    assert any(250 <= (p.maturity - ASOF).days <= 300 for p in short)  # about nine months


def test_customer_book_accounts_offset_only_across_accounts():
    book = load("customer_book").by_account()
    assert len(book) >= 20 and "HOUSE" not in book
    cust_a, cust_b = book["CUST_A"], book["CUST_B"]
    assert all(not p.is_future and p.quantity > 0 for p in cust_a)
    assert all(p.is_future and p.quantity < 0 for p in cust_b)


def test_dealer_book_covers_every_product_and_contract():
    portfolio = load("dealer_book")
    assert len(portfolio) >= 1000
    assert {p.product for p in portfolio} == set(PRODUCTS)
    assert {p.contract for p in portfolio.futures()} == set(contract_codes())
    maturities = [p.maturity for p in portfolio if p.product == "UST"]
    assert min(maturities) < dt.date(2028, 12, 31) and max(maturities) > dt.date(2055, 1, 1)


def test_committed_samples_match_the_generator(tmp_path):
    written = _script().write_samples(tmp_path)
    assert set(written) == {name for name, _ in SAMPLES}
    for path in [*written.values(), tmp_path / "README.md"]:
        committed = ROOT / "sample_portfolios" / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"rerun scripts/make_samples.py ({path.name})"
        )


def test_readme_lists_samples_and_the_upload_format():
    text = (ROOT / "sample_portfolios" / "README.md").read_text(encoding="utf-8")
    assert format_table_markdown() in text
    for name, _ in SAMPLES:
        assert f"`{name}.csv`" in text
