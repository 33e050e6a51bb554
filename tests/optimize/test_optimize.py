"""Best hedge and allocation: against brute force with the real engines, invariants, the CLI.

Independent numbers: every brute force below margins each candidate portfolio with
``Simulator.arrangement`` (customer arrangement, one account per candidate: the engines'
own batch path, nothing of :mod:`xmsim.optimize` involved).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json

import numpy as np
import pytest

from tests.conftest import SAMPLES
from xmsim import contracts
from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.cli import main as cli_main
from xmsim.engines.span.margin import span_margin_batch
from xmsim.engines.var.scenarios import VarSettings
from xmsim.marketdata.defaults import default_market
from xmsim.optimize import (
    _Batch,
    _columns,
    _compress_span,
    _surrogate,
    best_allocation,
    best_hedge,
)
from xmsim.portfolio import FUTURE, REPO, REVERSE_REPO, TIPS, UST, Portfolio, Position
from xmsim.pricing.risk import position_risk
from xmsim.simulate import RunConfig, Simulator, dv01_neutral_hedge
from xmsim.upload.loader import load_portfolio

MARKET = default_market()
ASOF = MARKET.asof
SEP, DEC, MAR = dt.date(2026, 9, 1), dt.date(2026, 12, 1), dt.date(2027, 3, 1)


def _fut(code, qty, expiry=DEC, account="HOUSE") -> Position:
    return Position(FUTURE, float(qty), account=account, contract=code, expiry=expiry)


def _ust(face, cpn, mat, account="HOUSE") -> Position:
    return Position(UST, float(face), account=account, coupon_pct=cpn, maturity=mat)


NOTE = Portfolio((_ust(100e6, 4.5, dt.date(2033, 5, 15)),))
"""A long $100mm 10-year note."""
STEEPENER = Portfolio((_ust(200e6, 3.875, dt.date(2028, 7, 31)), _fut("ZN", -600)))
"""Long 2-year notes against short ZN, about DV01-neutral: a 2s10s steepener."""
MIXED = Portfolio(
    (
        _ust(60e6, 4.25, dt.date(2034, 11, 15)),
        _ust(-20e6, 4.0, dt.date(2034, 2, 15)),
        _ust(15e6, 4.0, dt.date(2034, 2, 15)),
        _ust(30e6, 3.875, dt.date(2028, 7, 31)),
        Position(
            REPO, 25e6, coupon_pct=4.0, maturity=dt.date(2031, 7, 31), end_date=dt.date(2026, 9, 30)
        ),
        Position(
            REVERSE_REPO,
            10e6,
            coupon_pct=4.625,
            maturity=dt.date(2055, 2, 15),
            end_date=dt.date(2026, 8, 31),
        ),
        Position(TIPS, 5e6, coupon_pct=2.125, maturity=dt.date(2035, 1, 15)),
        _fut("ZN", -150, SEP),
        _fut("ZN", 40, DEC),
        _fut("ZN", -30, MAR),
        _fut("ZT", 80, DEC),
        _fut("ZB", -25, DEC),
        _fut("SR3", -60, dt.date(2027, 3, 1)),
        _fut("ZQ", 30, dt.date(2026, 7, 1)),
    )
)
"""Cash at several maturities (same bucket long and short), repos, an ineligible TIPS, several
expiries of one contract, rate futures and a spot-month ZQ: every SPAN netting rule in play."""


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(MARKET)


def _customer(sim: Simulator) -> Simulator:
    arr = dataclasses.replace(sim.config.arrangement, arrangement="customer")
    return Simulator(sim.market, dataclasses.replace(sim.config, arrangement=arr))


def brute_force(sim: Simulator, base: Portfolio, trades: list[tuple[Position, ...]]) -> np.ndarray:
    """total_after of ``base + trades[k]`` for every k with the engines' own batch path."""
    positions = [
        dataclasses.replace(p, account=f"k{k}")
        for k, extra in enumerate(trades)
        for p in (*base, *extra)
    ]
    result = _customer(sim).arrangement(Portfolio(tuple(positions)))
    assert [a.account for a in result.accounts] == [f"k{k}" for k in range(len(trades))]
    return np.array([a.total_after for a in result.accounts])


