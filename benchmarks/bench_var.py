"""Timing and accuracy of the VaR engine, full revaluation vs sensitivities (prints only).

1,000 positions (the first 1,000 rows of sample_portfolios/dealer_book.csv) x a 10-year
look-back of 3-day scenarios (~2,500) on default_market(). Targets: full revaluation < 0.5 s,
sensitivity mode < 50 ms per portfolio. "first call" = a fresh engine (scenario DFs not yet
cached), "warm" = best of N further calls on the same engine. Then the relative error of the
sensitivity margin against full revaluation on the dealer sample and every sample portfolio,
and the same on the real 1990-2024 Treasury history as of 2024-12-31 when that file exists.

Run: ``python benchmarks/bench_var.py [--positions N] [--history PATH]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from _util import ROOT, best_of, fmt_s, once, target

from xmsim.engines.var.engine import VarEngine, loss_quantile
from xmsim.engines.var.scenarios import VarSettings
from xmsim.market import Market
from xmsim.marketdata.defaults import default_market
from xmsim.portfolio import Portfolio
from xmsim.upload.loader import load_portfolio

SAMPLES = ROOT / "sample_portfolios"
HISTORY = ROOT.parent / "shared" / "data" / "ust_par_yield_curve_1990_2024.csv"


def load(path: Path, asof: dt.date, n: int | None = None) -> Portfolio:
    """The file's valid positions (first ``n``). The samples are written for 2026-07-31; for an
    earlier as-of, bonds more than 30 years past it (new 30-year issues) are dropped because
    the pricer stops at 30 years."""
    res = load_portfolio(path, asof=asof)
    horizon = asof.replace(year=asof.year + 30)
    keep = [p for p in res.portfolio.positions if p.maturity is None or p.maturity <= horizon]
    dropped = len(res.portfolio) - len(keep)
    if res.errors or dropped:
        print(f"  note: {path.name} as of {asof}: {len(res.errors)} rows rejected, {dropped} "
              "bonds beyond 30 years dropped")  # fmt: skip
    return Portfolio(tuple(keep[:n]))


def time_engine(market: Market, mode: str, pf: Portfolio) -> None:
    """First-call and warm timings of one mode, with the per-portfolio steps split out."""
    t_init, eng = once(lambda: VarEngine(market, VarSettings(mode=mode)))
    t_first, _ = once(lambda: eng.margin(pf))
    t_warm, _ = best_of(lambda: eng.margin(pf), 7)
    t_run, _ = best_of(lambda: eng.run(pf), 3)
    limit = 0.5 if mode == "full" else 0.05
    print(f"{mode} mode, {len(pf):,} positions x {eng.scenarios.n_scenarios:,} scenarios:")
    print(f"  engine init (scenario set)         {fmt_s(t_init)}")
    print(f"  margin(), first call on the engine {fmt_s(t_first)}")
    print(f"  margin(), warm                     {fmt_s(t_warm)} {target(t_warm, limit)}")
    print(f"  run() with component + incremental VaR, warm {fmt_s(t_run)}")
    t_book, book = best_of(lambda: eng.book(pf), 5)
    t_pnl, pnl = best_of(lambda: eng.pnl_matrix(book), 5)
    t_q, _ = best_of(lambda: loss_quantile(-pnl.sum(axis=1)[:, None], 0.99), 5)
    steps = f"build_book {t_book * 1e3:.1f} ms, pnl_matrix {t_pnl * 1e3:.1f} ms"
    if mode == "full":
        t_df, _ = best_of(lambda: VarEngine(market).scenario_df, 3)
        steps += f", quantile {t_q * 1e3:.2f} ms; scenario DFs (once per engine) "
        steps += f"{t_df * 1e3:.1f} ms"
    else:
        steps += f", quantile {t_q * 1e3:.2f} ms"
    print(f"  per-portfolio steps (warm): {steps}")
    print(f"  {len(pf) * eng.scenarios.n_scenarios / t_pnl:,.0f} position-scenarios/s (P&L)")


def compare(market: Market, named: list[tuple[str, Portfolio]]) -> None:
    """Relative error of the sensitivity margin against full revaluation."""
    full = VarEngine(market, VarSettings(mode="full"))
    sens = VarEngine(market, VarSettings(mode="sensitivity"))
    head = f"  {'portfolio':<22}{'positions':>10}{'full USD':>16}{'sensitivity USD':>18}"
    print(f"{head}{'rel err':>10}")
    for name, pf in named:
        m_full, m_sens = full.margin(pf), sens.margin(pf)
        rel = (m_sens - m_full) / m_full if m_full else float("nan")
        print(f"  {name:<22}{len(pf):>10,}{m_full:>16,.0f}{m_sens:>18,.0f}{rel:>+10.2e}")


def sample_set(asof: dt.date, dealer: Portfolio) -> list[tuple[str, Portfolio]]:
    named = [("dealer_book[:1000]", dealer)]
    for path in sorted(SAMPLES.glob("*.csv")):
        named.append((path.stem, load(path, asof)))
    return named


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--positions", type=int, default=1_000)
    ap.add_argument("--history", type=Path, default=HISTORY)
    args = ap.parse_args()

    market = default_market()
    dealer = load(SAMPLES / "dealer_book.csv", market.asof, args.positions)
    print(f"default market, as of {market.asof}: {market.history.source}")
    time_engine(market, "full", dealer)
    time_engine(market, "sensitivity", dealer)
    print("sensitivity vs full revaluation margin (default market):")
    compare(market, sample_set(market.asof, dealer))

    if not args.history.exists():
        print(f"real history not found at {args.history}: skipped")
        return
    from xmsim.marketdata.defaults import market_from_history
    from xmsim.marketdata.history import load_history

    asof = dt.date(2024, 12, 31)
    t_load, hist = once(lambda: load_history(args.history))
    real = market_from_history(hist, asof)
    print(f"\nreal history {hist.start} to {hist.end} loaded in {t_load:.2f} s; as of {asof}")
    dealer_real = load(SAMPLES / "dealer_book.csv", asof, args.positions)
    time_engine(real, "full", dealer_real)
    time_engine(real, "sensitivity", dealer_real)
    print(f"sensitivity vs full revaluation margin (real history, as of {asof}):")
    compare(real, sample_set(asof, dealer_real))
    worst = VarEngine(real).run(dealer_real, attribution=False).worst(3)
    print("  worst 3 scenarios of the dealer sample (full):")
    print("  " + worst.to_string(index=False).replace("\n", "\n  "))


if __name__ == "__main__":
    main()
