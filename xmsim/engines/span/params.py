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
ACCOUNT_TYPES = ("member", "non-HRP", "HRP")
"""CME account types for initial margin [SRC CME Clearing Advisories 08-380 and 23-376]: clearing
member / hedge accounts and non-heightened-risk-profile customers post initial = maintenance;
heightened-risk-profile (HRP) accounts post initial = 110% of maintenance (the multipliers are the
meta values ``initial_member``, ``initial_non_hrp``, ``initial_hrp``)."""
AUTO_ACCOUNT_TYPE = "auto"
"""The default: each portfolio by what it is, ``member`` for a house (clearing member's own)
portfolio and ``non-HRP`` for a customer account (the arrangement's customers are BD-FCMs'
end users; an HRP customer is set explicitly)."""
ACCOUNT_TYPE_CHOICES = (AUTO_ACCOUNT_TYPE, *ACCOUNT_TYPES)


@dataclass(frozen=True, slots=True)
class ProductParams:
    """One futures combined commodity (all expiries of one contract).

    psr_usd : price scan range [USD per contract]; intra_spread_usd : charge per calendar spread
    [USD] (futures of different expiries; for cash equivalents, bonds of different maturities);
    spot_usd : charge per net contract held in its delivery month [USD]; point_years : the
    maturity the contract stands for [years] (Treasuries: about its cheapest-to-deliver's
    maturity), where cash maps onto the curve of contracts and the calibration reads the yield
    history; NaN = none (the contract takes no cash equivalents).
    """

    code: str
    psr_usd: float
    intra_spread_usd: float
    spot_usd: float
    point_years: float = math.nan


@dataclass(frozen=True, slots=True)
class CashMapping:
    """A user-supplied futures equivalent of one cash security, as CME's type-9 records give
    ("debt securities margined on an equivalent basis").

    The position in the security with CUSIP ``cusip`` enters SPAN as face / contract face x
    ``conversion_factor`` contracts of ``contract`` in the month starting ``month`` (sign of
    its DV01), instead of the automatic DV01 split between neighbouring contracts.
    """

    cusip: str
    contract: str
    month: dt.date
    conversion_factor: float


