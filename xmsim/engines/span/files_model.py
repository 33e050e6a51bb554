"""What xmsim keeps from a CME SPAN risk-parameter file (positional ``.pa2`` or XML ``.spn``).

Both readers (:mod:`~xmsim.engines.span.files_pa2`, :mod:`~xmsim.engines.span.files_spn`) fill
the same :class:`SpanFileData`; :mod:`~xmsim.engines.span.files_convert` turns it into engine
parameters. Only the eligible contracts (``data/contracts.csv``: ``span_exchange`` and
``span_code``) are kept. Amounts are USD per contract; risk-array values are losses of one long
contract (+ = loss), as in CME's files.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from xmsim.contracts import contract_table

N_ARRAY = 16


class SpanFileError(ValueError):
    """A SPAN file that cannot be read; the message names the file, line, record and field."""


@dataclass(frozen=True, slots=True)
class FileHeader:
    """Type 0 record (positional) or ``pointInTime`` (XML).

    cycle : ``S`` settlement or ``I`` intraday, then the file identifier (``F`` final, ``E``
    early, ...), e.g. ``"S/F"``.
    """

    exchange_complex: str
    business_date: dt.date
    cycle: str
    business_function: str
    file_format: str


@dataclass(frozen=True, slots=True)
class MonthArray:
    """Risk array of one futures contract month (type 81 + 82, or XML ``fut/ra``).

    losses : 16 scenario values [USD per long contract, + = loss]; delta : SPAN composite delta
    [1]; psr_usd : price scan range from the B record / ``scanRate`` [USD], NaN when absent.
    """

    month: int  # CCYYMM
    losses: tuple[float, ...]
    delta: float
    psr_usd: float
    extreme_multiple: float
    extreme_cover: float
    line: int


@dataclass(frozen=True, slots=True)
class IntraSpread:
    """Tier-to-tier intra-commodity spread (type C / XML ``ccDef/dSpread``).

    legs : (tier number, contracts per spread, side ``A``/``B``); rate_usd : charge per spread.
    """

    priority: int
    rate_usd: float
    legs: tuple[tuple[int, float, str], ...]
    line: int


@dataclass(frozen=True, slots=True)
class SpotRate:
    """Delivery (spot) charge of one contract month (type 4 / XML ``spotRate``) [USD/contract]."""

    month: int
    spread_usd: float
    outright_usd: float
    line: int


@dataclass(frozen=True, slots=True)
class InterSpreadRecord:
    """Inter-commodity spread (type 6 / XML ``interSpreads``).

    method : ``"04"`` scanning-based, anything else delta-based; rate : credit [0-1];
    legs : (xmsim contract code, delta per spread, side).
    """

    priority: int
    method: str
    rate: float
    legs: tuple[tuple[str, float, str], ...]
    line: int


@dataclass(frozen=True, slots=True)
class DebtSecurity:
    """Type 91/92 record: a physical debt security margined as futures equivalents."""

    cusip: str
    contract: str
    month: int
    coupon_pct: float
    maturity: dt.date
    conversion_factor: float
    description: str
    line: int


@dataclass
class ProductData:
    """Everything kept for one eligible contract."""

    code: str
    file_code: str
    exchange: str
    cc: str = ""
    months: dict[int, MonthArray] = field(default_factory=dict)
    tiers: list[tuple[int, int, int]] = field(default_factory=list)
    scan_method: str = "01"
    intra: list[IntraSpread] = field(default_factory=list)
    spot: list[SpotRate] = field(default_factory=list)
    member_ratio: float | None = None


@dataclass
class SpanFileData:
    """One SPAN file, reduced to the eligible contracts."""

    name: str
    header: FileHeader | None = None
    products: dict[str, ProductData] = field(default_factory=dict)
    inter_spreads: list[InterSpreadRecord] = field(default_factory=list)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    debt: list[DebtSecurity] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph: file, business date, cycle, what was kept and what was skipped."""
        h = self.header
        head = f"{self.name}: business date {h.business_date}, cycle {h.cycle}" if h else self.name
        kept = ", ".join(f"{c} ({len(p.months)} months)" for c, p in self.products.items())
        counts = ", ".join(f"type {k}: {v}" for k, v in sorted(self.counts.items()))
        return f"{head}; kept {kept or 'nothing'}; records: {counts}"


def eligible_codes() -> dict[tuple[str, str], str]:
    """(exchange acronym, product code in the file) -> xmsim code, for the eligible contracts.

    Each contract is found under its ``span_code`` and also under its own code and Globex code
    (so hand-written files may use ``ZN``).
    """
    out: dict[tuple[str, str], str] = {}
    for spec in contract_table().values():
        for name in {spec.span_code, spec.code, spec.globex} - {""}:
            out[(spec.span_exchange, name)] = spec.code
    return out


def parse_month(text: str) -> int:
    """``CCYYMM`` -> int, ``ValueError`` unless a real month."""
    value = int(text)
    if not (190001 <= value <= 299912 and 1 <= value % 100 <= 12):
        raise ValueError(text)
    return value


def parse_date(text: str) -> dt.date:
    """``CCYYMMDD`` -> date."""
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))


__all__ = [
    "N_ARRAY",
    "DebtSecurity",
    "FileHeader",
    "InterSpreadRecord",
    "IntraSpread",
    "MonthArray",
    "ProductData",
    "SpanFileData",
    "SpanFileError",
    "SpotRate",
    "eligible_codes",
    "parse_date",
    "parse_month",
]
