"""The arrangement's reading: auto pools HOUSE accounts and keeps every other account apart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from tests.conftest import SAMPLES
from xmsim import cli
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.arrangement.pots import form_pots, is_house_account
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import load_portfolio

MARKET = default_market()


def _sim(arrangement: str) -> Simulator:
    return Simulator(MARKET, RunConfig(arrangement=ArrangementSettings(arrangement=arrangement)))


def _mixed() -> Portfolio:
    """HOUSE rows (a hedged note) plus two customers, one hedged and one outright."""
    z = dt.date(2026, 12, 1)
    rows = [
        Position(UST, 80e6, coupon_pct=4.25, maturity=dt.date(2035, 5, 15), account="HOUSE"),
        Position(FUTURE, -700, contract="ZN", expiry=z, account="HOUSE"),
        Position(UST, 30e6, coupon_pct=4.0, maturity=dt.date(2031, 6, 30), account="CUST_1"),
        Position(FUTURE, -250, contract="ZF", expiry=z, account="CUST_1"),
        Position(FUTURE, 100, contract="ZB", expiry=z, account="CUST_2"),
        Position(UST, 5e6, coupon_pct=4.5, maturity=dt.date(2028, 7, 31), account="house"),
    ]
    return Portfolio(tuple(rows))


def test_default_reading_is_auto():
    assert ArrangementSettings().arrangement == "auto"
    assert RunConfig().arrangement.arrangement == "auto"


def test_form_pots_names_kinds_and_counts():
    pf = _mixed()
    pots = form_pots(pf, "auto")
    assert pots.names == ("ALL ACCOUNTS (house)", "CUST_1", "CUST_2")
    assert pots.kinds == ("house", "customer", "customer")
    assert pots.n_accounts == (2, 1, 1)  # HOUSE and house pooled
    assert list(pots.index) == [0, 0, 1, 1, 2, 0]
    assert pots.reading()["house_accounts"] == 2
    assert pots.reading()["customer_accounts"] == 2
    assert form_pots(pf, "house").names == ("ALL ACCOUNTS (house)",)
    assert form_pots(pf, "customer").kinds == ("customer",) * 4
    assert is_house_account(" ") and is_house_account("House") and not is_house_account("H1")
    with pytest.raises(ValueError, match="auto, house, customer"):
        form_pots(pf, "pooled")


def test_customer_book_auto_equals_the_customer_run():
    pf = load_portfolio(SAMPLES / "customer_book.csv", asof=MARKET.asof).portfolio
    auto, cust = _sim("auto").arrangement(pf), _sim("customer").arrangement(pf)
    assert auto.accounts == cust.accounts
    assert auto.totals == cust.totals
    assert auto.reading == {**cust.reading, "requested": "auto"}
    assert auto.reading["customer_accounts"] == 24 and auto.reading["house_accounts"] == 0


def test_house_rows_plus_two_customers_give_three_results_that_sum_to_the_total():
    pf = _mixed()
    res = _sim("auto").arrangement(pf)
    assert [(a.account, a.pot) for a in res.accounts] == [
        ("ALL ACCOUNTS (house)", "house"),
        ("CUST_1", "customer"),
        ("CUST_2", "customer"),
    ]
    for key, total in res.totals.items():
        assert total == pytest.approx(sum(getattr(a, key) for a in res.accounts), rel=1e-12)
    # each pot equals its own positions run alone (house pot: the house reading of its rows)
    house = Portfolio(tuple(p for p in pf if p.account.upper() == "HOUSE"))
    _same(_sim("house").arrangement(house).accounts[0], res.accounts[0])
    for a in res.accounts[1:]:
        _same(_sim("customer").arrangement(pf.for_account(a.account)).accounts[0], a)
    assert res.accounts[0].applied > 0.5  # the hedged house book saves
    assert res.accounts[2].applied == 0.0  # CUST_2 has one leg only


def _same(alone, pot) -> None:
    """Equal amounts and percentages (to float summation order) and the same reason."""
    assert alone.reason == pot.reason
    for f in dataclasses.fields(alone):
        x, y = getattr(alone, f.name), getattr(pot, f.name)
        if isinstance(x, float):
            assert x == pytest.approx(y, rel=1e-12, abs=1e-6), f.name
        elif dataclasses.is_dataclass(x):
            assert dataclasses.astuple(x) == pytest.approx(dataclasses.astuple(y), rel=1e-12)


@pytest.mark.parametrize("arrangement", ["auto", "house", "customer"])
def test_every_sample_states_its_reading(arrangement, capsys):
    for path in sorted(SAMPLES.glob("*.csv")):
        assert cli.main(["run", str(path), "--format", "json", "--quiet",
                         "--arrangement", arrangement]) == 0  # fmt: skip
        out = json.loads(capsys.readouterr().out)
        reading = out["reading"]
        assert reading["requested"] == out["arrangement"] == arrangement
        kinds = [a["pot"] for a in out["accounts"]]
        assert kinds.count("customer") == reading["customer_accounts"]
        assert kinds.count("house") == reading["house_portfolios"] <= 1
        if arrangement == "auto":  # the table states it too (one reading is enough here)
            assert cli.main(["run", str(path), "--quiet"]) == 0
            assert "auto reading: " in capsys.readouterr().out
