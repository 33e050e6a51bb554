"""What a SPAN parameter set is: frozen dataclasses, their validation and their tabular rows.

The meaning of every field, and the hand-editable CSV file these rows are written to and read
from, are documented in :mod:`xmsim.engines.span.params_io` (the public home of all these names:
import
from there). This module imports nothing from it, so the two never form an import cycle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from xmsim.contracts import canonical_code, get_contract

STATUSES = ("SRC", "ASSUMED", "CALIBRATED", "USER")
HEADER = ("table", "key", "field", "value", "status", "source")
SHOWN = ("initial", "maintenance")
BASES = ("delta", "dv01")


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
class RiskArray:
    """The risk array of one futures contract month as CME's SPAN file gives it.

    losses : loss of one long contract per scenario [USD, + = loss], shape (16,), in the
    scenario order of :data:`xmsim.engines.span.margin.SCENARIO_LABELS`; month : CCYYMM.
    """

    code: str
    month: int
    losses: tuple[float, ...]


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
    """A complete SPAN parameter set (see :mod:`xmsim.engines.span.params_io` for every field's
    meaning)."""

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
    month_arrays: tuple[RiskArray, ...] = ()

    def __post_init__(self) -> None:
        names = ("products", "cash_buckets", "scan_spreads", "inter_spreads", "sources")
        for name in (*names, "month_arrays"):
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
    seen = set()
    for a in p.month_arrays:
        where = f"risk array {a.code}:{a.month}"
        if a.code not in codes or (a.code, a.month) in seen or not 1 <= a.month % 100 <= 12:
            raise ValueError(f"{where}: needs a loaded product, a month CCYYMM, no duplicate")
        if len(a.losses) != 16 or not all(math.isfinite(v) for v in a.losses):
            raise ValueError(f"{where}: needs 16 finite values, got {a.losses}")
        seen.add((a.code, a.month))


# ---------------------------------------------------------------------------------------------
# rows: one per value, the columns of ``to_frame()`` and of the file (written and read by
# xmsim.engines.span.params_io)

_FIELDS = {
    "meta": ("label", "asof", "initial_multiplier", "shown", "fractional_spreads",
             "extreme_multiple", "extreme_cover", "round_arrays_to_usd"),
    "product": ("psr_usd", "intra_spread_usd", "spot_usd"),
    "cash_bucket": ("contract", "max_years", "psr_multiplier", "intra_spread_usd"),
    "scan_spread": ("legs", "credit_rate", "priority"),
    "inter_spread": ("legs", "rate", "priority", "basis"),
    "risk_array": ("losses",),
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
    for a in p.month_arrays:
        losses = "|".join(_fmt(float(v)) for v in a.losses)
        entries.append(("risk_array", f"{a.code}:{a.month}", "losses", losses))
    rows = []
    for table, key, field, value in entries:
        src = p.source_of(table, key, field)
        status, source = (src.status, src.source) if src else ("USER", "")
        rows.append((table, key, field, _fmt(value), status, source))
    return rows
