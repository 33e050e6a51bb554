"""``python -m xmsim risk``: price, market value, DV01 and key-rate DV01s per position."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from xmsim.commands._common import (
    CliError,
    add_market_arguments,
    load_market,
    load_portfolio_or_exit,
    overnight_paths,
    read_params_file,
    write_output,
)
from xmsim.report.safe import csv_text, json_text

TABLE_COLUMNS = ("row", "description", "quantity", "price", "market_value_usd", "dv01_usd",
                 "ctd_or_reference", "conversion_factor")  # fmt: skip


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "risk", help="price, market value, DV01 and key-rate DV01s per position",
        description="Per position: clean price (futures: futures price from the CTD), market "
                    "value, DV01 (USD per bp fall in yields), key-rate DV01s at the Treasury "
                    "tenors, and for futures the CTD and conversion factor used.",
    )  # fmt: skip
    p.add_argument("portfolio", help="portfolio file (CSV or XLSX)")
    add_market_arguments(p)
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--out", metavar="FILE")
    p.set_defaults(func=main)


def risk_frame(portfolio, market):
    """The per-position risk table on the market's curve."""
    from xmsim.pricing.risk import build_book, position_risk

    return position_risk(build_book(portfolio, market.curve), market.curve).to_frame(portfolio)


def main(args: argparse.Namespace) -> int:
    try:
        read_params_file(args.params)  # risk uses no engine setting, but a bad file is an error
        market = load_market(args.history, args.asof, overnight=overnight_paths(args))
        portfolio = load_portfolio_or_exit(args.portfolio, market.asof)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = risk_frame(portfolio, market)
    if args.format == "json":
        records = frame.replace({np.nan: None}).to_dict(orient="records")
        text = json_text(
            {"asof": market.asof.isoformat(), "curve": market.curve.label, "positions": records},
            indent=2,
        )
    elif args.format == "csv":
        text = csv_text(frame)
    else:
        shown = frame[list(TABLE_COLUMNS)].copy()
        total = {
            "row": "",
            "description": "TOTAL",
            "quantity": np.nan,
            "price": np.nan,
            "market_value_usd": frame.market_value_usd.sum(),
            "dv01_usd": frame.dv01_usd.sum(),
            "ctd_or_reference": "",
            "conversion_factor": np.nan,
        }
        import pandas as pd

        shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
        text = (
            f"as of {market.asof}; curve: {market.curve.label}\n"
            f"DV01 = USD P&L for a 1 bp fall in yields (+ = long)\n"
            + shown.to_string(
                index=False,
                na_rep="",
                float_format=lambda x: f"{x:,.4f}" if abs(x) < 1000 else f"{x:,.0f}",
            )
        )
    write_output(text, args.out)
    return 0
