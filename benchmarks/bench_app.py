"""The app's rerun time for a 200-position portfolio (prints only; nothing asserts).

1. AppTest (the real script, headless) on the Results page: the first run (cold: market,
   engines, both models, charts), then unchanged reruns, which must come from the caches
   (target < 1 s).
2. The What-if page: first visit (hedge-ratio sweep), a rerun after moving the slider (one new
   Simulator.arrangement, cached after), the slider back; then the customer arrangement (cold).
3. Each other page's first visit and its unchanged rerun.
4. Direct library calls for reference: Simulator.run (details) and Simulator.arrangement.

The 200 positions are the first 200 rows of ``sample_portfolios/dealer_book.csv`` (every
product, all contracts), pasted through the app's "Paste text" path.

Run: ``python benchmarks/bench_app.py [--rows 200] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _util import ROOT, best_of, fmt_s, once, target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from xmsim.marketdata.defaults import default_market
    from xmsim.simulate import Simulator
    from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio_text

    lines = (ROOT / "sample_portfolios" / "dealer_book.csv").read_text().splitlines()
    text = "\n".join(lines[: args.rows + 1]) + "\n"
    portfolio = load_portfolio_text(text, asof=SAMPLE_ASOF).portfolio
    print(f"portfolio: {len(portfolio)} positions, {len(portfolio.accounts)} account(s)")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["src"] = "Paste text"
    at.run()
    t_cold, _ = once(lambda: at.text_area(key="paste").input(text).run())
    assert not at.exception, at.exception
    print(f"app, first run with the portfolio (cold caches):  {fmt_s(t_cold)}")
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    med, best = statistics.median(times), min(times)
    print(f"app, unchanged rerun: median {fmt_s(med)}, best {fmt_s(best)} {target(med, 1.0)}")
    t_page, _ = once(lambda: at.switch_page("ui/pages/whatif.py").run())
    print(f"app, first visit of the What-if page (sweep):    {fmt_s(t_page)}")
    t_slider, _ = once(lambda: at.slider(key="ratio").set_value(0.5).run())
    print(f"app, rerun after moving the what-if slider:       {fmt_s(t_slider)}")
    t_back, _ = once(lambda: at.slider(key="ratio").set_value(1.0).run())
    print(f"app, slider back to a cached ratio:               {fmt_s(t_back)} {target(t_back, 1)}")
    t_arr, _ = once(lambda: at.radio(key="arr").set_value("customer").run())
    print(f"app, switch to the customer arrangement (cold):   {fmt_s(t_arr)}")
    for name in ("results", "portfolio", "optimiser", "operations", "exports", "settings"):
        t_first, _ = once(lambda name=name: at.switch_page(f"ui/pages/{name}.py").run())
        t_again, _ = once(at.run)
        assert not at.exception, at.exception
        print(f"app, page {name:<11} first visit {fmt_s(t_first)}, rerun {fmt_s(t_again)}")

    sim = Simulator(default_market())
    t_run, _ = best_of(lambda: sim.run(portfolio), 3)
    t_arrangement, _ = best_of(lambda: sim.arrangement(portfolio), 3)
    print(f"library, Simulator.run (with detail), best of 3:  {fmt_s(t_run)}")
    print(f"library, Simulator.arrangement, best of 3:        {fmt_s(t_arrangement)}")


if __name__ == "__main__":
    main()
