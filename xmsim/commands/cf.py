"""``python -m xmsim cf CONTRACT COUPON MATURITY DELIVERY_MONTH``: a CME conversion factor.

Prints the factor to 4 decimals, e.g. ``python -m xmsim cf ZN 3.875 2034-08-15 2026-12``.
A bond outside the contract's deliverable basket is an error (exit code 2) naming the rule it
breaks, unless ``--force``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from xmsim import contracts
from xmsim.pricing import futures

MONTH_CODES = "FGHJKMNQUVXZ"
"""CME month letters, January … December."""

EXIT_USAGE = 2


def parse_delivery_month(text: str, today: dt.date | None = None) -> dt.date:
    """The first day of a delivery month, read by the upload loader's one rule
    (``2026-12``, ``Dec-26``, ``Z26``, ``ZNZ6``; a one-digit year is the year in
    [today.year − 1, today.year + 8] ending in that digit)."""
    from xmsim.upload.loader import parse_expiry

    return parse_expiry(text, today or dt.date.today())[0]


def _parse_date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"cannot read {what} {text!r}: use YYYY-MM-DD") from None


def _parse_coupon(text: str) -> float:
    try:
        pct = float(text)
    except ValueError:
        raise ValueError(f"cannot read coupon {text!r}: give it in percent, e.g. 3.875") from None
    if not 0.0 <= pct < 100.0:
        raise ValueError(f"coupon {pct}% is out of range: give it in percent, e.g. 3.875")
    return pct / 100.0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "cf",
        help="CME conversion factor of a Treasury into a futures contract month",
        description=(
            "Print the CME conversion factor (4 decimals) of a Treasury note or bond into a "
            "Treasury futures contract month. Refuses bonds outside the deliverable basket "
            "unless --force."
        ),
    )
    parser.add_argument("contract", help="ZT, Z3N, ZF, ZN, TN, TWE, ZB or UB (or an alias: TY)")
    parser.add_argument("coupon", help="annual coupon in percent, e.g. 3.875")
    parser.add_argument("maturity", help="maturity date, YYYY-MM-DD")
    parser.add_argument("delivery_month", help="YYYY-MM or a CME month code such as Z26")
    parser.add_argument("--issue-date", help="original issue date (checks original-term rules)")
    parser.add_argument(
        "--force", action="store_true", help="print the factor even for a non-deliverable bond"
    )
    parser.set_defaults(func=run)


def _treasury_codes() -> str:
    return ", ".join(c for c, s in contracts.contract_table().items() if s.is_treasury)


def run(args: argparse.Namespace) -> int:
    try:
        code = contracts.canonical_code(args.contract)
        if code is None:
            raise ValueError(
                f"unknown contract {args.contract!r}; known Treasury futures: {_treasury_codes()}"
            )
        if not contracts.get_contract(code).is_treasury:
            raise ValueError(
                f"{code} is not a Treasury futures contract, so it has no conversion factor; "
                f"use one of {_treasury_codes()}"
            )
        coupon = _parse_coupon(args.coupon)
        maturity = _parse_date(args.maturity, "maturity")
        month = parse_delivery_month(args.delivery_month)
        issue = _parse_date(args.issue_date, "issue date") if args.issue_date else None
        if maturity <= month:
            raise ValueError(f"maturity {maturity} is not after the delivery month {month:%Y-%m}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reason = futures.deliverable_reason(code, coupon, maturity, month, issue)
    if reason is not None and not args.force:
        print(
            f"error: not deliverable into {code} {month:%Y-%m}: {reason} "
            "(use --force for the factor anyway)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if reason is not None:
        print(f"warning: not deliverable into {code} {month:%Y-%m}: {reason}", file=sys.stderr)
    print(f"{futures.conversion_factor(code, coupon, maturity, month):.4f}")
    return 0
