"""``python -m xmsim run``: both CCPs' savings side by side and the applied percentage."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xmsim import config
from xmsim.arrangement.models import span_mapping_notes
from xmsim.commands._blocks import margin_in_blocks, start_cluster, wants_blocks
from xmsim.commands._checks import (
    MAX_ACCOUNTS,
    fraction,
    nonnegative_float,
    positive_int,
)
from xmsim.commands._common import (
    CliError,
    Progress,
    add_engine_arguments,
    add_market_arguments,
    add_scale_arguments,
    add_setting_arguments,
    load_market,
    load_portfolio_or_exit,
    overnight_paths,
    values_from_args,
    write_output,
)
from xmsim.report.safe import csv_text, json_text

MAX_NOTES_SHOWN = 20
"""Per-position SPAN mapping notes printed to stderr before a count of the rest."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="margin a portfolio at both CCPs with and without cross-margining",
        description="Margin a portfolio under the FICC-like VaR model and the CME-like SPAN "
        "model, standalone and combined, and apply the arrangement (lower savings "
        "percentage, capped; do no harm).",
    )
    p.add_argument("portfolio", help="portfolio file (CSV or XLSX, see README)")
    add_market_arguments(p)
    add_engine_arguments(p)
    m = p.add_argument_group("other modes")
    m.add_argument(
        "--legacy",
        action="store_true",
        help="also show the 2000-era residual-offset calculation (house view)",
    )
    add_setting_arguments(p, ("legacy",), group=m)
    m.add_argument(
        "--fallback-prior-applied",
        type=fraction,
        metavar="FRACTION",
        help="fallback mode: the prior day's applied percentage (0-1)",
    )
    m.add_argument(
        "--fallback-prior-combined",
        type=nonnegative_float,
        metavar="USD",
        help="fallback mode: the prior day's combined portfolio requirement",
    )
    add_scale_arguments(p)
    p.add_argument(
        "--format",
        choices=("table", "json", "csv", "jsonl"),
        default="table",
        help="jsonl: one JSON object per account, streamed (with --out, csv is streamed too)",
    )
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of stdout")
    p.add_argument(
        "--max-accounts",
        type=positive_int,
        default=MAX_ACCOUNTS,
        metavar="N",
        help=f"stop before margining more accounts than this [{MAX_ACCOUNTS:,}]",
    )
    p.add_argument("--quiet", action="store_true", help="do not print row warnings")
    p.set_defaults(func=main)


def build_simulator(args: argparse.Namespace, progress: Progress | None = None):
    """Market + RunConfig + Simulator from the parsed flags (shared with other commands)."""
    from xmsim.engines.span.params_io import read_span_params
    from xmsim.simulate import Simulator, resolve_span_params

    values = values_from_args(args)
    span_choice = values["span.params"]
    quiet = getattr(args, "quiet", False)
    market = load_market(args.history, args.asof, quiet=quiet, overnight=overnight_paths(args))
    if progress:
        progress.step("market ready")
    try:
        if span_choice in ("default", "calibrated") or not Path(span_choice).exists():
            span = resolve_span_params(span_choice, market)
        else:
            span, warnings = read_span_params(span_choice)
            for warning in () if quiet else warnings:
                print(f"warning: SPAN parameters: {warning}", file=sys.stderr)
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"SPAN parameters: {exc}") from exc
    try:
        return market, Simulator(market, config.run_config(values, market, span_params=span))
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def main(args: argparse.Namespace) -> int:
    progress = Progress(4)
    started = None
    try:
        started = start_cluster(args)  # its workers start while the book is read
        market, sim = build_simulator(args, progress)
        portfolio = load_portfolio_or_exit(args.portfolio, market.asof, args.quiet, args)
        progress.step(f"{len(portfolio)} positions, {len(portfolio.accounts)} accounts")
        if len(portfolio.accounts) > args.max_accounts:
            raise CliError(
                f"{len(portfolio.accounts):,} accounts is beyond the --max-accounts limit of "
                f"{args.max_accounts:,}: split the file, or raise --max-accounts"
            )
        extras = args.legacy or args.fallback_prior_applied is not None
        if wants_blocks(args, portfolio):
            result = margin_in_blocks(sim, portfolio, args, extras, started)
            if result is None:  # streamed to --out / stdout
                return 0
        else:
            result = sim.arrangement(portfolio)
        progress.step("margins computed")
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if started is not None:
            started.close()  # a cluster the blocks did not take (an error on the way)
    extra = {}
    span_notes = span_mapping_notes(portfolio, sim.span_params)
    if span_notes:
        extra["span_notes"] = list(span_notes)
        for note in () if args.quiet else span_notes[:MAX_NOTES_SHOWN]:
            print(f"note: SPAN: {note}", file=sys.stderr)
        if not args.quiet and len(span_notes) > MAX_NOTES_SHOWN:
            more = len(span_notes) - MAX_NOTES_SHOWN
            print(f"note: SPAN: {more:,} more such positions (all in --format json: "
                  "span_notes)", file=sys.stderr)  # fmt: skip
    if args.legacy:
        legacy = sim.run(portfolio, details=False).legacy(
            config.legacy_settings(values_from_args(args))
        )
        extra["legacy"] = {
            "classes": legacy.to_frame().to_dict(orient="records"),
            "before_usd": legacy.before_usd, "reduction_usd": legacy.reduction_total_usd,
            "after_usd": legacy.after_usd,
        }  # fmt: skip
    if (args.fallback_prior_applied is None) != (args.fallback_prior_combined is None):
        print(
            "error: fallback mode needs both --fallback-prior-applied and "
            "--fallback-prior-combined",
            file=sys.stderr,
        )
        return 2
    if args.fallback_prior_applied is not None:
        from xmsim.arrangement.crossmargin import account_fallback

        fb = []
        for a in result.accounts:
            out = account_fallback(
                a, result.ficc_model, args.fallback_prior_applied, args.fallback_prior_combined
            )
            fb.append(
                {
                    "account": a.account,
                    "applied": out.applied,
                    "requirement_usd": out.requirement_usd,
                    "reason": out.reason,
                }
            )
        extra["fallback"] = fb
    if args.format == "json":
        text = json_text({**result.to_dict(), **extra})
    elif args.format == "csv":
        from xmsim.report.stream import results_frame

        text = csv_text(results_frame(result))
    else:
        from xmsim.report.text import arrangement_table

        text = arrangement_table(result)
        if "legacy" in extra:
            lg = extra["legacy"]
            text += (
                f"\nlegacy residual-offset method: {lg['before_usd']:,.0f} -> "
                f"{lg['after_usd']:,.0f} (reduction {lg['reduction_usd']:,.0f})\n"
            )
        for fb in extra.get("fallback", []):
            text += f"\nfallback [{fb['account']}]: {fb['reason']}\n"
    write_output(text, args.out)
    progress.step("done")
    return 0
