"""Parameter sets for the CME-like SPAN engine: values, file format, defaults and calibration.

Every number the SPAN engine uses lives in a :class:`SpanParams`; nothing is a module constant.
The shipped default (``data/span_params_default.csv``) is **illustrative, not official CME
levels** (as of 2026-07-31): the price scan ranges (PSR) follow one stated rule
(:data:`PSR_RULE`, status CALIBRATED, provenance in each line's source); the Treasury
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
meta       (empty)            label, asof (YYYY-MM-DD), account_type (``auto`` | ``member``
                              | ``non-HRP`` | ``HRP``; auto: member for house portfolios,
                              non-HRP for customer accounts), initial_member,
                              initial_non_hrp, initial_hrp [initial / maintenance],
                              shown (``initial`` | ``maintenance``),
                              cash_basis_rate [fraction of the PSR per matched contract],
                              fractional_spreads (true|false), extreme_multiple,
                              extreme_cover, round_arrays_to_usd (true|false)
product    contract code      psr_usd [USD per contract], intra_spread_usd [USD per calendar
                              spread], spot_usd [USD per net contract in the delivery month],
                              point_years [years, optional: the maturity where cash maps]
scan_spread spread name       legs (``UB:2|ZB:2|ZN:3|ZF:5``), credit_rate [0-1], priority,
                              basis (``delta`` | ``dv01``, optional, default ``delta``)
inter_spread spread name      legs (``SR3:3|ZT:2``), rate [0-1], priority, basis (``delta`` |
                              ``dv01``, optional, default ``delta``)
cash_map   CUSIP              contract (futures code), month (YYYY-MM), conversion_factor:
                              the user's futures equivalent of one security (CME type 9)
========== ================== ==============================================================

Cash in SPAN: a cash Treasury, repo or reverse repo enters as futures equivalents
(:mod:`xmsim.engines.span._equiv`): a ``cash_map`` row for its CUSIP (CME's type-9 records;
``spanfile`` fills ``SpanParams.cash_map`` from CME's files) or else its DV01 split linearly in
maturity between the two Treasury contracts whose ``point_years`` bracket it [ASSUMED].

An unknown table, field or contract, a missing field, a duplicate or an unreadable number is a
``ValueError`` naming the line; nothing defaults to zero silently.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import io
from functools import cache
from importlib import resources
from pathlib import Path

from xmsim.engines.span._params_read import VALUE_RANGES, _read_lines, _Reader
from xmsim.engines.span.calibration import (
    PSR_RULE,
    PsrRule,
    calibrated_span_params,
    one_day_move_bp,
)
from xmsim.engines.span.files_convert import (
    read_span_file,
    span_file_kind,
    span_params_from_file,
    zip_csv_member,
)
from xmsim.engines.span.files_model import SpanFileData

# The dataclasses, their validation and their rows live in span_params_model (a leaf module);
# they are re-exported here, the public home of every name.
from xmsim.engines.span.params import (
    _FIELDS,
    ACCOUNT_TYPE_CHOICES,
    BASES,
    HEADER,
    SHOWN,
    STATUSES,
    CashMapping,
    InterSpread,
    ProductParams,
    RiskArray,
    ScanSpread,
    SpanParams,
    ValueSource,
    _rows,
)
from xmsim.formula import neutralise_text
from xmsim.upload.table import TableError, decode, read_source

__all__ = [
    "ACCOUNT_TYPE_CHOICES",
    "BASES",
    "HEADER",
    "PSR_RULE",
    "SHOWN",
    "STATUSES",
    "VALUE_RANGES",
    "CashMapping",
    "InterSpread",
    "ProductParams",
    "PsrRule",
    "RiskArray",
    "ScanSpread",
    "SpanParams",
    "ValueSource",
    "calibrated_span_params",
    "default_span_params",
    "load_span_params",
    "one_day_move_bp",
    "read_span_params",
    "save_span_params",
]


# ---------------------------------------------------------------------------------------------
# file format


def save_span_params(params: SpanParams, path: str | Path) -> None:
    """Write ``params`` as the long CSV described in the module docstring; text cells that a
    spreadsheet would read as a formula get a leading apostrophe (:mod:`xmsim.formula`), which
    the reader drops again."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([neutralise_text(c) for c in row] for row in _rows(params))
    Path(path).write_text(buf.getvalue(), encoding="utf-8")


