"""Serial, blocked and Dask runs of the arrangement give the same per-account results (1e-9).

"Serial" is :meth:`Simulator.arrangement` (the whole book row by row, the small-book path);
"blocked" is :func:`arrangement_blocked` in this process (accounts in blocks, instruments priced
once per block); "Dask" is the same blocks on a real ``distributed.LocalCluster`` of 2 workers.
"""

from __future__ import annotations

import numpy as np
import pytest
from distributed import Client, LocalCluster

from tests.conftest import SAMPLES
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.arrangement.pots import form_pots
from xmsim.engines.var.scenarios import VarSettings
from xmsim.marketdata.defaults import default_market
from xmsim.scale.blocks import account_blocks, arrangement_blocked
from xmsim.scale.sample_book import customer_book
from xmsim.simulate import RunConfig, Simulator
from xmsim.upload.loader import load_portfolio

FRACTIONS = ("var_savings", "span_savings", "applied")


@pytest.fixture(scope="module")
def market():
    return default_market()


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
        as cluster,
        Client(cluster) as c,
    ):  # fmt: skip
        assert len(c.scheduler_info()["workers"]) == 2
        yield c


def assert_same(a, b) -> None:
    """Same accounts and ineligible rows; every number within 1e-9 of the account's size (USD
    columns: of its total before; fractions: absolute); the same reason unless a model's
    savings is within 1e-9 of 0 (no offset: combined = sum of legs up to rounding, where
    1e-16 either side of 0 decides between "do no harm" and "lower of the two")."""
    fa, fb = a.to_frame(), b.to_frame()
    assert list(fa.account) == list(fb.account) and list(fa.pot) == list(fb.pot)
    assert a.reading == b.reading
    edge = (fa[["var_savings", "span_savings"]].abs() < 1e-9).any(axis=1)
    assert list(fa.reason[~edge]) == list(fb.reason[~edge])
    assert [x.ineligible for x in a.accounts] == [x.ineligible for x in b.accounts]
    size = np.maximum(fa.total_before.to_numpy(), 1.0)
    for col in fa.columns.drop(["account", "pot", "reason"]):
        scale = 1.0 if col in FRACTIONS else size
        diff = np.abs(fa[col].to_numpy() - fb[col].to_numpy())
        assert np.all(diff <= 1e-9 * scale), (col, diff.max())
    for k, v in a.totals.items():
        assert b.totals[k] == pytest.approx(v, rel=1e-9, abs=1e-6), k


@pytest.mark.parametrize("arrangement", ["customer", "house", "auto"])
def test_every_sample_serial_blocked_and_dask_agree(market, client, arrangement):
    sim = Simulator(market, RunConfig(arrangement=ArrangementSettings(arrangement=arrangement)))
    for path in sorted(SAMPLES.glob("*.csv")):
        pf = load_portfolio(path, asof=market.asof).portfolio
        serial = sim.arrangement(pf)
        for size in (1, 4):
            assert_same(serial, arrangement_blocked(sim, pf, block_size=size))
        assert_same(serial, arrangement_blocked(sim, pf, block_size=3, client=client))


def test_generated_5000_accounts_serial_blocked_and_dask_agree(market, client):
    """5,000 accounts of 2 positions over a shared universe; a 2-year look-back without the
    stress window (about 500 scenarios) keeps the row-by-row serial run small."""
    cfg = RunConfig(
        arrangement=ArrangementSettings(arrangement="customer"),
        var=VarSettings(lookback_years=2, stress=False),
    )
    sim = Simulator(market, cfg)
    pf = customer_book(5_000, per_account=2, seed=5)
    serial = sim.arrangement(pf)
    assert len(serial.accounts) == 5_000
    assert_same(serial, arrangement_blocked(sim, pf, block_size=700))
    assert_same(serial, arrangement_blocked(sim, pf, block_size=1_000, client=client))


def test_blocks_hold_whole_accounts_in_order():
    pf = customer_book(7, per_account=3, seed=1)
    blocks = list(account_blocks(pf, form_pots(pf, "customer"), 3))
    assert [b.names for b in blocks] == [
        ("C000000", "C000001", "C000002"), ("C000003", "C000004", "C000005"), ("C000006",)
    ]  # fmt: skip
    assert sum(len(b.row) for b in blocks) == 21
    by_row = {p.row: p for p in pf}
    for b in blocks:
        assert [b.names[i] for i in b.account] == [by_row[r].account for r in b.row]
        assert list(b.quantity) == [by_row[r].quantity for r in b.row]
    assert [r for b in blocks for r in b.row] == [p.row for p in pf]  # book order kept
    (house,) = account_blocks(pf, form_pots(pf, "house"), 3)
    assert house.names == ("ALL ACCOUNTS (house)",) and len(house.row) == 21
    with pytest.raises(ValueError, match="at least 1"):
        next(account_blocks(pf, form_pots(pf, "customer"), 0))


def test_streaming_without_keeping_accounts(market):
    sim = Simulator(market, RunConfig(arrangement=ArrangementSettings(arrangement="customer")))
    pf = load_portfolio(SAMPLES / "customer_book.csv", asof=market.asof).portfolio
    seen = []
    out = arrangement_blocked(sim, pf, block_size=5, on_block=seen.append, keep=False)
    assert out.accounts == () and [len(s) for s in seen] == [5, 5, 5, 5, 4]
    assert [a.account for s in seen for a in s] == list(pf.accounts)


def test_a_cash_map_applies_in_blocks_as_in_one_piece(market, client):
    """The blocked SPAN book carries each cash row's CUSIP and face, so a user cash_map (CME's
    type-9 records) maps the same positions as the one-piece run."""
    import dataclasses
    import datetime as dt

    from xmsim.engines.span.params import CashMapping
    from xmsim.engines.span.params_io import default_span_params
    from xmsim.portfolio import FUTURE, UST, Portfolio, Position

    mapping = CashMapping("91282CKZ3", "ZN", dt.date(2026, 12, 1), 0.85)
    params = dataclasses.replace(default_span_params(), cash_map=(mapping,))
    cfg = RunConfig(arrangement=ArrangementSettings(arrangement="customer"), span_params=params)
    sim = Simulator(market, cfg)
    pf = Portfolio.of(
        p
        for i in range(12)
        for p in (
            Position(UST, 1e6 * (i + 5), f"C{i:02d}", 4.0, dt.date(2036, 7, 31),
                     cusip="91282CKZ3" if i % 3 else None),
            Position(FUTURE, -(i + 4) * 8.0, f"C{i:02d}", contract="ZN",
                     expiry=dt.date(2026, 12, 1)),
        )
    )  # fmt: skip
    serial = sim.arrangement(pf)
    unmapped = Simulator(market, dataclasses.replace(cfg, span_params=default_span_params()))
    assert serial.to_frame().span_combined.tolist() != unmapped.arrangement(pf).to_frame(
    ).span_combined.tolist()  # the map changes SPAN's view  # fmt: skip
    assert_same(serial, arrangement_blocked(sim, pf, block_size=5))
    assert_same(serial, arrangement_blocked(sim, pf, block_size=5, client=client))
