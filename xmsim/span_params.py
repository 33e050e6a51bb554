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
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from xmsim.contracts import canonical_code, contract_table, get_contract
from xmsim.market import TENOR_YEARS, TENORS, YieldHistory

STATUSES = ("SRC", "ASSUMED", "CALIBRATED", "USER")
HEADER = ("table", "key", "field", "value", "status", "source")
SHOWN = ("initial", "maintenance")
BASES = ("delta", "dv01")

DEFAULT_KEY_TENOR_YEARS: Mapping[str, float] = {
    "ZT": 2.0, "Z3N": 3.0, "ZF": 5.0, "ZN": 7.0, "TN": 10.0, "TWE": 20.0, "ZB": 15.0,
    "UB": 25.0, "SR3": 0.25, "SR1": 0.25, "ZQ": 0.25,
}  # fmt: skip
"""Key tenor of each contract for calibration [years]: roughly its CTD's maturity (Treasuries);
3M for SOFR and Fed Funds, as the 1M bill is distorted by debt-ceiling and month-end effects
(it would give SR1/ZQ PSRs near $1,000 on 1990-2024). ASSUMED."""


@dataclass(frozen=True, slots=True)
class ProductParams:
    """One futures combined commodity (all expiries of one contract).

    psr_usd : price scan range [USD per contract]; intra_spread_usd : charge per calendar spread
    [USD]; spot_usd : charge per net contract held in its delivery month [USD].
    """

    code: str
    psr_usd: float
    intra_spread_usd: float
    spot_usd: float


@dataclass(frozen=True, slots=True)
class CashBucket:
    """A maturity bucket for cash Treasuries and repos, tied to a futures contract.

    Positions with years to maturity in (previous bucket's ``max_years``, ``max_years``] map here
    as DV01-equivalent contracts of ``contract``; scan range = ``contract`` PSR x
    ``psr_multiplier``; ``intra_spread_usd`` is charged per matched long/short between bonds of
    different maturities in the bucket [USD per contract-equivalent].
    """

    code: str
    contract: str
    max_years: float
    psr_multiplier: float
    intra_spread_usd: float


@dataclass(frozen=True, slots=True)
class ScanSpread:
    """A scanning-based spread group: legs in maturity order with ratios [contracts per spread]."""

    name: str
    legs: tuple[str, ...]
    ratios: tuple[float, ...]
    credit_rate: float
    priority: int


@dataclass(frozen=True, slots=True)
class InterSpread:
    """A two-leg inter-commodity spread: credit = rate x outright margin of each leg used.

    ``basis='delta'``: ratios in contracts (-equivalent); ``'dv01'``: ratios in USD per bp.
    """

    name: str
    legs: tuple[str, str]
    ratios: tuple[float, float]
    rate: float
    priority: int
    basis: str = "delta"


@dataclass(frozen=True, slots=True)
class ValueSource:
    """Where one parameter value comes from (``status`` in :data:`STATUSES`)."""

    table: str
    key: str
    field: str
    status: str
    source: str


