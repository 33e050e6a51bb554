"""Open a CME SPAN file (``.pa2``, ``.spn``, either zipped) and turn it into engine parameters.

:func:`read_span_file` dispatches on the name (or, for bytes without a telling name, on the
content) and streams the file; :func:`span_params_from_file` maps what was kept onto a
:class:`~xmsim.engines.span.params.SpanParams`, taking from a ``base`` set only what CME's file
does not carry (each contract's ``point_years`` where cash maps, the cash-vs-futures basis rate,
xmsim's ASSUMED DV01-matched curve spread, the account types' initial multipliers).

From the file (status SRC, source naming file, record and line):

- price scan range of each product = half the spread between its "down 3/3" and "up 3/3"
  scenario values (risk array values 13 and 11), the largest over its contract months;
- calendar-spread charge = the rate of the product's first-priority tier-to-tier spread (C);
- spot charge = the delivery-month charge per contract remaining in outrights (4);
- scanning-based inter-commodity spreads (type 6 method 04) and two-leg delta-based ones (any
  other method, legs on opposite sides) with their priorities, rates and delta ratios;
- extreme move multiple and covered fraction (B) when every eligible contract month agrees;
- the debt securities margined as futures equivalents (91/92): ``SpanParams.cash_map`` rows
  (CUSIP -> contract month, conversion factor) for the months the file carries; a CUSIP the
  file lists for several months maps to the nearest one (said in the load notes); a cash
  position whose CUSIP is not there falls back to the automatic mapping, which
  :func:`xmsim.arrangement.models.span_mapping_notes` says per position.

Said in the load notes, not silently dropped: spreads with more than two delta-based legs or
with legs on one side, a product whose months carry different scan ranges, more than one
calendar rate, tiered scanning methods.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable
from pathlib import Path

from xmsim.contracts import contract_codes
from xmsim.engines.span.files_model import InterSpreadRecord, SpanFileData, SpanFileError
from xmsim.engines.span.files_pa2 import RECORD_LENGTH, read_pa2
from xmsim.engines.span.files_spn import read_spn
from xmsim.engines.span.params import (
    CashMapping,
    InterSpread,
    ProductParams,
    RiskArray,
    ScanSpread,
    SpanParams,
    ValueSource,
)

SPAN_SUFFIXES = (".pa2", ".spn")


def span_file_kind(name: str, head: bytes = b"") -> str | None:
    """``"pa2"``, ``"spn"``, ``"zip"`` or ``None`` (not a SPAN file: e.g. xmsim's CSV)."""
    lower = name.lower()
    if lower.endswith(".csv"):
        return None
    for kind in ("pa2", "spn", "zip"):
        if lower.endswith("." + kind):
            return kind
    if head.startswith(b"PK"):
        return "zip"
    stripped = head.lstrip()
    if stripped.startswith(b"<"):
        return "spn"
    if stripped[:2] == b"0 " and len(stripped.split(b"\n", 1)[0]) >= 37:
        return "pa2"
    return None


def split_fixed(lines: Iterable[str]) -> Iterable[str]:
    """Records from newline-delimited text or from 132-byte blocks without newlines."""
    for line in lines:
        body = line.rstrip("\r\n")
        if len(body) > 2 * RECORD_LENGTH and len(body) % RECORD_LENGTH == 0:
            yield from (body[i : i + RECORD_LENGTH] for i in range(0, len(body), RECORD_LENGTH))
        else:
            yield line


def _read_stream(stream, kind: str, name: str) -> SpanFileData:
    if kind == "spn":
        return read_spn(stream, name)
    text = io.TextIOWrapper(stream, encoding="latin-1", newline="")
    return read_pa2(split_fixed(text), name)


def read_span_file(source: str | Path | bytes, name: str | None = None) -> SpanFileData:
    """Stream one SPAN file from a path or its bytes; a zip is opened at its SPAN member.

    Raises :class:`SpanFileError` (a ``ValueError``) naming the file, line and field, also for
    a zip without any ``.pa2`` / ``.spn`` member.
    """
    if isinstance(source, bytes | bytearray):
        name = name or "<uploaded SPAN file>"
        opener = lambda _mode: io.BytesIO(source)  # noqa: E731
        head = bytes(source[:512])
    else:
        path = Path(source)
        name = name or path.name
        opener = path.open
        with opener("rb") as f:
            head = f.read(512)
    kind = span_file_kind(name, head)
    if kind is None:
        raise SpanFileError(f"{name}: not a SPAN file (expected .pa2, .spn or a zip of one)")
    with opener("rb") as f:
        if kind != "zip":
            return _read_stream(f, kind, name)
        try:
            archive = zipfile.ZipFile(f)
        except zipfile.BadZipFile:
            raise SpanFileError(f"{name}: not a readable zip file") from None
        with archive:
            members = [m for m in archive.namelist() if m.lower().endswith(SPAN_SUFFIXES)]
            if not members:
                found = ", ".join(archive.namelist()) or "nothing"
                raise SpanFileError(
                    f"{name}: the zip holds no SPAN file (.pa2 or .spn); found: {found}"
                )
            member = members[0]
            with archive.open(member) as inner:
                return _read_stream(inner, member.rsplit(".", 1)[1].lower(), f"{name}:{member}")


def zip_csv_member(source) -> str | None:
    """The text of the first ``.csv`` member of a zip holding no SPAN file, else ``None``."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            if any(n.lower().endswith(SPAN_SUFFIXES) for n in names):
                return None
            csvs = [n for n in names if n.lower().endswith(".csv")]
            return archive.read(csvs[0]).decode("utf-8-sig") if csvs else None
    except zipfile.BadZipFile:
        return None


# ---------------------------------------------------------------------------------------------
# file -> SpanParams


def _psr(losses: tuple[float, ...]) -> float:
    return (losses[12] - losses[10]) / 2.0


def _products(
    data: SpanFileData, base: SpanParams, src: list[ValueSource], where: str
) -> list[ProductParams]:
    out = []
    point = {p.code: p.point_years for p in base.products}
    order = [p.code for p in base.products] + list(contract_codes())
    for code in sorted(data.products, key=order.index):
        p = data.products[code]
        psrs = {m: _psr(a.losses) for m, a in p.months.items()}
        psr_month = max(psrs, key=psrs.get)
        if len(set(psrs.values())) > 1:
            data.notes.append(
                f"{code}: contract months have different scan ranges "
                f"({', '.join(f'{m} {v:g}' for m, v in psrs.items())}); each month is margined "
                f"with its own risk array, the largest ({psrs[psr_month]:g}, {psr_month}) stands "
                "for the product where no month applies (cash equivalents)"
            )
        intra = sorted(p.intra, key=lambda s: s.priority)
        if len({s.rate_usd for s in intra}) > 1:
            data.notes.append(
                f"{code}: {len(intra)} tier spreads; the first-priority rate "
                f"{intra[0].rate_usd:g} applies to every calendar spread"
            )
        if p.scan_method not in ("01", ""):
            data.notes.append(
                f"{code}: scanning method {p.scan_method} (tiered) is not applied; "
                "all months scan as one tier"
            )
        spot = p.spot[0] if p.spot else None
        out.append(
            ProductParams(
                code,
                psrs[psr_month],
                intra[0].rate_usd if intra else 0.0,
                spot.outright_usd if spot else 0.0,
                point.get(code, math.nan),
            )
        )
        line = p.months[psr_month].line
        src += [
            ValueSource("product", code, "psr_usd", "SRC", f"{where} risk array line {line}"),
            ValueSource(
                "product",
                code,
                "intra_spread_usd",
                "SRC" if intra else "ASSUMED",
                f"{where} C line {intra[0].line}" if intra else f"{where}: no C record",
            ),
            ValueSource(
                "product",
                code,
                "spot_usd",
                "SRC" if spot else "ASSUMED",
                f"{where} spot line {spot.line}" if spot else f"{where}: no spot rate",
            ),
        ]
    return out


def _spread_name(s: InterSpreadRecord, used: set[str]) -> str:
    name = "-".join(leg[0] for leg in s.legs)
    name = name if name not in used else f"{name}#{s.priority}"
    used.add(name)
    return name


def _spreads(data: SpanFileData, codes: set[str], src: list[ValueSource], where: str):
    scans, inters, used = [], [], set()
    for s in sorted(data.inter_spreads, key=lambda s: s.priority):
        legs = tuple(leg[0] for leg in s.legs)
        ratios = tuple(leg[1] for leg in s.legs)
        if set(legs) - codes or len(set(legs)) != len(legs) or not all(r > 0 for r in ratios):
            data.notes.append(
                f"spread priority {s.priority} (line {s.line}) skipped: legs "
                f"{legs} must be distinct loaded contracts with ratios > 0"
            )
            continue
        name = _spread_name(s, used)
        if s.method == "04":
            scans.append(ScanSpread(name, legs, ratios, s.rate, s.priority))
            table = "scan_spread"
        elif len(legs) == 2 and s.legs[0][2] != s.legs[1][2]:
            inters.append(InterSpread(name, legs, ratios, s.rate, s.priority, "delta"))
            table = "inter_spread"
        else:
            data.notes.append(
                f"spread priority {s.priority} (line {s.line}) skipped: a "
                f"delta-based spread of legs {legs} on sides "
                f"{[leg[2] for leg in s.legs]} is not modelled"
            )
            continue
        for f in ("legs", "priority", "credit_rate" if table == "scan_spread" else "rate"):
            src.append(ValueSource(table, name, f, "SRC", f"{where} spread line {s.line}"))
    return scans, inters


def _kept_from_base(data: SpanFileData, base: SpanParams, codes: set[str]):
    """xmsim's own DV01-matched (ASSUMED) scanning spreads, on the loaded contracts only."""
    kept = []
    for s in base.scan_spreads:
        if s.basis != "dv01":
            continue
        legs = [(leg, r) for leg, r in zip(s.legs, s.ratios, strict=True) if leg in codes]
        if len(legs) < len(s.legs):
            data.notes.append(
                f"{s.name}: legs {sorted(set(s.legs) - codes)} dropped (not in the file)"
            )
        if len(legs) >= 2:
            kept.append(
                dataclasses.replace(
                    s, legs=tuple(x for x, _ in legs), ratios=tuple(r for _, r in legs)
                )
            )
    return (), kept, []


def _extremes(data: SpanFileData, base: SpanParams) -> tuple[float, float]:
    pairs = {
        (a.extreme_multiple, a.extreme_cover)
        for p in data.products.values()
        for a in p.months.values()
        if math.isfinite(a.extreme_multiple) and math.isfinite(a.extreme_cover)
    }
    if len(pairs) == 1:
        return next(iter(pairs))
    if len(pairs) > 1:
        data.notes.append(
            f"B records disagree on the extreme move {sorted(pairs)}; "
            f"xmsim keeps {base.extreme_multiple} x at {base.extreme_cover}"
        )
    return base.extreme_multiple, base.extreme_cover


def _cash_map(data: SpanFileData, codes: set[str], base: SpanParams, where: str):
    """The file's type-9 debt securities as ``cash_map`` rows (and their sources), then the
    base set's own rows for CUSIPs the file does not list."""
    chosen: dict[str, object] = {}
    for sec in data.debt:
        months = data.products[sec.contract].months if sec.contract in codes else {}
        if sec.month not in months:
            data.notes.append(
                f"debt security {sec.cusip} (line {sec.line}) maps into {sec.contract} "
                f"{sec.month}, a contract month the file has no risk array for: not used"
            )
            continue
        best = chosen.get(sec.cusip)
        if best is not None:
            data.notes.append(
                f"debt security {sec.cusip} is listed for {best.contract} {best.month} and "
                f"{sec.contract} {sec.month} (line {sec.line}): the nearest month is used"
            )
            if best.month <= sec.month:
                continue
        chosen[sec.cusip] = sec
    rows, src = [], []
    for sec in chosen.values():
        month = dt.date(sec.month // 100, sec.month % 100, 1)
        rows.append(CashMapping(sec.cusip, sec.contract, month, sec.conversion_factor))
        src += [
            ValueSource("cash_map", sec.cusip, f, "SRC", f"{where}, record 91, line {sec.line}")
            for f in ("contract", "month", "conversion_factor")
        ]
    for m in base.cash_map:
        if m.cusip not in chosen and m.contract in codes:
            rows.append(m)
            src += [s for s in base.sources if s.table == "cash_map" and s.key == m.cusip]
    return tuple(rows), src


def span_params_from_file(data: SpanFileData, base: SpanParams) -> SpanParams:
    """Engine parameters from a loaded SPAN file (see the module docstring for the mapping)."""
    h = data.header
    if not data.products:
        raise SpanFileError(
            f"{data.name}: no records for the eligible contracts "
            f"({', '.join(contract_codes())}); is it a CME SPAN file?"
        )
    where = f"CME SPAN file {data.name} ({h.business_date}, cycle {h.cycle})"
    src: list[ValueSource] = []
    products = _products(data, base, src, where)
    codes = {p.code for p in products}
    scans, inters = _spreads(data, codes, src, where)
    _, base_scans, base_inters = _kept_from_base(data, base, codes)
    keep = {s.name for s in (*base_scans, *base_inters)} | {""}
    multiple, cover = _extremes(data, base)
    from_file = {"label", "asof"} | (
        {"extreme_multiple", "extreme_cover"}
        if (multiple, cover) != (base.extreme_multiple, base.extreme_cover)
        else set()
    )
    src += [
        s
        for s in base.sources
        if (s.table != "product" or (s.field == "point_years" and s.key in codes))
        and (s.key in keep or s.table == "product")
        and not (s.table == "meta" and s.field in from_file)
    ]
    src += [ValueSource("meta", "", f, "SRC", where) for f in sorted(from_file)]
    cash_map, map_src = _cash_map(data, codes, base, where)
    src += map_src
    label = f"CME SPAN file {data.name}: business date {h.business_date}, cycle {h.cycle}"
    return dataclasses.replace(
        base,
        cash_map=cash_map,
        label=label,
        asof=h.business_date,
        products=tuple(products),
        scan_spreads=tuple(sorted((*base_scans, *scans), key=lambda s: s.priority)),
        inter_spreads=tuple(sorted((*base_inters, *inters), key=lambda s: s.priority)),
        extreme_multiple=multiple,
        extreme_cover=cover,
        sources=tuple(src),
        month_arrays=tuple(
            RiskArray(p.code, month, a.losses)
            for p in products
            for month, a in data.products[p.code].months.items()
        ),
    )


__all__ = ["read_span_file", "span_file_kind", "span_params_from_file", "zip_csv_member"]
