"""``python -m xmsim optimize``: the best futures hedge, or the best futures allocation.

    python -m xmsim optimize sample_portfolios/basis_trade.csv --hedge --contracts ZF,ZN,ZB
    python -m xmsim optimize sample_portfolios/dealer_book.csv --allocate --format json

``--hedge`` searches integer contracts (every listed month) minimising the requirement after
cross-margining and compares with the DV01-neutral single-contract hedge; ``--allocate``
chooses which futures go into the cross-margin account. See :mod:`xmsim.optimize`.
"""

from __future__ import annotations

import argparse
import sys

from xmsim import contracts
from xmsim.commands._checks import nonnegative_int
from xmsim.commands._common import (
    CliError,
    add_engine_arguments,
    add_market_arguments,
    load_portfolio_or_exit,
    write_output,
)
from xmsim.report.safe import json_text

MAX_TABLE_ROWS = 40
"""Allocation tables longer than this list only the positions not wholly in the account."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "optimize",
        help="best futures hedge, or best allocation of futures to the cross-margin account",
        description="Search the integer futures hedge that minimises the requirement after "
        "cross-margining (--hedge), or which futures to place in the cross-margin account "
        "(--allocate), evaluating every candidate with both engines and the arrangement.",
    )
    p.add_argument("portfolio", help="portfolio file (CSV or XLSX, see README)")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--hedge", action="store_true", help="best hedge with futures")
    mode.add_argument("--allocate", action="store_true", help="best in/out split of futures")
    h = p.add_argument_group("hedge")
    h.add_argument("--contracts", default="ZN", help="hedge contracts, comma-separated [ZN]")
    h.add_argument(
        "--naive",
        default=None,
        help="contract of the DV01-neutral comparison [the first of --contracts]",
    )
    h.add_argument("--max-contracts", type=nonnegative_int, help="cap on the total contracts added")
    h.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="CODE=N",
        help="position limit per contract, e.g. --limit ZN=500 (repeatable)",
    )
    h.add_argument("--account", help="customer arrangement: the account to hedge")
    a = p.add_argument_group("allocation")
    a.add_argument("--partial", action="store_true", help="allow splitting a position")
    add_market_arguments(p)
    add_engine_arguments(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of stdout")
    p.add_argument("--quiet", action="store_true", help="do not print row warnings")
    p.set_defaults(func=main)


def parse_contracts(text: str) -> tuple[str, ...]:
    """``"ZF, zn,TY"`` -> canonical codes in the order given (``CliError`` if unknown)."""
    codes = []
    for name in (t.strip() for t in text.split(",")):
        if not name:
            continue
        code = contracts.canonical_code(name)
        if code is None:
            known = ", ".join(contracts.contract_codes())
            raise CliError(f"--contracts: unknown contract {name!r}; use one of {known}")
        codes.append(code)
    if not codes:
        raise CliError("--contracts: give at least one contract, e.g. --contracts ZN")
    return tuple(dict.fromkeys(codes))


def parse_limits(items: list[str]) -> dict[str, float]:
    """``["ZN=500", "ZF=200,ZB=50"]`` -> ``{"ZN": 500.0, ...}`` (``CliError`` if malformed)."""
    out = {}
    for item in (x.strip() for raw in items for x in raw.split(",")):
        code, sep, value = item.partition("=")
        canon = contracts.canonical_code(code.strip())
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not sep or canon is None or number < 0:
            raise CliError(f"--limit {item!r}: use CODE=N with a known contract, e.g. ZN=500")
        out[canon] = number
    return out


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _versus(result) -> str:
    word, usd = result.versus_naive()
    if word == "equal":
        return "same total as the DV01-neutral hedge"
    return f"{_money(usd)} {word} than the DV01-neutral hedge"


def hedge_table(result) -> str:
    frame = result.to_frame()
    cols = {
        "case": "case",
        "hedge": "hedge",
        "contracts": "contracts",
        "ficc_requirement_usd": "FICC req",
        "cme_requirement_usd": "CME req",
        "total_requirement_usd": "total req",
        "savings_ficc_model": "FICC model sav",
        "savings_cme_model": "CME model sav",
        "applied": "applied",
        "residual_dv01_usd": "resid DV01",
    }
    shown = frame[list(cols)].rename(columns=cols)
    fmt = {c: _money for c in ("FICC req", "CME req", "total req", "resid DV01", "contracts")}
    fmt |= {c: "{:.2%}".format for c in ("FICC model sav", "CME model sav", "applied")}
    lines = [
        f"best hedge [{result.account}] with {result.searched()} "
        f"({result.n_evaluations} candidates evaluated, {result.n_rounds} search rounds)",
        "trades to add: "
        + (", ".join(f"{t.quantity:+,.0f} {t.description}" for t in result.trades) or "none"),
        f"requirement after cross-margining: {_money(result.margin_before_usd)} -> "
        f"{_money(result.margin_after_usd)} (saving {_money(result.saving_usd)}; "
        f"{_versus(result)})",
        "",
        shown.to_string(index=False, formatters=fmt),
        "",
        "amounts in USD; residual DV01 of the eligible legs in USD per bp",
    ]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def allocation_table(result) -> str:
    lines = [result.message, ""]
    summary = result.summary_frame()
    lines.append(
        summary.to_string(
            index=False,
            formatters={"total_requirement_usd": _money, "saving_of_optimal_usd": _money},
        )
    )
    if not result.trivial:
        frame = result.to_frame()
        if len(frame) > MAX_TABLE_ROWS:
            frame = frame[frame["outside"] != 0]
            lines += [
                "",
                f"positions not wholly in the cross-margin account ({len(frame)}; "
                "all others go in whole):",
            ]
        lines += ["", frame.to_string(index=False) if len(frame) else "(none)"]
    lines += ["", "amounts in USD; contracts per position"]
    return "\n".join(lines) + "\n"


def main(args: argparse.Namespace) -> int:
    from xmsim.commands.run import build_simulator
    from xmsim.optimize import best_allocation, best_hedge

    try:
        market, sim = build_simulator(args)
        portfolio = load_portfolio_or_exit(args.portfolio, market.asof, quiet=args.quiet)
        if args.hedge:
            codes = parse_contracts(args.contracts)
            naive = codes[0] if args.naive is None else contracts.canonical_code(args.naive)
            if naive is None:
                raise CliError(f"--naive: unknown contract {args.naive!r}")
            try:
                result = best_hedge(
                    portfolio,
                    sim,
                    codes,
                    args.max_contracts,
                    parse_limits(args.limit),
                    naive,
                    args.account,
                )
            except ValueError as exc:
                raise CliError(str(exc)) from exc
        else:
            result = best_allocation(portfolio, sim, partial=args.partial)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        text = json_text(result.to_dict())
    else:
        text = hedge_table(result) if args.hedge else allocation_table(result)
    write_output(text, args.out)
    return 0