@dataclass(frozen=True, slots=True)
class ScanSpread:
    """A scanning-based spread group: legs in maturity order with ratios per spread.

    ``basis='delta'``: ratios in contracts (CME's example); ``'dv01'``: in USD per bp (legs
    matched by DV01).
    """

    name: str
    legs: tuple[str, ...]
    ratios: tuple[float, ...]
    credit_rate: float
    priority: int
    basis: str = "delta"


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
    scan_spreads: tuple[ScanSpread, ...]
    inter_spreads: tuple[InterSpread, ...]
    cash_map: tuple[CashMapping, ...] = ()
    cash_basis_rate: float = 0.10
    account_type: str = AUTO_ACCOUNT_TYPE
    initial_member: float = 1.00
    initial_non_hrp: float = 1.00
    initial_hrp: float = 1.10
    shown: str = "initial"
    fractional_spreads: bool = True
    extreme_multiple: float = 3.0
    extreme_cover: float = 0.33
    round_arrays_to_usd: bool = True
    sources: tuple[ValueSource, ...] = ()
    month_arrays: tuple[RiskArray, ...] = ()

    def __post_init__(self) -> None:
        names = ("products", "scan_spreads", "inter_spreads", "cash_map", "sources")
        for name in (*names, "month_arrays"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(
            self, "sources", tuple(sorted(self.sources, key=lambda s: (s.table, s.key, s.field)))
        )
        _validate(self)

    @property
    def combined_commodities(self) -> tuple[str, ...]:
        """Futures products in table order (cash joins them as futures equivalents)."""
        return tuple(p.code for p in self.products)

    def account_type_of(self, customer: bool = False) -> str:
        """The account type margining one portfolio: the set's own, or under ``auto``
        ``member`` for a house portfolio and ``non-HRP`` for a customer account."""
        if self.account_type != AUTO_ACCOUNT_TYPE:
            return self.account_type
        return "non-HRP" if customer else "member"

    def multiplier_of(self, account_type: str) -> float:
        """Initial / maintenance of one of :data:`ACCOUNT_TYPES` [1]."""
        return {
            "member": self.initial_member,
            "non-HRP": self.initial_non_hrp,
            "HRP": self.initial_hrp,
        }[account_type]

    @property
    def initial_multiplier(self) -> float:
        """Initial / maintenance of a house portfolio under this set [1]
        (:meth:`account_type_of`; a customer's: ``multiplier_of(account_type_of(True))``)."""
        return self.multiplier_of(self.account_type_of(customer=False))

    def for_account_type(self, account_type: str) -> SpanParams:
        """A copy margining ``account_type`` (one of :data:`ACCOUNT_TYPE_CHOICES`)."""
        return dataclasses.replace(self, account_type=account_type)

    def cash_points(self) -> tuple[tuple[str, float], ...]:
        """(contract, point_years [years]) of the Treasury products that take cash, by point."""
        pts = [
            (p.code, p.point_years)
            for p in self.products
            if get_contract(p.code).is_treasury and math.isfinite(p.point_years)
        ]
        return tuple(sorted(pts, key=lambda x: x[1]))

    def psr_usd(self, code: str) -> float:
        """Price scan range of a combined commodity [USD per contract(-equivalent)]."""
        for p in self.products:
            if p.code == code:
                return p.psr_usd
        raise KeyError(f"unknown combined commodity {code!r}")

    def with_psr(self, psr_usd: Mapping[str, float], status: str = "USER") -> SpanParams:
        """A copy with some products' PSRs replaced by ``psr_usd`` [USD per contract] (a what-if;
        the source becomes ``status``)."""
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
        """Status and source of one value (``None`` when the set records none) [text]."""
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
    if p.account_type not in ACCOUNT_TYPE_CHOICES:
        raise ValueError(
            f"account_type must be one of {ACCOUNT_TYPE_CHOICES}, got {p.account_type!r}"
        )
    for f in ("initial_member", "initial_non_hrp", "initial_hrp"):
        v = getattr(p, f)
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{f} must be positive, got {v}")
    if not (math.isfinite(p.cash_basis_rate) and 0 <= p.cash_basis_rate <= 1):
        raise ValueError(f"cash_basis_rate must be in [0, 1], got {p.cash_basis_rate}")
    codes = [x.code for x in p.products]
    for prod in p.products:
        if canonical_code(prod.code) != prod.code:
            raise ValueError(f"unknown contract {prod.code!r} in the product table")
        for f in ("psr_usd", "intra_spread_usd", "spot_usd"):
            v = getattr(prod, f)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"product {prod.code}: {f} must be >= 0, got {v}")
        if not (math.isnan(prod.point_years) or prod.point_years > 0):
            raise ValueError(f"product {prod.code}: point_years must be > 0")
    for m in p.cash_map:
        if m.month.day != 1:
            raise ValueError(f"cash map {m.cusip}: month must be the first day of a month")
        if m.contract not in codes or not get_contract(m.contract).is_treasury:
            raise ValueError(f"cash map {m.cusip}: {m.contract!r} is not a Treasury product")
        if not (math.isfinite(m.conversion_factor) and m.conversion_factor > 0):
            raise ValueError(f"cash map {m.cusip}: conversion_factor must be > 0")
    if len({m.cusip for m in p.cash_map}) != len(p.cash_map):
        raise ValueError("cash map: a CUSIP is mapped twice")
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
    for s in p.scan_spreads:
        if s.basis not in BASES:
            raise ValueError(f"scan spread {s.name}: basis must be in {BASES}")
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
    "meta": ("label", "asof", "account_type", "initial_member", "initial_non_hrp",
             "initial_hrp", "shown", "cash_basis_rate", "fractional_spreads",
             "extreme_multiple", "extreme_cover", "round_arrays_to_usd"),
    "product": ("psr_usd", "intra_spread_usd", "spot_usd", "point_years"),
    "scan_spread": ("legs", "credit_rate", "priority", "basis"),
    "inter_spread": ("legs", "rate", "priority", "basis"),
    "cash_map": ("contract", "month", "conversion_factor"),
    "risk_array": ("losses",),
}  # fmt: skip
_OPTIONAL = {
    ("inter_spread", "basis"): "delta",
    ("scan_spread", "basis"): "delta",
    ("product", "point_years"): "nan",
}


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
    for s in p.scan_spreads:
        legs = tuple(zip(s.legs, s.ratios, strict=True))
        entries += [
            ("scan_spread", s.name, "legs", legs),
            ("scan_spread", s.name, "credit_rate", s.credit_rate),
            ("scan_spread", s.name, "priority", s.priority),
            ("scan_spread", s.name, "basis", s.basis),
        ]
    for s in p.inter_spreads:
        legs = tuple(zip(s.legs, s.ratios, strict=True))
        entries += [
            ("inter_spread", s.name, "legs", legs),
            ("inter_spread", s.name, "rate", s.rate),
            ("inter_spread", s.name, "priority", s.priority),
            ("inter_spread", s.name, "basis", s.basis),
        ]
    for m in p.cash_map:
        entries += [
            ("cash_map", m.cusip, "contract", m.contract),
            ("cash_map", m.cusip, "month", m.month.isoformat()[:7]),
            ("cash_map", m.cusip, "conversion_factor", m.conversion_factor),
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
