"""Parameter sets for the CME-like SPAN engine: values, file format, defaults and calibration.

Every number the SPAN engine uses lives in a :class:`SpanParams`; nothing is a module constant.
The shipped default (``data/span_params_default.csv``) is **illustrative, not official CME
levels** (as of 2026-07-31): the price scan ranges (PSR) are ASSUMED magnitudes; the Treasury
scanning-spread ratios and 70% credit and the SR3 : ZT 3:2 / 75% credit are CME's published
example rates (METHODOLOGY §6, §7).

File format (one long, hand-editable CSV)
-----------------------------------------
Header ``table,key,field,value,status,source``; one value per line; blank lines and lines starting
with ``#`` are ignored; line order does not matter. ``status`` is ``SRC``, ``ASSUMED``,
``CALIBRATED`` or ``USER`` (empty means ``USER``); ``source`` is free text.

========== ================== ==============================================================
table      key                fields
========== ================== ==============================================================
meta       (empty)            label, asof (YYYY-MM-DD), initial_multiplier, shown
                              (``initial`` | ``maintenance``), fractional_spreads (true|false),
                              extreme_multiple, extreme_cover, round_arrays_to_usd (true|false)
product    contract code      psr_usd [USD per contract], intra_spread_usd [USD per calendar
                              spread], spot_usd [USD per net contract in the delivery month]
cash_bucket bucket (CASH-ZN)  contract (futures code), max_years [years, ``inf`` for the last],
                              psr_multiplier [1], intra_spread_usd [USD per spread]
scan_spread spread name       legs (``UB:2|ZB:2|ZN:3|ZF:5``), credit_rate [0-1], priority
inter_spread spread name      legs (``SR3:3|ZT:2``), rate [0-1], priority, basis (``delta`` |
                              ``dv01``, optional, default ``delta``)
========== ================== ==============================================================

An unknown table, field or contract, a missing field, a duplicate or an unreadable number is a
``ValueError`` naming the line; nothing defaults to zero silently.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from xmsim.contracts import canonical_code, contract_table, get_contract

# The dataclasses, their validation and their rows live in span_params_model (a leaf module);
# they are re-exported here, the public home of every name.
from xmsim.engines.span.params import (
    _FIELDS,
    BASES,
    HEADER,
    SHOWN,
    STATUSES,
    CashBucket,
    InterSpread,
    ProductParams,
    ScanSpread,
    SpanParams,
    ValueSource,
    _rows,
)
from xmsim.market import TENOR_YEARS, TENORS, YieldHistory

__all__ = [
    "BASES",
    "DEFAULT_KEY_TENOR_YEARS",
    "HEADER",
    "SHOWN",
    "STATUSES",
    "CashBucket",
    "InterSpread",
    "ProductParams",
    "ScanSpread",
    "SpanParams",
    "ValueSource",
    "calibrated_span_params",
    "default_span_params",
    "load_span_params",
    "one_day_move_bp",
    "save_span_params",
]

DEFAULT_KEY_TENOR_YEARS: Mapping[str, float] = {
    "ZT": 2.0, "Z3N": 3.0, "ZF": 5.0, "ZN": 7.0, "TN": 10.0, "TWE": 20.0, "ZB": 15.0,
    "UB": 25.0, "SR3": 0.25, "SR1": 0.25, "ZQ": 0.25,
}  # fmt: skip
"""Key tenor of each contract for calibration [years]: roughly its CTD's maturity (Treasuries);
3M for SOFR and Fed Funds, as the 1M bill is distorted by debt-ceiling and month-end effects
(it would give SR1/ZQ PSRs near $1,000 on 1990-2024). ASSUMED."""


# ---------------------------------------------------------------------------------------------
# file format

_OPTIONAL = {("inter_spread", "basis"): "delta"}


def save_span_params(params: SpanParams, path: str | Path) -> None:
    """Write ``params`` as the long CSV described in the module docstring."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(_rows(params))
    Path(path).write_text(buf.getvalue(), encoding="utf-8")


