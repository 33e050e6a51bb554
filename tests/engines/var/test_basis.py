"""The SOFR / fed funds–Treasury basis factor of the VaR model."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from tests.conftest import SAMPLES, SHARED_HISTORY, shared_file
from xmsim.engines.var.engine import VarEngine
from xmsim.engines.var.scenarios import VarSettings
from xmsim.marketdata.basis import basis_from_series
from xmsim.marketdata.defaults import default_market, market_from_history
from xmsim.marketdata.history import load_history
from xmsim.marketdata.overnight import load_overnight
from xmsim.portfolio import FUTURE, UST, Portfolio, Position
from xmsim.pricing import risk
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import load_portfolio

MARKET = default_market()
NO_BASIS = dataclasses.replace(MARKET, basis=None)
USD_PER_BP = {"SR3": 25.0, "SR1": 41.67, "ZQ": 41.67}  # CME contract specs


def _sim(market, **var) -> Simulator:
    return Simulator(market, RunConfig(var=VarSettings(**var)))


@pytest.mark.parametrize("mode", ["full", "sensitivity"])
def test_basis_scale_zero_equals_the_curve_only_model_on_every_sample(mode):
    off, zero = _sim(NO_BASIS, mode=mode), _sim(MARKET, mode=mode, basis_vol_scale=0.0)
    for path in sorted(SAMPLES.glob("*.csv")):
        pf = load_portfolio(path, asof=MARKET.asof).portfolio
        for a, b in zip(off.arrangement(pf).accounts, zero.arrangement(pf).accounts, strict=True):
            for view in ("var", "span"):
                x, y = dataclasses.astuple(getattr(a, view)), dataclasses.astuple(getattr(b, view))
                assert x == pytest.approx(y, rel=1e-9, abs=1e-9), path.name
            assert a.total_after == pytest.approx(b.total_after, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("mode", ["full", "sensitivity"])
def test_basis_pnl_is_minus_contracts_times_usd_per_bp_times_the_basis_move(mode):
    """For contracts whose reference period has not started, P&L(basis) = −n × $/bp × Δb [bp]:
    SR3/SR1 on the SOFR basis, ZQ on the fed funds basis."""
    pf = Portfolio((
        Position(FUTURE, 10, contract="SR3", expiry=dt.date(2027, 3, 1)),
        Position(FUTURE, -4, contract="SR1", expiry=dt.date(2027, 1, 1)),
        Position(FUTURE, 7, contract="ZQ", expiry=dt.date(2026, 12, 1)),
        Position(UST, 1e6, coupon_pct=4.0, maturity=dt.date(2030, 6, 30)),
    ))  # fmt: skip
    on, off = VarEngine(MARKET, VarSettings(mode=mode)), VarEngine(NO_BASIS, VarSettings(mode=mode))
    extra = on.pnl_matrix(on.book(pf)) - off.pnl_matrix(off.book(pf))
    bp = on.scenarios.basis_shocks * 1e4
    assert np.abs(bp).max() > 5  # the synthetic basis moves
    factor = {"SR3": 0, "SR1": 0, "ZQ": 1}
    for j, p in enumerate(pf.positions[:3]):
        want = -p.quantity * USD_PER_BP[p.contract] * bp[:, factor[p.contract]]
        np.testing.assert_allclose(extra[:, j], want, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(extra[:, 3], 0.0, atol=1e-9)  # the note has no basis
    grouped = on.pnl_by_group(on.book(pf), np.array([0, 1, 1, 0]), 2)
    np.testing.assert_allclose(grouped[:, 0], on.pnl_matrix(on.book(pf))[:, [0, 3]].sum(axis=1))


def test_basis_scale_multiplies_the_basis_moves():
    base = VarEngine(MARKET).scenarios.basis_shocks
    half = VarEngine(MARKET, VarSettings(basis_vol_scale=0.5)).scenarios.basis_shocks
    np.testing.assert_allclose(half, 0.5 * base, rtol=1e-15)
    with pytest.raises(ValueError, match="basis_vol_scale"):
        VarSettings(basis_vol_scale=-1.0)


def _real_market(with_basis: bool):
    h = load_history(SHARED_HISTORY)
    series = [load_overnight(shared_file(f)) for f in ("sofr_daily_fred.csv", "dff_daily_fred.csv")]
    basis = basis_from_series(h, series) if with_basis else None
    return market_from_history(h, dt.date(2024, 12, 31), basis)


def note_vs_sr3_strip(curve) -> Portfolio:
    """$200mm of a 2-year note against a DV01-neutral strip of the next eight SR3 quarters."""
    note = Position(UST, 200e6, coupon_pct=4.25, maturity=dt.date(2026, 12, 31))
    months = [dt.date(2025 + k // 4, 3 * (k % 4) + 3, 1) for k in range(8)]
    per_strip = sum(risk.contract_dv01("SR3", m, curve) for m in months)
    n = round(risk.position_dv01(Portfolio((note,)), curve)[0] / per_strip)
    return Portfolio((note, *(Position(FUTURE, -n, contract="SR3", expiry=m) for m in months)))


def test_real_basis_raises_the_var_of_a_dv01_neutral_2y_note_vs_sr3_strip(shared_history_path):
    on, off = _real_market(True), _real_market(False)
    pf = note_vs_sr3_strip(on.curve)
    assert abs(risk.position_dv01(pf, on.curve).sum()) < 500  # DV01-neutral [USD per bp]
    with_basis = _sim(on).arrangement(pf).accounts[0].var
    without = _sim(off).arrangement(pf).accounts[0].var
    assert "SOFR and EFFR − Treasury 1M basis" in VarEngine(on).scenarios.description
    assert with_basis.combined > 3 * without.combined
    assert with_basis.ficc_leg == pytest.approx(without.ficc_leg, rel=1e-12)  # note: no basis
    assert with_basis.savings < without.savings
    zero = _sim(on, basis_vol_scale=0.0).arrangement(pf).accounts[0].var
    assert dataclasses.astuple(zero) == pytest.approx(dataclasses.astuple(without), rel=1e-9)