def _single(code: str, q: float, expiry: dt.date | None = None) -> tuple[Position, ...]:
    expiry = expiry or contracts.front_month(code, ASOF)
    return (_fut(code, q, expiry),) if q else ()


# ------------------------------------------------------------------ the batch evaluator is exact


CONFIGS = {
    "default": RunConfig(),
    "customer": RunConfig(arrangement=ArrangementSettings(arrangement="customer")),
    "own_leg_cap90": RunConfig(arrangement=ArrangementSettings(cap=0.9, savings_basis="own_leg")),
    "sensitivity_floor_addon": RunConfig(
        var=VarSettings(mode="sensitivity", floor_pct=1.0, addon_pct=0.05)
    ),
    "models_swapped": RunConfig(ficc_model="span", cme_model="var"),
}


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("book", ["note", "mixed"])
def test_batch_totals_equal_simulator_arrangement(sim, config, book):
    s = Simulator(MARKET, CONFIGS[config])
    base = NOTE if book == "note" else MIXED
    cols = _columns(("ZT", "ZN", "ZB", "ZQ"), ASOF, "HOUSE")  # ZQ front month = spot month
    qty = np.array(
        [
            [0, 0, 0, 0],
            [0, -967, 0, 0],
            [-300, -700, 40, 0],
            [150, -30, 0, -200],
            [-2000, 0, 0, 5],
            [7, 7, -7, 7],
        ],
        dtype=float,
    )
    fast = _Batch(s, base, cols).totals(qty)
    for q, got in zip(qty, fast, strict=True):
        trades = tuple(dataclasses.replace(c, quantity=x) for c, x in zip(cols, q, strict=True))
        want = s.arrangement(base + Portfolio(tuple(t for t in trades if t.quantity))).totals
        assert got == pytest.approx(want["total_after"], rel=1e-9, abs=1e-6)