class _Reader:
    """Collects the file's values, remembering the line each came from."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, dict[str, dict[str, tuple[str, int]]]] = {t: {} for t in _FIELDS}
        self.first_line: dict[tuple[str, str], int] = {}
        self.sources: list[ValueSource] = []

    def error(self, line: int, message: str) -> ValueError:
        return ValueError(f"{self.name} line {line}: {message}")

    def get(self, table: str, key: str, field: str) -> tuple[str, int]:
        entity = self.values[table][key]
        if field not in entity:
            if (table, field) in _OPTIONAL:
                return _OPTIONAL[(table, field)], self.first_line[(table, key)]
            line = self.first_line[(table, key)]
            raise self.error(line, f"{table} {key or '(meta)'} has no {field!r} value; add a line")
        return entity[field]

    def number(self, table: str, key: str, field: str) -> float:
        text, line = self.get(table, key, field)
        try:
            value = float(text)
        except ValueError:
            raise self.error(line, f"{table} {key} {field}: {text!r} is not a number") from None
        if math.isnan(value) or (math.isinf(value) and field != "max_years"):
            raise self.error(line, f"{table} {key} {field}: {text!r} is not finite")
        return value

    def flag(self, table: str, key: str, field: str) -> bool:
        text, line = self.get(table, key, field)
        if text.strip().lower() not in ("true", "false"):
            raise self.error(line, f"{field}: expected true or false, got {text!r}")
        return text.strip().lower() == "true"

    def legs(self, table: str, key: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
        text, line = self.get(table, key, "legs")
        legs, ratios = [], []
        for part in text.split("|"):
            code, _, ratio = part.partition(":")
            try:
                legs.append(code.strip())
                ratios.append(float(ratio))
            except ValueError:
                raise self.error(line, f"legs {text!r}: write CODE:RATIO|CODE:RATIO") from None
        return tuple(legs), tuple(ratios)


def _read_lines(text: str, name: str) -> _Reader:
    reader = _Reader(name)
    header_seen = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([raw]))]
        if not header_seen:
            if tuple(cells[: len(HEADER)]) != HEADER:
                raise reader.error(lineno, f"header must be {','.join(HEADER)}")
            header_seen = True
            continue
        cells += [""] * (len(HEADER) - len(cells))
        table, key, field, value, status, source = cells[: len(HEADER)]
        if table not in _FIELDS:
            raise reader.error(lineno, f"unknown table {table!r}; expected one of {list(_FIELDS)}")
        if field not in _FIELDS[table]:
            raise reader.error(lineno, f"unknown field {field!r} for {table}: {_FIELDS[table]}")
        if table == "product" and canonical_code(key) != key:
            raise reader.error(lineno, f"unknown contract {key!r}; known: {list(contract_table())}")
        if value == "":
            raise reader.error(lineno, f"{table} {key} {field}: the value is empty")
        status = status.upper() or "USER"
        if status not in STATUSES:
            raise reader.error(lineno, f"status {status!r} is not one of {STATUSES}")
        entity = reader.values[table].setdefault(key, {})
        reader.first_line.setdefault((table, key), lineno)
        if field in entity:
            raise reader.error(lineno, f"{table} {key} {field} given twice")
        entity[field] = (value, lineno)
        reader.sources.append(ValueSource(table, key, field, status, source))
    if not header_seen:
        raise ValueError(f"{name}: empty parameter file (expected header {','.join(HEADER)})")
    return reader


def _build(r: _Reader) -> SpanParams:
    if "" not in r.values["meta"]:
        raise ValueError(f"{r.name}: no meta lines (label, asof, ...)")
    products = tuple(
        ProductParams(code, *(r.number("product", code, f) for f in _FIELDS["product"]))
        for code in r.values["product"]
    )
    buckets = []
    for code in r.values["cash_bucket"]:
        contract, line = r.get("cash_bucket", code, "contract")
        if contract not in r.values["product"]:
            raise r.error(line, f"cash bucket {code}: contract {contract!r} has no product lines")
        nums = [r.number("cash_bucket", code, f) for f in _FIELDS["cash_bucket"][1:]]
        buckets.append(CashBucket(code, contract, *nums))
    ccs = set(r.values["product"]) | set(r.values["cash_bucket"])

    def spread_parts(table: str, key: str):
        legs, ratios = r.legs(table, key)
        unknown = [leg for leg in legs if leg not in ccs]
        if unknown:
            line = r.get(table, key, "legs")[1]
            raise r.error(line, f"{table} {key}: unknown legs {unknown}")
        return legs, ratios, int(r.number(table, key, "priority"))

    scans = []
    for key in r.values["scan_spread"]:
        legs, ratios, prio = spread_parts("scan_spread", key)
        scans.append(
            ScanSpread(key, legs, ratios, r.number("scan_spread", key, "credit_rate"), prio)
        )
    inters = []
    for key in r.values["inter_spread"]:
        legs, ratios, prio = spread_parts("inter_spread", key)
        basis, line = r.get("inter_spread", key, "basis")
        if len(legs) != 2 or basis not in BASES:
            raise r.error(line, f"inter_spread {key}: needs two legs and basis in {BASES}")
        rate = r.number("inter_spread", key, "rate")
        inters.append(
            InterSpread(key, (legs[0], legs[1]), (ratios[0], ratios[1]), rate, prio, basis)
        )
    asof_text, line = r.get("meta", "", "asof")
    try:
        asof = dt.date.fromisoformat(asof_text)
    except ValueError:
        raise r.error(line, f"asof {asof_text!r} is not YYYY-MM-DD") from None
    shown, line = r.get("meta", "", "shown")
    if shown not in SHOWN:
        raise r.error(line, f"shown must be one of {SHOWN}, got {shown!r}")
    try:
        return SpanParams(
            label=r.get("meta", "", "label")[0],
            asof=asof,
            products=products,
            cash_buckets=tuple(buckets),
            scan_spreads=tuple(sorted(scans, key=lambda s: s.priority)),
            inter_spreads=tuple(sorted(inters, key=lambda s: s.priority)),
            initial_multiplier=r.number("meta", "", "initial_multiplier"),
            shown=shown,
            fractional_spreads=r.flag("meta", "", "fractional_spreads"),
            extreme_multiple=r.number("meta", "", "extreme_multiple"),
            extreme_cover=r.number("meta", "", "extreme_cover"),
            round_arrays_to_usd=r.flag("meta", "", "round_arrays_to_usd"),
            sources=tuple(r.sources),
        )
    except ValueError as exc:
        raise ValueError(f"{r.name}: {exc}") from None


def load_span_params(path_or_text: str | Path) -> SpanParams:
    """Read a parameter set from a file path or from the CSV text itself.

    Raises ``ValueError`` naming the line for unknown tables, fields or contracts, missing
    values, duplicates and unreadable numbers.
    """
    if isinstance(path_or_text, Path) or "\n" not in str(path_or_text):
        path = Path(path_or_text)
        return _build(_read_lines(path.read_text(encoding="utf-8"), str(path)))
    return _build(_read_lines(str(path_or_text), "<span params text>"))


@cache
def default_span_params() -> SpanParams:
    """The shipped ILLUSTRATIVE parameter set (not official CME levels), as of 2026-07-31."""
    text = resources.files("xmsim.data").joinpath("span_params_default.csv").read_text("utf-8")
    return _build(_read_lines(text, "span_params_default.csv"))


# ---------------------------------------------------------------------------------------------
# calibration


def _tenor_years(tenor: float | str) -> float:
    if isinstance(tenor, str):
        if tenor not in TENORS:
            raise KeyError(f"unknown tenor {tenor!r}; expected one of {TENORS}")
        return float(TENOR_YEARS[TENORS.index(tenor)])
    return float(tenor)


def one_day_move_bp(history: YieldHistory, tenor_years: float, quantile: float = 0.99) -> float:
    """Quantile of |1-day change| of the par yield at ``tenor_years`` [bp].

    Daily changes are interpolated linearly in tenor between :data:`TENORS` (flat beyond the
    ends), then the quantile of their absolute value is taken.
    """
    changes_bp = np.diff(history.yields, axis=0) * 1e4  # (n_days - 1, n_tenors)
    t = float(np.clip(tenor_years, TENOR_YEARS[0], TENOR_YEARS[-1]))
    j = int(np.clip(np.searchsorted(TENOR_YEARS, t), 1, len(TENOR_YEARS) - 1))
    w = (t - TENOR_YEARS[j - 1]) / (TENOR_YEARS[j] - TENOR_YEARS[j - 1])
    series = (1.0 - w) * changes_bp[:, j - 1] + w * changes_bp[:, j]
    return float(np.quantile(np.abs(series), quantile))


def calibrated_span_params(
    history: YieldHistory,
    contract_dv01: Mapping[str, float],
    tenor_of_contract: Mapping[str, float | str] | None = None,
    *,
    base: SpanParams | None = None,
    quantile: float = 0.99,
) -> SpanParams:
    """PSRs calibrated to a yield history; every other value copied from ``base``.

    PSR [USD per contract] = DV01 [USD per bp] x ``quantile`` of |1-day par-yield change| at the
    contract's key tenor [bp], rounded to $10 (METHODOLOGY §6 (b)).

    Parameters
    ----------
    history : daily par yields; its ``source`` labels the result.
    contract_dv01 : one contract's DV01 [USD per bp] by code; rate futures default to the
        contract table's ``usd_per_bp``.
    tenor_of_contract : key tenor by code, years or a :data:`TENORS` label; default
        :data:`DEFAULT_KEY_TENOR_YEARS`.
    base : the set to copy spreads, charges and buckets from; default
        :func:`default_span_params`.
    """
    base = base or default_span_params()
    tenors = {**DEFAULT_KEY_TENOR_YEARS, **(tenor_of_contract or {})}
    psr = {}
    for p in base.products:
        dv01 = contract_dv01.get(p.code, get_contract(p.code).usd_per_bp)
        if dv01 is None or not math.isfinite(dv01) or dv01 <= 0:
            raise KeyError(f"no positive DV01 for {p.code} in contract_dv01")
        if p.code not in tenors:
            raise KeyError(f"no key tenor for {p.code} in tenor_of_contract")
        move_bp = one_day_move_bp(history, _tenor_years(tenors[p.code]), quantile)
        psr[p.code] = round(dv01 * move_bp / 10.0) * 10.0
    label = f"calibrated: {quantile:.0%} 1-day move x DV01, {history.source}"
    params = base.with_psr(psr, status="CALIBRATED")
    sources = tuple(
        dataclasses.replace(s, source=history.source) if s.status == "CALIBRATED" else s
        for s in params.sources
    )
    sources = tuple(s for s in sources if not (s.table == "meta" and s.field in ("label", "asof")))
    sources += (
        ValueSource("meta", "", "label", "CALIBRATED", history.source),
        ValueSource("meta", "", "asof", "CALIBRATED", "last date of the history"),
    )
    return dataclasses.replace(params, label=label, asof=history.end, sources=sources)