def _build(r: _Reader) -> SpanParams:
    if "" not in r.values["meta"]:
        raise ValueError(f"{r.name}: no meta lines (label, asof, ...)")
    products = tuple(
        ProductParams(code, *(r.number("product", code, f) for f in _FIELDS["product"]))
        for code in r.values["product"]
    )
    cash_map = tuple(_cash_mapping(r, cusip) for cusip in r.values["cash_map"])
    ccs = set(r.values["product"])

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
        basis, line = r.get("scan_spread", key, "basis")
        if basis not in BASES:
            raise r.error(line, f"scan_spread {key}: basis must be in {BASES}")
        rate = r.number("scan_spread", key, "credit_rate")
        scans.append(ScanSpread(key, legs, ratios, rate, prio, basis))
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
    months = tuple(_month_array(r, key) for key in r.values["risk_array"])
    asof_text, line = r.get("meta", "", "asof")
    try:
        asof = dt.date.fromisoformat(asof_text)
    except ValueError:
        raise r.error(line, f"asof {asof_text!r} is not YYYY-MM-DD") from None
    shown, line = r.get("meta", "", "shown")
    if shown not in SHOWN:
        raise r.error(line, f"shown must be one of {SHOWN}, got {shown!r}")
    account_type, line = r.get("meta", "", "account_type")
    if account_type not in ACCOUNT_TYPE_CHOICES:
        raise r.error(
            line, f"account_type must be one of {ACCOUNT_TYPE_CHOICES}, got {account_type!r}"
        )
    meta = {f: r.number("meta", "", f) for f in _META_NUMBERS}
    try:
        return SpanParams(
            label=r.get("meta", "", "label")[0],
            asof=asof,
            products=products,
            scan_spreads=tuple(sorted(scans, key=lambda s: s.priority)),
            inter_spreads=tuple(sorted(inters, key=lambda s: s.priority)),
            cash_map=cash_map,
            account_type=account_type,
            shown=shown,
            fractional_spreads=r.flag("meta", "", "fractional_spreads"),
            round_arrays_to_usd=r.flag("meta", "", "round_arrays_to_usd"),
            **meta,
            sources=tuple(r.sources),
            month_arrays=months,
        )
    except ValueError as exc:
        raise ValueError(f"{r.name}: {exc}") from None


_META_NUMBERS = (
    "initial_member", "initial_non_hrp", "initial_hrp", "cash_basis_rate", "extreme_multiple",
    "extreme_cover",
)  # fmt: skip


def _cash_mapping(r: _Reader, cusip: str) -> CashMapping:
    contract, line = r.get("cash_map", cusip, "contract")
    if contract not in r.values["product"]:
        raise r.error(line, f"cash_map {cusip}: contract {contract!r} has no product lines")
    month, line = r.get("cash_map", cusip, "month")
    try:
        first = dt.date.fromisoformat(f"{month.strip()}-01")
    except ValueError:
        raise r.error(line, f"cash_map {cusip}: month {month!r} is not YYYY-MM") from None
    return CashMapping(cusip, contract, first, r.number("cash_map", cusip, "conversion_factor"))


def _text_of(path_or_text: str | Path | bytes, name: str | None = None) -> tuple[str, str]:
    if isinstance(path_or_text, bytes | bytearray):
        return decode(bytes(path_or_text)), name or "<uploaded parameters>"
    if isinstance(path_or_text, Path) or "\n" not in str(path_or_text):
        try:
            data = read_source(path_or_text, what="SPAN parameter file")
        except TableError as exc:
            raise ValueError(str(exc)) from None
        return decode(data), name or str(path_or_text)
    return str(path_or_text), name or "<span params text>"


def _month_array(r: _Reader, key: str) -> RiskArray:
    """A ``risk_array`` entry: key ``CODE:CCYYMM``, value 16 losses ``v1|v2|...`` [USD]."""
    text, line = r.get("risk_array", key, "losses")
    code, _, month = key.partition(":")
    try:
        losses = tuple(float(v) for v in text.split("|"))
        if len(losses) != 16 or not month.isdigit() or code not in r.values["product"]:
            raise ValueError
    except ValueError:
        raise r.error(line, f"risk_array {key!r}: write key CODE:CCYYMM of a product with "
                            "product lines and 16 losses v1|...|v16 [USD]") from None  # fmt: skip
    return RiskArray(code, int(month), losses)


def _csv_or_span_file(
    path_or_text: str | Path | bytes, name: str | None
) -> tuple[str, str] | SpanFileData:
    """(CSV text, name) for xmsim's CSV (also zipped), else CME's SPAN file, streamed."""
    if isinstance(path_or_text, bytes | bytearray):
        data, label = bytes(path_or_text), name or "<uploaded parameters>"
        kind = span_file_kind(label, data[:512])
        inner = zip_csv_member(io.BytesIO(data)) if kind == "zip" else None
        if kind is None or inner is not None:
            return (inner, label) if inner is not None else _text_of(data, label)
        return read_span_file(data, label)
    path = Path(path_or_text) if "\n" not in str(path_or_text) else None
    if path is None or not path.is_file():
        return _text_of(path_or_text, name)
    with path.open("rb") as f:
        kind = span_file_kind(path.name, f.read(512))
    inner = zip_csv_member(path) if kind == "zip" else None
    if kind is None or inner is not None:
        return (inner, name or str(path)) if inner is not None else _text_of(path, name)
    return read_span_file(path, name)