def test_batch_outside_span_equals_span_model(sim):
    cols = [p for p in MIXED if p.is_future]
    base = Portfolio(tuple(p for p in MIXED if not p.is_future))
    held = np.array([p.quantity for p in cols])
    inside = np.array([held, 0 * held, np.where(held > 0, held, 0), np.trunc(held / 3)])
    fast = _Batch(sim, base, cols).totals(inside, held - inside)
    for x, got in zip(inside, fast, strict=True):
        xm = base + Portfolio(
            tuple(dataclasses.replace(c, quantity=v) for c, v in zip(cols, x, strict=True) if v)
        )
        out = Portfolio(
            tuple(
                dataclasses.replace(c, quantity=q - v)
                for c, q, v in zip(cols, held, x, strict=True)
                if q != v
            )
        )
        span_out = sim.span_model.detail(out, sim.book(out)).margin_usd if len(out) else 0.0
        assert got == pytest.approx(sim.arrangement(xm).totals["total_after"] + span_out, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_compressed_span_book_has_the_same_margin(sim, seed):
    rng = np.random.default_rng(seed)
    codes = ["ZT", "ZF", "ZN", "ZB", "UB", "SR3"]
    pos = []
    for _ in range(40):
        if rng.random() < 0.5:
            years = rng.uniform(1.1, 29)
            mat = ASOF + dt.timedelta(days=int(years * 365.25))
            pos.append(_ust(rng.choice([-1, 1]) * rng.integers(1, 50) * 1e6, 4.0, mat))
        else:
            code = codes[rng.integers(len(codes))]
            pos.append(_fut(code, rng.integers(-300, 300), [SEP, DEC, MAR][rng.integers(3)]))
    pf = Portfolio(tuple(pos))
    dv01 = position_risk(sim.book(pf), MARKET.curve).dv01_usd
    book = sim.span_model.book(pf, dv01)
    keep = {("ZN", SEP.toordinal()), ("ZT", DEC.toordinal())}
    small = _compress_span(book, sim.span_model.params, keep)
    assert small.n_positions < book.n_positions
    params = sim.span_model.params
    want = span_margin_batch(book, params).margin_usd[0]
    assert span_margin_batch(small, params).margin_usd[0] == pytest.approx(want, rel=1e-12)


def test_surrogate_equals_brute_force_of_its_objective():
    rng = np.random.default_rng(3)
    shocks = rng.normal(0, 8, (500, 13))
    k = rng.normal(0, 30, (13, 2))
    k0 = -(k @ np.array([37.0, -12.0])) + rng.normal(0, 5, 13)
    lo, hi = np.array([-60.0, -60.0]), np.array([60.0, 60.0])
    got = _surrogate(k0, k, shocks, lo, hi, None)
    lam, vec = np.linalg.eigh(shocks.T @ shocks / 500)
    a = (vec * np.sqrt(np.clip(lam, 0, None))).T

    def objective(q):
        return np.abs(a @ (k0 + k @ q)).sum()

    best = min(objective(np.array(q, float)) for q in itertools.product(range(-60, 61), repeat=2))
    assert objective(got) == pytest.approx(best, rel=1e-7)
    budget = _surrogate(k0, k, shocks, lo, hi, 20.0)
    assert np.abs(budget).sum() <= 20


# ------------------------------------------------------------------ best hedge


def test_note_hedge_not_worse_than_input_naive_or_brute_force(sim):
    res = best_hedge(NOTE, sim, contracts=(("ZN", SEP),))
    grid = np.arange(-1300, -499)
    brute = brute_force(sim, NOTE, [_single("ZN", q) for q in grid])
    assert res.margin_after_usd <= res.margin_before_usd
    assert res.margin_after_usd <= res.naive_margin_usd
    assert res.margin_after_usd <= brute.min() + 0.01
    assert res.quantities == (float(grid[np.argmin(brute)]),)
    # every listed month (Sep-26, Dec-26, Mar-27): never worse than the best of one month
    every = best_hedge(NOTE, sim, contracts=("ZN",))
    assert every.expiries == (SEP, DEC, MAR)
    for month in (DEC, MAR):
        one = brute_force(sim, NOTE, [_single("ZN", q, month) for q in grid[::5]])
        assert every.margin_after_usd <= one.min() + 0.01
    assert every.margin_after_usd <= brute.min() + 0.01
    # the reported numbers are the simulator's on the materialised portfolio
    after = sim.arrangement(res.apply(NOTE)).totals["total_after"]
    assert res.margin_after_usd == after


@pytest.mark.slow
def test_steepener_two_contracts_beat_every_single_contract_hedge(sim):
    res = best_hedge(STEEPENER, sim, contracts=("ZT", "ZN"))
    assert res.margin_after_usd <= min(res.margin_before_usd, res.naive_margin_usd)
    for code, grid in (("ZT", np.arange(-1600, 401)), ("ZN", np.arange(-400, 1001))):
        brute = brute_force(sim, STEEPENER, [_single(code, q) for q in grid])
        assert res.margin_after_usd <= brute.min() + 0.01, code


def test_budget_binding_hedge_beats_every_two_contract_hedge_within_it(sim):
    res = best_hedge(STEEPENER, sim, contracts=("ZT", "ZN"), max_contracts=20)
    grid = [(a, b) for a in range(-20, 21) for b in range(-20, 21) if abs(a) + abs(b) <= 20]
    trades = [_single("ZT", a) + _single("ZN", b) for a, b in grid]
    brute = brute_force(sim, STEEPENER, trades)
    assert sum(abs(q) for q in res.quantities) <= 20
    assert res.margin_after_usd <= brute.min() + 0.01


def _basis_trade() -> tuple[Portfolio, float]:
    """The basis-trade sample and its ZN position."""
    pf = load_portfolio(SAMPLES / "basis_trade.csv", asof=ASOF).portfolio
    held = sum(p.quantity for p in pf if p.is_future and p.contract == "ZN")
    return pf, held


def test_basis_trade_hedge_against_dv01_neutral(sim):
    """Total ZN position after the hedge vs the DV01-neutral total.

    With the cap lifted the margin follows the combined risk and the optimum is within a few
    contracts of DV01-neutral. At the 80% cap the total is 20% of the standalone margins, so
    each contract dropped saves 20% of its SPAN margin until the lower savings percentage
    falls to the cap: the optimum sits on that boundary, under-hedged.
    """
    pf, held = _basis_trade()
    naive = dv01_neutral_hedge(sim.run(pf, details=False), "ZN", DEC).quantity
    neutral_total = held + naive

    uncapped = Simulator(MARKET, RunConfig(arrangement=ArrangementSettings(cap=1.0)))
    free = best_hedge(pf, uncapped, contracts=(("ZN", DEC),))
    assert free.margin_after_usd <= free.naive_margin_usd
    assert abs(held + free.quantities[0] - neutral_total) <= 3  # 0.3% of the position

    res = best_hedge(pf, sim, contracts=(("ZN", DEC),))
    opt_total = held + res.quantities[0]
    assert res.margin_after_usd <= min(res.margin_before_usd, res.naive_margin_usd)
    assert abs(opt_total) < abs(neutral_total)  # fewer contracts short than DV01-neutral
    assert res.after.accounts[0].applied == pytest.approx(0.8)
    one_less = res.apply(pf) + Portfolio((_fut("ZN", 1, DEC),))
    fewer = sim.arrangement(one_less).accounts[0]
    assert fewer.applied < 0.8 and fewer.total_after > res.margin_after_usd


def test_a_selected_contract_is_never_outside_the_search(sim):
    # the case: the book holds ZN Dec-26, so the DV01-neutral hedge trades Dec-26; a
    # front-month-only search called it "not admissible" while ZN was selected
    book = NOTE + Portfolio((_fut("ZN", -300, DEC),))
    res = best_hedge(book, sim, contracts=("ZN",))
    assert res.naive_trade.expiry == DEC and res.naive_trade.quantity != 0
    assert res.naive_admissible and res.naive_outside == ""
    assert not any("outside the search" in n for n in res.notes)
    assert res.margin_after_usd <= res.naive_margin_usd  # so never "better by -$X"
    word, usd = res.versus_naive()
    assert word in ("lower", "equal") and usd == abs(round(res.saving_vs_naive_usd))
    assert res.searched() == "ZN Sep-26, Dec-26, Mar-27"
    # a contract not chosen is named as such, not as "not admissible"
    other = best_hedge(book, sim, contracts=("ZF",), naive_contract="ZN")
    assert other.naive_outside == "ZN is not among the hedge contracts"
    assert best_hedge(book, sim, contracts=("ZF",)).naive_trade.contract == "ZF"  # default


def test_limits_and_budget_are_respected(sim):
    res = best_hedge(NOTE, sim, contracts=("ZF", "ZN"), limits={"ZN": 300}, naive_contract="ZN")
    zn = [abs(q) for c, q in zip(res.contracts, res.quantities, strict=True) if c == "ZN"]
    assert len(zn) == 3 and max(zn) <= 300
    assert res.margin_after_usd <= res.margin_before_usd
    assert not res.naive_admissible  # naive needs -967 ZN
    assert res.naive_outside == "967 contracts is more than the ZN limit of 300"
    assert any("outside the search (967 contracts is more than" in n for n in res.notes)
    capped = best_hedge(NOTE, sim, contracts=("ZF", "ZN"), max_contracts=250)
    assert sum(abs(q) for q in capped.quantities) <= 250
    brute = brute_force(sim, NOTE, [_single("ZN", q) for q in range(-250, 1)])
    assert capped.margin_after_usd <= brute.min() + 0.01
    with pytest.raises(ValueError, match="not among the hedge contracts"):
        best_hedge(NOTE, sim, contracts=("ZN",), limits={"ZB": 10})


def test_customer_arrangement_hedges_one_account(sim):
    pf = Portfolio(
        (*(dataclasses.replace(p, account="A") for p in NOTE), _fut("ZN", -500, DEC, account="B"))
    )
    cust = _customer(sim)
    with pytest.raises(ValueError, match="name the account"):
        best_hedge(pf, cust)
    res = best_hedge(pf, cust, account="A")
    alone = best_hedge(pf.for_account("A"), cust)
    assert res.quantities == alone.quantities
    assert all(t.account == "A" for t in res.trades)
    b_total = cust.arrangement(pf.for_account("B")).totals["total_after"]
    assert res.margin_after_usd == pytest.approx(alone.margin_after_usd + b_total, rel=1e-12)


def test_results_identical_across_runs():
    one = best_hedge(STEEPENER, Simulator(MARKET), contracts=("ZT", "ZN"), max_contracts=2000)
    two = best_hedge(STEEPENER, Simulator(MARKET), contracts=("ZT", "ZN"), max_contracts=2000)
    assert one.to_dict() == two.to_dict()
    assert one.to_frame().equals(two.to_frame())
    a1 = best_allocation(MIXED, Simulator(MARKET), partial=True)
    a2 = best_allocation(MIXED, Simulator(MARKET), partial=True)
    assert a1.to_dict() == a2.to_dict()


def test_hedge_result_frames(sim):
    res = best_hedge(NOTE, sim, contracts=("ZF", "ZN"))
    frame = res.to_frame()
    assert list(frame["case"]) == ["as is", "DV01-neutral", "optimal"]
    row = frame.iloc[2]
    assert row["total_requirement_usd"] == pytest.approx(
        row["ficc_requirement_usd"] + row["cme_requirement_usd"] + row["ineligible_margin_usd"]
    )
    assert row["applied"] == min(row["savings_ficc_model"], row["savings_cme_model"], 0.8)
    assert json.loads(json.dumps(res.to_dict(), default=str))["account"] == "HOUSE"
    traded = res.trades_frame()
    assert list(traded.columns) == ["contract", "expiry", "contracts_to_add"]
    assert len(traded) == len(res.trades) and (traded["contracts_to_add"] != 0).all()
    assert set(traded["contract"]) <= {"ZF", "ZN"}


# ------------------------------------------------------------------ allocation


def test_cash_only_allocation_is_trivial(sim):
    cash = Portfolio(tuple(p for p in MIXED if not p.is_future))
    res = best_allocation(cash, sim)
    assert res.trivial and "nothing to allocate" in res.message
    total = sim.arrangement(cash).totals["total_after"]
    assert res.total_usd == res.everything_in_usd == res.nothing_in_usd == total
    assert res.to_frame().empty
    assert res.to_dict()["trivial"] is True


def _alloc_totals(sim: Simulator, pf: Portfolio, idx: list[int], splits: list) -> np.ndarray:
    """Brute force: for each split (contracts in the cross-margin account per position of
    ``idx``), the arrangement of the rest + those contracts, plus the SPAN margin of the
    contracts left outside as their own portfolio."""
    rest = Portfolio(tuple(p for i, p in enumerate(pf) if i not in idx))
    held = [pf.positions[i] for i in idx]
    inside = [
        tuple(dataclasses.replace(p, quantity=x) for p, x in zip(held, s, strict=True) if x)
        for s in splits
    ]
    totals = brute_force(sim, rest, inside)
    for k, s in enumerate(splits):
        out = Portfolio(
            tuple(
                dataclasses.replace(p, quantity=p.quantity - x)
                for p, x in zip(held, s, strict=True)
                if p.quantity != x
            )
        )
        totals[k] += sim.span_model.detail(out, sim.book(out)).margin_usd if len(out) else 0.0
    return totals


HEDGED_PLUS_ZT = Portfolio(
    (*NOTE, _fut("ZN", -900, SEP), _fut("SR3", 2000, DEC), _fut("ZB", -60, DEC))
)
"""A hedged 7y note plus SOFR futures on the same side that drag the applied percentage down
(SPAN gives SR3 credit only against ZT, which the book does not hold)."""


def test_allocation_beats_every_whole_position_split(sim):
    res = best_allocation(HEDGED_PLUS_ZT, sim)
    idx = [1, 2, 3]
    held = [HEDGED_PLUS_ZT.positions[i].quantity for i in idx]
    splits = [
        tuple(q * b for q, b in zip(held, bits, strict=True))
        for bits in itertools.product((0, 1), repeat=3)
    ]
    brute = _alloc_totals(sim, HEDGED_PLUS_ZT, idx, splits)
    assert res.total_usd <= brute.min() + 0.01
    assert res.total_usd < min(res.everything_in_usd, res.nothing_in_usd)  # not a corner
    assert res.in_xm == splits[int(np.argmin(brute))]
    assert res.total_usd == pytest.approx(brute[splits.index(res.in_xm)], rel=1e-12)


def test_partial_allocation_beats_a_grid_of_splits(sim):
    pf = Portfolio(HEDGED_PLUS_ZT.positions[:3])
    whole = best_allocation(pf, sim)
    part = best_allocation(pf, sim, partial=True)
    splits = [(-900.0, float(x)) for x in range(0, 2001, 10)]
    brute = _alloc_totals(sim, pf, [1, 2], splits)
    assert part.total_usd <= min(whole.total_usd, brute.min()) + 0.01
    assert 0 < part.in_xm[1] < 2000  # the SOFR futures are split
    assert all(
        abs(x) <= abs(p.quantity) and x * p.quantity >= 0
        for p, x in zip(part.positions, part.in_xm, strict=True)
    )


# ------------------------------------------------------------------ slow: the samples


@pytest.mark.slow
def test_dealer_book_three_contract_hedge(sim):
    pf = load_portfolio(SAMPLES / "dealer_book.csv", asof=ASOF).portfolio
    res = best_hedge(pf, sim, contracts=("ZT", "ZF", "ZN"))
    assert res.margin_after_usd <= min(res.margin_before_usd, res.naive_margin_usd)
    assert not any("differs" in n for n in res.notes)  # batch agreed with the simulator
    alloc = best_allocation(pf, sim)
    assert alloc.total_usd <= min(alloc.everything_in_usd, alloc.nothing_in_usd)


# ------------------------------------------------------------------ command line


def _write(tmp_path, pf: Portfolio):
    from xmsim.upload.loader import portfolio_to_frame

    path = tmp_path / "book.csv"
    portfolio_to_frame(pf).to_csv(path, index=False)
    return str(path)


def test_cli_hedge_json_and_table(tmp_path, capsys):
    path = _write(tmp_path, NOTE)
    assert (
        cli_main(
            [
                "optimize",
                path,
                "--hedge",
                "--contracts",
                "ZF,TY",
                "--limit",
                "ZN=900",
                "--format",
                "json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert {t["contract"] for t in doc["trades"]} <= {"ZF", "ZN"} and doc["trades"]
    assert doc["margin_after_usd"] <= doc["margin_before_usd"]
    assert cli_main(["optimize", path, "--hedge"]) == 0
    out = capsys.readouterr().out
    assert "trades to add" in out and "DV01-neutral" in out


def test_cli_allocate_cash_only_and_errors(tmp_path, capsys):
    path = _write(tmp_path, NOTE)
    assert cli_main(["optimize", path, "--allocate"]) == 0
    assert "nothing to allocate" in capsys.readouterr().out
    assert cli_main(["optimize", path, "--hedge", "--limit", "ZN500"]) == 2
    assert "CODE=N" in capsys.readouterr().err
    assert cli_main(["optimize", path, "--hedge", "--contracts", "XX"]) == 2
    with pytest.raises(SystemExit):
        cli_main(["optimize", path])  # --hedge or --allocate is required


def test_cli_naive_defaults_to_the_first_contract_and_reads_one_way(tmp_path, capsys):
    path = _write(tmp_path, NOTE)
    args = ["optimize", path, "--hedge", "--contracts", "ZF", "--format", "json"]
    assert cli_main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["naive"]["contract"] == "ZF"  # not ZN: the comparison is a candidate
    assert doc["saving_vs_naive_usd"] >= 0
    assert not any("outside the search" in n for n in doc["notes"])
    assert cli_main(["optimize", path, "--hedge", "--contracts", "ZF", "--naive", "ZN"]) == 0
    out = capsys.readouterr().out
    assert "ZF Sep-26, Dec-26, Mar-27" in out
    assert "than the DV01-neutral hedge" in out or "same total as the DV01-neutral" in out
    assert "vs DV01-neutral -" not in out
