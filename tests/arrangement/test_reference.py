"""The arrangement's bookkeeping equals its slow twin (tests/reference/arrangement.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import SAMPLES
from tests.reference import arrangement as ref
from xmsim.arrangement.crossmargin import (
    SAVINGS_ZERO_TOL,
    ArrangementSettings,
    LegMargins,
    account_results,
)
from xmsim.config import RunConfig
from xmsim.marketdata.defaults import default_market
from xmsim.simulate import Simulator
from xmsim.upload.loader import load_portfolio

KEYS = ("savings_ficc_model", "savings_cme_model", "applied", "ficc_requirement",
        "cme_requirement", "total_before", "total_after", "savings_usd")  # fmt: skip


def _legs(rng: np.random.Generator, n: int) -> LegMargins:
    f, c = rng.uniform(0, 5e6, n), rng.uniform(0, 5e6, n)
    f[rng.random(n) < 0.1] = 0.0  # some accounts have no FICC leg
    combined = (f + c) * rng.uniform(0.05, 1.3, n)  # some offset, some add risk
    same = rng.random(n) < 0.1
    combined[same] = (f + c)[same]  # exactly no saving
    inel_f, inel_c = rng.uniform(0, 1e5, n), rng.uniform(0, 1e5, n)
    return LegMargins(f, c, combined, inel_f, inel_c)


@pytest.mark.parametrize("basis", ["sum_of_legs", "own_leg"])
@pytest.mark.parametrize(("ficc_model", "cme_model"), [("var", "span"), ("span", "var"),
                                                       ("span", "span")])  # fmt: skip
@pytest.mark.parametrize("cap", [0.8, 0.5, 1.0])
def test_random_leg_margins_equal_the_slow_twin(basis, ficc_model, cme_model, cap):
    rng = np.random.default_rng(hash((basis, ficc_model, cap)) % 2**32)
    n = 200
    margins = {"var": _legs(rng, n), "span": _legs(rng, n)}
    settings = ArrangementSettings(cap=cap, savings_basis=basis)
    names = tuple(f"A{j}" for j in range(n))
    got = account_results(names, ("customer",) * n, margins, {}, settings, ficc_model, cme_model)
    for j, a in enumerate(got):
        legs = {k: tuple(float(getattr(m, f)[j]) for f in ("ficc_leg", "cme_leg", "combined",
                "ineligible_ficc", "ineligible_cme")) for k, m in margins.items()}  # fmt: skip
        want = ref.account(legs, cap, basis, ficc_model, cme_model, SAVINGS_ZERO_TOL)
        for key in KEYS:
            assert getattr(a, key) == pytest.approx(want[key], rel=1e-12, abs=1e-9), (j, key)


@pytest.mark.parametrize("arrangement", ["house", "customer", "auto"])
def test_every_sample_equals_the_slow_twin(arrangement):
    market = default_market()
    settings = ArrangementSettings(arrangement=arrangement)
    sim = Simulator(market, RunConfig(arrangement=settings))
    for path in sorted(SAMPLES.glob("*.csv")):
        result = sim.arrangement(load_portfolio(path, asof=market.asof).portfolio)
        for a in result.accounts:
            legs = {k: (getattr(a, k).ficc_leg, getattr(a, k).cme_leg, getattr(a, k).combined,
                        a.ineligible_margin_ficc, a.ineligible_margin_cme)
                    for k in ("var", "span")}  # fmt: skip
            want = ref.account(legs, 0.8, "sum_of_legs", "var", "span", SAVINGS_ZERO_TOL)
            for key in KEYS:
                assert getattr(a, key) == pytest.approx(want[key], rel=1e-12, abs=1e-9), (
                    path.name, a.account, key)  # fmt: skip
