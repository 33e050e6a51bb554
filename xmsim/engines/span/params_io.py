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

import copy
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

from xmsim.contracts import get_contract
from xmsim.engines.span._params_read import VALUE_RANGES, _read_lines, _Reader
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
from xmsim.upload.table import TableError, decode, read_source

__all__ = [
    "BASES",
    "DEFAULT_KEY_TENOR_YEARS",
    "HEADER",
    "SHOWN",
    "STATUSES",
    "VALUE_RANGES",
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
    "read_span_params",
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


def save_span_params(params: SpanParams, path: str | Path) -> None:
    """Write ``params`` as the long CSV described in the module docstring."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(_rows(params))
    Path(path).write_text(buf.getvalue(), encoding="utf-8")


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
    base : for CME files, the set supplying what the file does not carry (xmsim's cash buckets
        and their ASSUMED spreads, the initial/maintenance switch); default
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
    for table in ("cash_bucket", "scan_spread", "inter_spread", "product"):
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