def load_span_params(
    path_or_text: str | Path | bytes, name: str | None = None, *, base: SpanParams | None = None
) -> SpanParams:
    """Read a parameter set: xmsim's CSV, or CME's SPAN file (``.pa2``, ``.spn``, zipped or not).

    Parameters
    ----------
    path_or_text : a file path, the CSV text itself, or a file's bytes (an upload).
    name : the file name for bytes (its suffix picks the format; the content decides when it
        does not tell) and for messages; default the path's name.
    base : for CME files, the set supplying what the file does not carry (each contract's
        ``point_years``, the cash-vs-futures basis rate, xmsim's ASSUMED DV01-matched curve
        spread, the account types' initial/maintenance multipliers); default
        :func:`default_span_params`. See :mod:`xmsim.engines.span.files_convert`.

    Raises ``ValueError`` naming the line for unknown tables, fields or contracts, missing
    values, duplicates, unreadable numbers and values outside :data:`VALUE_RANGES`; for SPAN
    files naming the line, record and field.
    """
    source = _csv_or_span_file(path_or_text, name)
    if isinstance(source, SpanFileData):
        return span_params_from_file(source, base or default_span_params())
    return _build(_read_lines(*source))


def read_span_params(
    path_or_text: str | Path | bytes, name: str | None = None
) -> tuple[SpanParams, tuple[str, ...]]:
    """Like :func:`load_span_params`, but a bad CSV line costs only its value.

    Every bad line is skipped and named in a warning; a value lost that way is taken from the
    shipped default (status ASSUMED, the source naming the line), so one typo does not reject
    the file. ``ValueError`` only when the file as a whole cannot be read (no header, or a
    value lost that the default does not have). A CME SPAN file is read whole (a bad record
    rejects it); its load notes (what was skipped or simplified) come back as the warnings.

    Returns
    -------
    (the parameter set, one warning per bad line: line, value, what is wrong, what was used).
    """
    source = _csv_or_span_file(path_or_text, name)
    if isinstance(source, SpanFileData):
        params = span_params_from_file(source, default_span_params())
        return params, tuple(f"{source.name}: {note}" for note in source.notes)
    text, name = source
    problems: list = []
    reader = _read_lines(text, name, problems)
    default = _default_reader()
    warnings = []
    for line, where, message in problems:
        used = "the line is skipped"
        if where is not None:
            table, key, field = where
            fallback = default.values.get(table, {}).get(key, {}).get(field)
            have = reader.values.get(table, {}).setdefault(key, {}) if fallback else {}
            if fallback is not None and field not in have:
                have[field] = (fallback[0], line)
                reader.first_line.setdefault((table, key), line)
                note = f"shipped default used: line {line} of {name} unreadable"
                reader.sources.append(ValueSource(table, key, field, "ASSUMED", note))
                used = f"the shipped default {fallback[0]} (ASSUMED) is used"
        warnings.append(f"{name} line {line}: {message}; {used}: correct the line")
    for table in reader.values:
        for key in [k for k, v in reader.values[table].items() if not v]:
            del reader.values[table][key]
    try:
        return _build(reader), tuple(warnings)
    except ValueError as exc:
        if not warnings:
            raise
        error = exc
    # the product table last: it is the one the others refer to
    for table in sorted((t for t in default.values if t != "meta"), key=lambda t: t == "product"):
        trial = _with_default_table(reader, default, table)
        try:
            params = _build(trial)
        except ValueError:
            continue
        warnings.append(
            f"{name}: the {table} lines do not fit together ({error}); the shipped default "
            f"{table} table (ASSUMED) is used instead: correct those lines"
        )
        return params, tuple(warnings)
    raise ValueError(f"{error} (after skipping: {'; '.join(warnings[:3])})") from None


def _with_default_table(reader: _Reader, default: _Reader, table: str) -> _Reader:
    """A copy of ``reader`` whose ``table`` is the shipped default's (marked ASSUMED)."""
    trial = copy.copy(reader)
    trial.values = {**reader.values, table: copy.deepcopy(default.values[table])}
    note = f"shipped default: the {table} lines of {reader.name} do not fit together"
    trial.sources = [x for x in reader.sources if x.table != table] + [
        dataclasses.replace(x, status="ASSUMED", source=note)
        for x in default.sources
        if x.table == table
    ]
    trial.first_line = {**reader.first_line, **default.first_line}
    return trial


@cache
def _default_reader() -> _Reader:
    return _read_lines(_default_text(), "span_params_default.csv")


def _default_text() -> str:
    return resources.files("xmsim.data").joinpath("span_params_default.csv").read_text("utf-8")


@cache
def default_span_params() -> SpanParams:
    """The shipped ILLUSTRATIVE parameter set (not official CME levels), as of 2026-07-31."""
    return _build(_read_lines(_default_text(), "span_params_default.csv"))
