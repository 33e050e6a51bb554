"""The reading path of the SPAN parameter CSV (format in :mod:`xmsim.engines.span.params_io`):
lines streamed through :mod:`xmsim.upload.table`, each line checked on its own (table, field,
contract, status, duplicate, and numbers against :data:`VALUE_RANGES`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from xmsim.contracts import canonical_code, contract_table
from xmsim.engines.span.params import (
    _FIELDS,
    _OPTIONAL,
    ACCOUNT_TYPE_CHOICES,
    BASES,
    HEADER,
    SHOWN,
    STATUSES,
    ValueSource,
)
from xmsim.formula import restore
from xmsim.upload.table import LineProblem, iter_records, split_line


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
        if math.isnan(value) and (table, field) == ("product", "point_years"):
            return value  # the optional default: the contract takes no cash
        if not math.isfinite(value):
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


VALUE_RANGES: Mapping[str, tuple[float, float]] = {
    "psr_usd": (0.0, 1e6), "intra_spread_usd": (0.0, 1e6), "spot_usd": (0.0, 1e6),
    "initial_member": (1.0, 10.0), "initial_non_hrp": (1.0, 10.0), "initial_hrp": (1.0, 10.0),
    "cash_basis_rate": (0.0, 1.0), "point_years": (0.01, 100.0),
    "conversion_factor": (0.01, 10.0), "extreme_multiple": (0.0, 100.0),
    "extreme_cover": (0.0, 1.0), "credit_rate": (0.0, 1.0), "rate": (0.0, 1.0),
    "priority": (0.0, 1e6),
}  # fmt: skip
"""Accepted range of each numeric field of the file [the field's unit]; a value outside is an
error on its line (the charges are USD per contract, so 1e6 is far beyond any real PSR)."""


def _text_problem(field: str, value: str) -> str | None:
    """Why one non-numeric value is unacceptable, or None."""
    if len(value) > 1000:
        return f"{field}: a {len(value):,}-character value is beyond the 1,000-character limit"
    if field in ("fractional_spreads", "round_arrays_to_usd") and value.lower() not in (
        "true",
        "false",
    ):
        return f"{field}: expected true or false, got {value[:40]!r}"
    choices = {"shown": SHOWN, "basis": BASES, "account_type": ACCOUNT_TYPE_CHOICES}.get(field)
    if choices and value not in choices:
        return f"{field} must be one of {choices}, got {value[:40]!r}"
    if field == "asof":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"asof {value[:40]!r} is not YYYY-MM-DD"
    if field == "contract" and canonical_code(value) != value:
        return f"contract {value[:40]!r} is not a contract code; known: {list(contract_table())}"
    if field == "legs":
        for part in value.split("|"):
            code, _, ratio = part.partition(":")
            try:
                ok = math.isfinite(float(ratio)) and float(ratio) > 0 and code.strip()
            except ValueError:
                ok = False
            if not ok:
                return f"legs {value[:40]!r}: write CODE:RATIO|CODE:RATIO with positive ratios"
    return None


def _value_problem(field: str, value: str) -> str | None:
    """Why one value is unacceptable, or None (cross-line rules are checked by _build)."""
    if field not in VALUE_RANGES:
        return _text_problem(field, value)
    lo, hi = VALUE_RANGES[field]
    try:
        number = float(value)
    except ValueError:
        return f"{field} {value[:40]!r} is not a number"
    if not math.isfinite(number):
        return f"{field} {value[:40]!r} is not finite"
    if not lo <= number <= hi:
        return f"{field} {value[:40]!r} is outside the accepted range {lo:g} to {hi:g}"
    return None


def _line_problem(reader: _Reader, cells: list[str]) -> str | None:
    table, key, field, value, status, _ = cells[: len(HEADER)]
    if table == "cash_bucket":
        return (
            "cash_bucket rows are no longer read: cash enters SPAN as futures equivalents at "
            "each product's point_years; delete these lines (or use cash_map rows)"
        )
    if table not in _FIELDS:
        return f"unknown table {table!r}; expected one of {list(_FIELDS)}"
    if field not in _FIELDS[table]:
        return f"unknown field {field!r} for {table}: {_FIELDS[table]}"
    if table == "product" and canonical_code(key) != key:
        return f"unknown contract {key!r}; known: {list(contract_table())}"
    if value == "":
        return f"{table} {key} {field}: the value is empty"
    if (status.upper() or "USER") not in STATUSES:
        return f"status {status.upper()!r} is not one of {STATUSES}"
    if field in reader.values[table].get(key, {}):
        return f"{table} {key} {field} given twice"
    if (problem := _value_problem(field, value)) is not None:
        return f"{table} {key} {problem}"
    return None


def _read_lines(text: str, name: str, problems: list | None = None) -> _Reader:
    """The values of a file's lines. ``problems`` None: the first bad line raises; a list: each
    bad line is appended as ``(line, (table, key, field), message)`` and skipped."""
    reader = _Reader(name)
    header_seen = False
    for record in iter_records(text, width=len(HEADER), what="SPAN parameter file"):
        if isinstance(record, LineProblem):
            if problems is None or not header_seen:
                raise reader.error(record.line, record.message)
            cells = [c.strip() for c in split_line(record.text)]
            where = tuple(cells[:3]) if len(cells) >= 3 else None
            problems.append((record.line, where, record.message))
            if where and where[0] in reader.values:
                reader.values[where[0]].setdefault(where[1], {})
                reader.first_line.setdefault(where[:2], record.line)
            continue
        lineno, cells = record
        if not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue
        cells = [restore(c.strip()) for c in cells]
        if not header_seen:
            if tuple(cells[: len(HEADER)]) != HEADER:
                raise reader.error(lineno, f"header must be {','.join(HEADER)}")
            header_seen = True
            continue
        cells += [""] * (len(HEADER) - len(cells))
        table, key, field, value, status, source = cells[: len(HEADER)]
        if (problem := _line_problem(reader, cells)) is not None:
            if problems is None:
                raise reader.error(lineno, problem)
            problems.append((lineno, (table, key, field), problem))
            if table in reader.values:  # keep the entity's place in file order
                reader.values[table].setdefault(key, {})
                reader.first_line.setdefault((table, key), lineno)
            continue
        entity = reader.values[table].setdefault(key, {})
        reader.first_line.setdefault((table, key), lineno)
        entity[field] = (value, lineno)
        reader.sources.append(ValueSource(table, key, field, status.upper() or "USER", source))
    if not header_seen:
        raise ValueError(f"{name}: empty parameter file (expected header {','.join(HEADER)})")
    return reader
