"""Timing of the SPAN engine (prints, no assertions).

Targets: one portfolio of 10,000 futures and cash positions < 50 ms; 5,000 portfolios x 10
positions through the batch path < 2 s.  Run: ``python benchmarks/bench_span.py``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from xmsim.engines.span.margin import SpanBook, span_book, span_margin, span_margin_batch
from xmsim.engines.span.params_io import default_span_params
from xmsim.portfolio import FUTURE, UST, Portfolio, Position

ASOF = dt.date(2026, 7, 31)
CONTRACT_DV01 = {
    "ZT": 40.0,
    "Z3N": 44.0,
    "ZF": 48.0,
    "ZN": 78.0,
    "TN": 100.0,
    "TWE": 140.0,
    "ZB": 150.0,
    "UB": 260.0,
}
FUTURES = np.array([*CONTRACT_DV01, "SR3", "SR1", "ZQ"])
EXPIRIES = np.array(
    [dt.date(2026, m, 1).toordinal() for m in (9, 12)]
    + [dt.date(2027, m, 1).toordinal() for m in (3, 6)]
)


def random_book(n_positions: int, n_accounts: int, seed: int = 0) -> SpanBook:
    """Random futures (70%) and cash (30%) positions spread over ``n_accounts`` accounts."""
    rng = np.random.default_rng(seed)
    cash = rng.random(n_positions) < 0.3
    code = np.where(cash, "", rng.choice(FUTURES, n_positions))
    years = rng.uniform(1.1, 30.0, n_positions)
    return SpanBook(
        asof=ASOF,
        code=code,
        quantity=np.where(cash, 0.0, rng.integers(-50, 51, n_positions)),
        dv01_usd=np.where(cash, rng.normal(0.0, 2000.0, n_positions), 0.0),
        years_to_maturity=np.where(cash, years, np.nan),
        sub_key=np.where(
            cash,
            (ASOF.toordinal() + years * 365.25).astype(np.int64),
            rng.choice(EXPIRIES, n_positions),
        ),
        spot=np.zeros(n_positions, bool),
        account=np.repeat(np.arange(n_accounts), -(-n_positions // n_accounts))[:n_positions],
        accounts=tuple(f"C{i}" for i in range(n_accounts)),
        contract_dv01=tuple(CONTRACT_DV01.items()),
        labels=(),
    )


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    params = default_span_params()
    one = random_book(10_000, 1, seed=1)
    span_margin(one, params)  # warm the compiled-parameter cache
    t_one = best_of(lambda: span_margin(one, params), 20)
    print(
        f"one portfolio, 10,000 positions: {t_one * 1e3:7.2f} ms (target < 50 ms), "
        f"{10_000 / t_one:,.0f} positions/s"
    )

    many = random_book(50_000, 5_000, seed=2)
    span_margin_batch(many, params)
    t_many = best_of(lambda: span_margin_batch(many, params), 5)
    print(
        f"5,000 portfolios x 10 positions: {t_many * 1e3:7.2f} ms (target < 2 s), "
        f"{5_000 / t_many:,.0f} portfolios/s"
    )
    rng = np.random.default_rng(4)
    positions = [
        Position(UST, 1e6, coupon_pct=4.0, maturity=dt.date(2027 + i % 29, 5, 15))
        if i % 3 == 0
        else Position(
            FUTURE,
            int(rng.integers(-50, 51)),
            contract=str(rng.choice(FUTURES)),
            expiry=dt.date(2026, 12, 1),
        )
        for i in range(10_000)
    ]
    pf, dv01 = Portfolio.of(positions), rng.normal(0.0, 2000.0, 10_000)
    t_adapt = best_of(lambda: span_book(pf, dv01, CONTRACT_DV01, ASOF), 3)
    print(f"span_book adapter, 10,000 Position objects -> arrays: {t_adapt * 1e3:7.2f} ms")
    small = random_book(10, 1, seed=3)
    t_small = best_of(lambda: span_margin(small, params), 200)
    print(
        f"one 10-position portfolio via span_margin: {t_small * 1e3:.2f} ms "
        f"(loop of 5,000 would take ~{5_000 * t_small:.1f} s; batch speed-up "
        f"{5_000 * t_small / t_many:.0f}x)"
    )


if __name__ == "__main__":
    main()
