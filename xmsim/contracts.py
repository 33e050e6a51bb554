"""The CME interest-rate futures contract table (data in ``data/contracts.csv``).

One row per contract with its deliverable window, conversion-factor month rounding and sizes.
Remaining terms are in whole months measured from the first day of the delivery month; see
METHODOLOGY §4 and CME's contract specifications.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from xmsim import dates

TREASURY = "treasury"
SOFR = "sofr"
FEDFUNDS = "fedfunds"


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """One CME interest-rate futures contract.

    Attributes
    ----------
    code : canonical clearing code (``ZN``).
    kind : ``treasury``, ``sofr`` or ``fedfunds``.
    face_usd : notional face [USD]; SOFR/FF: the contract size used for $/bp.
    tick_points : minimum price fluctuation [price points per 100].
    usd_per_bp : rate futures only: value of one basis point [USD per bp per contract].
    reference_months : rate futures only: length of the reference period [months].
    min_remaining_months, max_remaining_months : deliverable remaining term from the first day
        of the delivery month [months]; ``max_remaining_exclusive`` says whether the upper bound
        is strict.
    max_remaining_from_last_day_months : extra bound from the last day of the delivery month.
    max_original_months, min_original_months : bounds on the original term [months].
    cf_rounding_months : months to which the time to maturity is rounded down for the CF (1 or 3).
    last_trade_rule : ``last_business_day``, ``seventh_business_day_before_last`` or
        ``imm_quarter_end``.
    reference_start : rate futures only: where the reference period starts,
        ``third_wednesday`` of the contract month (SR3, for three months) or its ``first_day``
        (SR1, ZQ: the calendar month).
    span_exchange, span_code : exchange acronym and product code under which CME's SPAN
        risk-parameter files list the contract (its clearing code, e.g. ``CBT`` / ``21`` for ZN).
    listing : the listing cycle, ``quarterly:N`` (N consecutive March-quarterly months),
        ``quarterly:N+serial:K`` (plus the K nearest other months) or ``monthly:N``
        [SRC CME contract specs, "Listed Contracts"]; see :func:`listed_months`.
    """

    code: str
    name: str
    kind: str
    globex: str
    aliases: tuple[str, ...]
    face_usd: float
    tick_points: float
    usd_per_bp: float | None
    reference_months: int | None
    min_remaining_months: int | None
    max_remaining_months: int | None
    max_remaining_exclusive: bool
    max_remaining_from_last_day_months: int | None
    max_original_months: int | None
    min_original_months: int | None
    cf_rounding_months: int | None
    last_trade_rule: str
    source: str
    span_exchange: str = ""
    span_code: str = ""
    listing: str = "quarterly:3"
    reference_start: str = ""

    @property
    def listing_months(self) -> int:
        """Months between the contract months of the strip [months]: 1 for a monthly listing,
        3 for a March-quarterly one (serial months aside)."""
        return 1 if self.listing.startswith("monthly") else 3

    @property
    def is_treasury(self) -> bool:
        return self.kind == TREASURY


def _opt_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _opt_float(text: str) -> float | None:
    value = float(text) if text.strip() else None
    if value is not None and not math.isfinite(value):
        raise ValueError(f"non-finite value in contracts.csv: {text!r}")
    return value


@cache
def contract_table() -> dict[str, ContractSpec]:
    """All contracts keyed by canonical code, in table order."""
    text = resources.files("xmsim.data").joinpath("contracts.csv").read_text(encoding="utf-8")
    table: dict[str, ContractSpec] = {}
    for row in csv.DictReader(text.splitlines()):
        spec = ContractSpec(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            globex=row["globex"],
            aliases=tuple(a for a in row["aliases"].split("|") if a),
            face_usd=float(row["face_usd"]),
            tick_points=float(row["tick_points"]),
            usd_per_bp=_opt_float(row["usd_per_bp"]),
            reference_months=_opt_int(row["reference_months"]),
            min_remaining_months=_opt_int(row["min_remaining_months"]),
            max_remaining_months=_opt_int(row["max_remaining_months"]),
            max_remaining_exclusive=row["max_remaining_exclusive"].strip().lower() == "true",
            max_remaining_from_last_day_months=_opt_int(row["max_remaining_from_last_day_months"]),
            max_original_months=_opt_int(row["max_original_months"]),
            min_original_months=_opt_int(row["min_original_months"]),
            cf_rounding_months=_opt_int(row["cf_rounding_months"]),
            last_trade_rule=row["last_trade_rule"],
            source=row["source"],
            span_exchange=row.get("span_exchange", "").strip(),
            span_code=row.get("span_code", "").strip(),
            listing=row.get("listing", "").strip() or "quarterly:3",
            reference_start=row["reference_start"].strip(),
        )
        table[spec.code] = spec
    return table


@cache
def _alias_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for spec in contract_table().values():
        for name in (spec.code, spec.globex, *spec.aliases):
            mapping[name.upper()] = spec.code
    return mapping


def contract_codes() -> tuple[str, ...]:
    """Canonical codes in table order."""
    return tuple(contract_table())


def canonical_code(name: str) -> str | None:
    """Canonical code for a code or alias (case-insensitive), ``None`` if unknown."""
    return _alias_map().get(str(name).strip().upper())


def get_contract(name: str) -> ContractSpec:
    """The spec for a code or alias; ``KeyError`` naming the known codes if unknown."""
    code = canonical_code(name)
    if code is None:
        known = ", ".join(contract_codes())
        raise KeyError(f"unknown contract {name!r}; known contracts: {known}")
    return contract_table()[code]


def last_trade_date(code: str, expiry: dt.date) -> dt.date:
    """Last trading day of a contract month (``expiry`` = any day of the contract month).

    Rules [SRC CME contract specs]: 2Y/3Y/5Y notes, SR1 and ZQ: last business day of the month;
    10Y and longer: seventh business day before the last business day of the month; SR3: the
    business day before the third Wednesday of the month three months after the contract month
    (the end of its reference quarter).
    """
    spec = get_contract(code)
    year, month = expiry.year, expiry.month
    if spec.last_trade_rule == "last_business_day":
        return dates.last_business_day(year, month)
    if spec.last_trade_rule == "seventh_business_day_before_last":
        return dates.add_business_days(dates.last_business_day(year, month), -7)
    if spec.last_trade_rule == "imm_quarter_end":
        end = dates.add_months(dt.date(year, month, 1), 3)
        return dates.add_business_days(dates.third_wednesday(end.year, end.month), -1)
    raise ValueError(f"unknown last_trade_rule {spec.last_trade_rule!r} for {spec.code}")


def reference_period(code: str, expiry: dt.date) -> tuple[dt.date, dt.date]:
    """Rate futures: start and end of the reference period the contract settles on.

    SR3: third Wednesday of the contract month to the third Wednesday three months later;
    SR1 and ZQ: the calendar month (first day to first day of the next month).
    """
    spec = get_contract(code)
    if spec.kind == TREASURY:
        raise ValueError(f"{spec.code} is a Treasury future; it has no rate reference period")
    first = dt.date(expiry.year, expiry.month, 1)
    end_month = dates.add_months(first, spec.reference_months or 1)
    if spec.reference_start == "third_wednesday":
        start = dates.third_wednesday(expiry.year, expiry.month)
        return start, dates.third_wednesday(end_month.year, end_month.month)
    if spec.reference_start == "first_day":
        return first, end_month
    raise ValueError(f"unknown reference_start {spec.reference_start!r} for {spec.code}")


def front_month(code: str, asof: dt.date, quarterly: bool = True) -> dt.date:
    """The first contract month still trading on ``asof`` (quarterly months by default).

    Treasury and SR3 futures list March, June, September and December; SR1 and ZQ list every
    month (``quarterly`` is ignored for them).
    """
    spec = get_contract(code)
    monthly = spec.listing_months == 1 or not quarterly
    month = dt.date(asof.year, asof.month, 1)
    for _ in range(24):
        if (monthly or month.month % 3 == 0) and last_trade_date(spec.code, month) >= asof:
            return month
        month = dates.add_months(month, 1)
    raise AssertionError("no front month within two years")  # cannot happen


def listed_months(code: str, asof: dt.date) -> tuple[dt.date, ...]:
    """Every contract month listed on ``asof``, nearest first (first day of each month).

    The listing cycle is the table's ``listing`` [SRC CME contract specs]: Treasury futures
    three consecutive quarterly months; SR3 39 quarterly months and the 6 nearest serial
    (non-quarterly) months; SR1 13 and ZQ 60 consecutive months. A month is listed from the
    first one still trading on ``asof`` (:func:`last_trade_date`).
    """
    spec = get_contract(code)
    counts: dict[str, int] = {}
    for part in spec.listing.split("+"):
        kind, _, n = part.partition(":")
        counts[kind.strip()] = int(n)
    month = dt.date(asof.year, asof.month, 1)
    while last_trade_date(spec.code, month) < asof:
        month = dates.add_months(month, 1)
    out: list[dt.date] = []
    quarterly, serial, monthly = (counts.get(k, 0) for k in ("quarterly", "serial", "monthly"))
    while quarterly or serial or monthly:
        is_quarter = month.month % 3 == 0
        if monthly:
            out.append(month)
            monthly -= 1
        elif is_quarter and quarterly:
            out.append(month)
            quarterly -= 1
        elif not is_quarter and serial:
            out.append(month)
            serial -= 1
        month = dates.add_months(month, 1)
    return tuple(out)