@dataclass(frozen=True, slots=True)
class SpanParams:
    """A complete SPAN parameter set (see the module docstring for every field's meaning)."""

    label: str
    asof: dt.date
    products: tuple[ProductParams, ...]
    cash_buckets: tuple[CashBucket, ...]
    scan_spreads: tuple[ScanSpread, ...]
    inter_spreads: tuple[InterSpread, ...]
    initial_multiplier: float = 1.10
    shown: str = "initial"
    fractional_spreads: bool = True
    extreme_multiple: float = 3.0
    extreme_cover: float = 0.33
    round_arrays_to_usd: bool = True
    sources: tuple[ValueSource, ...] = ()

    def __post_init__(self) -> None:
        for name in ("products", "cash_buckets", "scan_spreads", "inter_spreads", "sources"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(
            self, "sources", tuple(sorted(self.sources, key=lambda s: (s.table, s.key, s.field)))
        )
        _validate(self)

    @property
    def combined_commodities(self) -> tuple[str, ...]:
        """Futures products in table order, then the cash buckets."""
        return tuple(p.code for p in self.products) + tuple(b.code for b in self.cash_buckets)

    def psr_usd(self, code: str) -> float:
        """Price scan range of a combined commodity [USD per contract(-equivalent)]."""
        for p in self.products:
            if p.code == code:
                return p.psr_usd
        for b in self.cash_buckets:
            if b.code == code:
                return self.psr_usd(b.contract) * b.psr_multiplier
        raise KeyError(f"unknown combined commodity {code!r}")

    def with_psr(self, psr_usd: Mapping[str, float], status: str = "USER") -> SpanParams:
        """A copy with some products' PSRs replaced (a what-if; the source becomes ``status``)."""
        unknown = set(psr_usd) - {p.code for p in self.products}
        if unknown:
            raise KeyError(f"unknown products {sorted(unknown)}")
        products = tuple(
            dataclasses.replace(p, psr_usd=float(psr_usd[p.code])) if p.code in psr_usd else p
            for p in self.products
        )
        keep = tuple(
            s
            for s in self.sources
            if not (s.table == "product" and s.key in psr_usd and s.field == "psr_usd")
        )
        new = tuple(ValueSource("product", c, "psr_usd", status, "what-if") for c in psr_usd)
        return dataclasses.replace(self, products=products, sources=keep + new)

    def source_of(self, table: str, key: str, field: str) -> ValueSource | None:
        for s in self.sources:
            if (s.table, s.key, s.field) == (table, key, field):
                return s
        return None

    def to_frame(self):
        """All values with status and source, one row per value (the file's rows)."""
        import pandas as pd

        return pd.DataFrame(_rows(self), columns=list(HEADER))


def _validate(p: SpanParams) -> None:
    if p.shown not in SHOWN:
        raise ValueError(f"shown must be one of {SHOWN}, got {p.shown!r}")
    if not (math.isfinite(p.initial_multiplier) and p.initial_multiplier > 0):
        raise ValueError(f"initial_multiplier must be positive, got {p.initial_multiplier}")
    codes = [x.code for x in p.products]
    for prod in p.products:
        if canonical_code(prod.code) != prod.code:
            raise ValueError(f"unknown contract {prod.code!r} in the product table")
        for f in ("psr_usd", "intra_spread_usd", "spot_usd"):
            v = getattr(prod, f)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"product {prod.code}: {f} must be >= 0, got {v}")
    last = -math.inf
    for b in p.cash_buckets:
        if b.contract not in codes or not get_contract(b.contract).is_treasury:
            raise ValueError(f"cash bucket {b.code}: {b.contract!r} is not a Treasury product")
        if not b.max_years > last:
            raise ValueError(f"cash bucket {b.code}: max_years must increase, got {b.max_years}")
        last = b.max_years
        if not (b.psr_multiplier > 0 and b.intra_spread_usd >= 0):
            raise ValueError(f"cash bucket {b.code}: psr_multiplier/intra_spread_usd invalid")
    if p.cash_buckets and math.isfinite(p.cash_buckets[-1].max_years):
        raise ValueError("the last cash bucket must have max_years = inf")
    ccs = set(p.combined_commodities)
    if len(ccs) != len(p.combined_commodities):
        raise ValueError("duplicate combined commodity codes")
    for s in (*p.scan_spreads, *p.inter_spreads):
        rate = s.credit_rate if isinstance(s, ScanSpread) else s.rate
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"spread {s.name}: rate must be in [0, 1], got {rate}")
        if len(s.legs) != len(s.ratios) or len(s.legs) < 2 or len(set(s.legs)) != len(s.legs):
            raise ValueError(f"spread {s.name}: needs two or more distinct legs with ratios")
        if set(s.legs) - ccs:
            raise ValueError(f"spread {s.name}: unknown legs {sorted(set(s.legs) - ccs)}")
        if not all(r > 0 and math.isfinite(r) for r in s.ratios):
            raise ValueError(f"spread {s.name}: ratios must be positive")
    for s in p.inter_spreads:
        if len(s.legs) != 2 or s.basis not in BASES:
            raise ValueError(f"inter spread {s.name}: two legs and basis in {BASES} required")


# ---------------------------------------------------------------------------------------------
# file format

_FIELDS = {
    "meta": ("label", "asof", "initial_multiplier", "shown", "fractional_spreads",
             "extreme_multiple", "extreme_cover", "round_arrays_to_usd"),
    "product": ("psr_usd", "intra_spread_usd", "spot_usd"),
    "cash_bucket": ("contract", "max_years", "psr_multiplier", "intra_spread_usd"),
    "scan_spread": ("legs", "credit_rate", "priority"),
    "inter_spread": ("legs", "rate", "priority", "basis"),
}  # fmt: skip
_OPTIONAL = {("inter_spread", "basis"): "delta"}


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        s = f"{value:.15g}"
        return s if float(s) == value else repr(value)
    if isinstance(value, tuple):  # legs
        return "|".join(f"{leg}:{_fmt(float(r))}" for leg, r in value)
    return str(value)


def _rows(p: SpanParams) -> list[tuple[str, ...]]:
    entries: list[tuple[str, str, str, object]] = []
    for f in _FIELDS["meta"]:
        entries.append(("meta", "", f, getattr(p, f)))
    for x in p.products:
        entries += [("product", x.code, f, getattr(x, f)) for f in _FIELDS["product"]]
    for b in p.cash_buckets:
        entries += [("cash_bucket", b.code, f, getattr(b, f)) for f in _FIELDS["cash_bucket"]]
    for s in p.scan_spreads:
        legs = tuple(zip(s.legs, s.ratios, strict=True))
        entries += [
            ("scan_spread", s.name, "legs", legs),
            ("scan_spread", s.name, "credit_rate", s.credit_rate),
            ("scan_spread", s.name, "priority", s.priority),
        ]
    for s in p.inter_spreads:
        legs = tuple(zip(s.legs, s.ratios, strict=True))
        entries += [
            ("inter_spread", s.name, "legs", legs),
            ("inter_spread", s.name, "rate", s.rate),
            ("inter_spread", s.name, "priority", s.priority),
            ("inter_spread", s.name, "basis", s.basis),
        ]
    rows = []
    for table, key, field, value in entries:
        src = p.source_of(table, key, field)
        status, source = (src.status, src.source) if src else ("USER", "")
        rows.append((table, key, field, _fmt(value), status, source))
    return rows


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
