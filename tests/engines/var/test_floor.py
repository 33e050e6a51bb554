"""The VaR floor and add-on are percentages of the gross position size (face for cash, repos and
reverse repos, contract notional for futures), computed here by hand from the sample files."""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pytest

from tests.conftest import SAMPLES
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.engines.var.engine import VarEngine
from xmsim.engines.var.scenarios import VarSettings
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import REPO, UST, Portfolio
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import load_portfolio

MARKET = default_market()
# contract face [USD] from the CME contract specifications (not from the code's table)
CONTRACT_FACE = {"ZN": 100_000, "ZT": 200_000, "ZF": 100_000, "ZB": 100_000, "SR3": 1_000_000}
FLOOR_PCT = 0.5


def _gross_by_hand(name: str) -> dict[str, float]:
    """Gross position size of the FICC (cash) and CME (futures) rows of a sample [USD]."""
    out = {"FICC": 0.0, "CME": 0.0}
    with open(SAMPLES / f"{name}.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            qty = abs(float(row["quantity"]))
            if row["product"] == "FUTURE":
                out["CME"] += qty * CONTRACT_FACE[row["contract"]]
            else:
                out["FICC"] += qty
    return out


def _load(name: str) -> Portfolio:
    return load_portfolio(SAMPLES / f"{name}.csv", asof=MARKET.asof).portfolio


def _sim(floor_pct: float = FLOOR_PCT) -> Simulator:
    return Simulator(MARKET, RunConfig(var=VarSettings(floor_pct=floor_pct)))


@pytest.mark.parametrize("name", ["basis_trade", "sofr_hedge_2y", "cash_only"])
def test_floor_is_the_stated_percentage_of_gross_face_and_contract_notional(name):
    gross = _gross_by_hand(name)
    pf = _load(name)
    base = _sim(0.0).arrangement(pf).accounts[0].var
    floored = _sim().arrangement(pf).accounts[0].var
    for leg, ccp in (("ficc_leg", "FICC"), ("cme_leg", "CME")):
        want = max(getattr(base, leg), FLOOR_PCT / 100 * gross[ccp])
        assert getattr(floored, leg) == pytest.approx(want, rel=1e-9, abs=1e-6)
    comb = max(base.combined, FLOOR_PCT / 100 * (gross["FICC"] + gross["CME"]))
    assert floored.combined == pytest.approx(comb, rel=1e-9)
    res = VarEngine(MARKET, VarSettings(floor_pct=FLOOR_PCT)).run(pf, attribution=False)
    assert res.gross_position_usd == pytest.approx(gross["FICC"] + gross["CME"], rel=1e-12)
    uplift = next(v for k, v in res.components.items() if k.startswith("floor uplift"))
    assert uplift == pytest.approx(max(comb - res.var_usd, 0.0), rel=1e-9, abs=1e-6)


def test_the_same_risk_as_repo_or_as_ust_or_ust_plus_repo_gets_the_same_floor():
    repo_trade = _load("basis_trade")  # REPO 100mm + short ZN
    repo = repo_trade.positions[0]
    as_ust = dataclasses.replace(repo, product=UST, end_date=None)
    half = dataclasses.replace(repo, quantity=repo.quantity / 2)
    variants = {
        "REPO": repo_trade,
        "UST": Portfolio((as_ust, repo_trade.positions[1])),
        "UST + REPO": Portfolio(
            (dataclasses.replace(as_ust, quantity=repo.quantity / 2), half, repo_trade.positions[1])
        ),
    }
    assert half.product == REPO
    gross = _gross_by_hand("basis_trade")
    floor = FLOOR_PCT / 100 * (gross["FICC"] + gross["CME"])
    engine = VarEngine(MARKET, VarSettings(floor_pct=FLOOR_PCT))
    results = {k: engine.run(pf, attribution=False) for k, pf in variants.items()}
    for res in results.values():
        assert res.gross_position_usd == pytest.approx(gross["FICC"] + gross["CME"], rel=1e-12)
        assert res.var_usd < floor  # the floor binds for a hedged book ...
        assert res.margin_usd == pytest.approx(floor, rel=1e-12)  # ... and is the same
    # the arrangement's legs too: a 2% floor binds on every FICC leg, whatever the financing
    legs = [_sim(2.0).arrangement(pf).accounts[0].var.ficc_leg for pf in variants.values()]
    assert np.allclose(legs, 0.02 * gross["FICC"], rtol=1e-12)


def test_futures_floor_uses_contract_notional_and_addon_the_same_base():
    pf = _load("futures_only")
    gross = _gross_by_hand_futures(pf)
    engine = VarEngine(MARKET, VarSettings(floor_pct=50.0, addon_pct=0.01))
    res = engine.run(pf, attribution=False)
    assert res.gross_position_usd == pytest.approx(gross, rel=1e-12)
    addon = next(v for k, v in res.components.items() if k.startswith("add-ons"))
    assert addon == pytest.approx(0.0001 * gross, rel=1e-12)
    assert res.margin_usd == pytest.approx(max(res.var_usd, 0.5 * gross) + addon, rel=1e-12)


def _gross_by_hand_futures(pf: Portfolio) -> float:
    faces = {**CONTRACT_FACE, "TN": 100_000, "UB": 100_000, "Z3N": 200_000, "TWE": 100_000,
             "ZQ": 5_000_000, "SR1": 5_000_000}  # fmt: skip
    return float(sum(abs(p.quantity) * faces[p.contract] for p in pf))


def test_floor_off_by_default_and_arrangement_unchanged_at_zero():
    assert VarSettings().floor_pct == 0.0
    pf = _load("basis_trade")
    plain = Simulator(MARKET, RunConfig(arrangement=ArrangementSettings())).arrangement(pf)
    assert _sim(0.0).arrangement(pf).accounts == plain.accounts
