"""``python -m xmsim history``: the arrangement on every date of a range, with backtests."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from xmsim.commands._common import (
    CliError,
    add_engine_arguments,
    add_market_arguments,
    iso_date,
    load_portfolio_or_exit,
    values_from_args,
    write_output,
)

TABLE_ROWS = 40
"""The table shows at most this many dates (evenly spaced); csv and json have every date."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "history",
        help="run the arrangement on every date of a history range, with model backtests",
        description="Re-date the portfolio to each as-of of the loaded history (cash keeps its "
        "time to maturity, futures their place in the strip) and run the arrangement on each "
        "date; summary statistics, VaR and SPAN backtests, the FAQ Q21 fallback on chosen "
        "dates and FICC's Portfolio Differential charge (ASSUMED parameters) as an option.",
    )
    p.add_argument("portfolio", help="portfolio file (CSV or XLSX, see README)")
    r = p.add_argument_group("range")
    r.add_argument("--from", dest="start", type=iso_date, help="first date (default: a year "
                   "before --to, or the first date with a full look-back)")  # fmt: skip
    r.add_argument("--to", dest="end", type=iso_date, help="last date (default: history end)")
    r.add_argument("--every", choices=("day", "week", "month"), default="day",
                   help="every history date, or the last of each week / month")  # fmt: skip
    r.add_argument(
        "--book-date",
        type=iso_date,
        help="the date the portfolio file is stated "
        "at, the anchor of the re-dating (default: --asof, else the market's date)",
    )
    add_market_arguments(p)
    add_engine_arguments(p)
    o = p.add_argument_group("history options")
    o.add_argument("--disrupted", nargs="+", type=iso_date, default=(), metavar="DATE",
                   help="simulate the FAQ Q21 fallback on these dates")  # fmt: skip
    o.add_argument("--portfolio-differential", action="store_true",
                   help="add FICC's Portfolio Differential charge (EWMA of day-on-day VaR "
                   "increases; ASSUMED parameters)")  # fmt: skip
    o.add_argument(
        "--pd-decay",
        type=float,
        default=0.94,
        help="Portfolio Differential EWMA decay (ASSUMED; default 0.94)",
    )
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of stdout")
    p.add_argument("--quiet", action="store_true", help="do not print row warnings")
    p.set_defaults(func=main)


def _range(args, history, lookback_years: float) -> tuple[dt.date, dt.date]:
    from xmsim.timeline.engine import first_full_lookback

    end = args.end or history.end
    start = args.start
    if start is None:
        year_before = end - dt.timedelta(days=365)
        start = max(year_before, min(first_full_lookback(history, lookback_years), end))
    return start, end


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        width = 30
        bar = "#" * round(width * done / total)
        sys.stderr.write(f"\r[{bar:<{width}}] {done}/{total} dates")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def main(args: argparse.Namespace) -> int:
    from xmsim.commands.run import build_simulator
    from xmsim.timeline.engine import HistoryRunner
    from xmsim.timeline.stats import PortfolioDifferential

    try:
        market, sim = build_simulator(args)
        span_choice = values_from_args(args)["span.params"]
        book_date = args.book_date or market.asof
        portfolio = load_portfolio_or_exit(args.portfolio, book_date, quiet=args.quiet)
        pd_charge = None
        if args.portfolio_differential:
            pd_charge = PortfolioDifferential(decay=args.pd_decay)
        start, end = _range(args, market.history, sim.config.var.lookback_years)
        runner = HistoryRunner(
            portfolio, market.history, sim.config, book_date, span_choice, basis=market.basis
        )
        run = runner.run(start, end, args.every, progress=_progress)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_output(render(run, args.format, set(args.disrupted), pd_charge), args.out)
    return 0


def render(run, fmt: str, disrupted: set[dt.date], pd_charge=None) -> str:
    """The run as ``table``, ``csv`` or ``json`` text."""
    from xmsim.timeline.stats import (
        fallback_simulation,
        history_backtest,
        history_frame,
        history_summary,
    )

    frame = history_frame(run, pd_charge)
    if fmt == "csv":
        from xmsim.report.safe import csv_text

        return csv_text(frame)  # text cells neutralised, as every CSV the tool writes
    summ, back = history_summary(run, frame), history_backtest(run, frame)
    fb = fallback_simulation(run, disrupted) if disrupted else []
    if fmt == "json":
        return json.dumps(_finite(_json(run, frame, summ, back, fb, pd_charge)), indent=2)
    from xmsim.report.history_text import history_table

    return history_table(run, frame, summ, back, fb, TABLE_ROWS)


def _json(run, frame, summ, back, fb, pd_charge) -> dict:
    first = run.points[0].result.to_dict()
    points = []
    for pt, (_, row) in zip(run.points, frame.iterrows(), strict=True):
        d = pt.result.to_dict()
        d.pop("settings")
        points.append({
            "date": pt.date.isoformat(), **d, "binding": row.binding,
            "var_margin_usd": pt.var_margin_usd, "span_margin_usd": pt.span_margin_usd,
            "var_pnl_usd": _num(pt.var_pnl_usd), "span_pnl_usd": _num(pt.span_pnl_usd),
            "var_exception": bool(row.var_exception), "span_exception": bool(row.span_exception),
            **({"portfolio_differential_usd": row.portfolio_differential_usd}
               if pd_charge is not None else {}),
        })  # fmt: skip
    out = {
        "book_date": run.book_date.isoformat(), "every": run.every, "redating_rule": run.rule,
        "strip": list(run.strip), "settings": first["settings"], "points": points,
        "summary": summ, "backtest": back,
    }  # fmt: skip
    if fb:
        out["fallback"] = fb
    if pd_charge is not None:
        out["portfolio_differential"] = {"decay": pd_charge.decay,
                                         "multiplier": pd_charge.multiplier,
                                         "status": "ASSUMED"}  # fmt: skip
    return out


def _num(x: float) -> float | None:
    return None if x != x else x  # NaN (P&L not yet known) -> null, valid JSON


def _finite(obj):
    """NaN anywhere (a test on no data) becomes null, so the output stays valid JSON."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float):
        return _num(obj)
    return obj
