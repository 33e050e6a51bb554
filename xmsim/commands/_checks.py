"""Validation at the command line's edge: flag types and the parameters file's values.

Flags get argparse types that reject NaN, infinities and out-of-range values with the accepted
range in the message. A parameters file is checked key by key against :data:`PARAM_TYPES`
(derived from :data:`xmsim.config.SETTINGS`)
(unknown keys, wrong types, non-finite numbers, a stress window that is not two ISO dates and
unknown choices are errors naming ``section.key``, the value and the fix); the ranges of the
values themselves are checked where they live, by the settings dataclasses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math

from xmsim.config import SECTIONS, SETTINGS

CHOICES: dict[str, tuple[str, ...]] = {s.key: s.choices for s in SETTINGS if s.choices}
MAX_ACCOUNTS = 1_000_000
"""Default limit on the accounts of one run [accounts] (``run --max-accounts``): beyond it the
run stops with a message before margining anything (block-wise runs margin 100,000 one-future
accounts in about 20 s and 1 GB; the limit guards against an account column that is something
else)."""

"""Allowed values of the choice settings (CLI flags and parameters file alike)."""

PARAM_TYPES: dict[str, dict[str, str]] = {
    section: {s.key: s.kind_name for s in SETTINGS if s.section == section} for section in SECTIONS
}
"""Every key of the parameters file by section, with its kind, from :data:`xmsim.config.SETTINGS`
(a new setting is a row there: until it is, the file rejects the key as unknown, which keeps
typos from being ignored)."""


def finite_float(text: str) -> float:
    """An argparse type: a finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number: give a real value")
    return value


def nonnegative_float(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be >= 0")
    return value


def fraction(text: str) -> float:
    """An argparse type: a fraction in [0, 1]."""
    value = finite_float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} must be a fraction in [0, 1] (0.8 = 80%)")
    return value


def nonnegative_int(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be >= 0")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    value = nonnegative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be >= 1")
    return value


def param_problems(data: object) -> list[str]:
    """What is wrong with a parameters file's content (empty list: nothing)."""
    if not isinstance(data, dict):
        return [f"the file must hold sections {', '.join(PARAM_TYPES)}, not a {_kind(data)}"]
    problems = []
    for section, values in data.items():
        if section not in PARAM_TYPES:
            problems.append(f"unknown section [{section}]; use {', '.join(PARAM_TYPES)}")
        elif not isinstance(values, dict):
            problems.append(f"[{section}] must be a table of key = value, not a {_kind(values)}")
        else:
            for key, value in values.items():
                problem = _value_problem(section, key, value)
                if problem:
                    problems.append(f"{section}.{key} = {_show(value)}: {problem}")
    return problems


def _value_problem(section: str, key: str, value: object) -> str | None:
    kind = PARAM_TYPES[section].get(key)
    if kind is None:
        return f"unknown key; [{section}] takes {', '.join(PARAM_TYPES[section])}"
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a {kind}, got a {_kind(value)}"
        if not math.isfinite(value):
            return "not a finite number: give a real value"
        if kind == "integer" and not float(value).is_integer():
            return "expected a whole number"
    elif kind == "boolean" and not isinstance(value, bool):
        return f"expected true or false, got a {_kind(value)}"
    elif kind in ("text", "choice") and not isinstance(value, str):
        return f"expected text, got a {_kind(value)}"
    elif kind == "choice" and value not in CHOICES[key]:
        return f"use one of {', '.join(CHOICES[key])}"
    elif kind == "window":
        return window_problem(value)
    return None


def window_problem(value: object) -> str | None:
    """Why a stress window is not two ISO dates, start before end (None: it is)."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return 'give two dates, start and end, e.g. ["2008-09-01", "2009-03-31"]'
    try:
        start, end = (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in value)
    except ValueError:
        return 'dates must be YYYY-MM-DD, e.g. ["2008-09-01", "2009-03-31"]'
    if start >= end:
        return "the start must be before the end"
    return None


def _kind(value: object) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "text", list: "list"}
    return names.get(type(value), "table" if isinstance(value, dict) else type(value).__name__)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
