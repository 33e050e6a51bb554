"""Spreadsheet formula injection (OWASP CSV injection): the cell rule, in the lowest layer so
that every writer uses it (the report's CSV/XLSX exports through :mod:`xmsim.report.safe`, the
SPAN parameter file through :func:`xmsim.engines.span.params_io.save_span_params`).

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is read as a
formula by spreadsheets; it is written with a leading apostrophe. Numbers are never touched.
Files xmsim reads back (the SPAN parameter CSV) drop that apostrophe again (:func:`restore`).
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is read as a formula by spreadsheets."""


def neutralise(value: object) -> object:
    """``'=1+1`` for ``=1+1``; any non-text value (numbers, dates, None) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_text(text: str) -> str:
    """For writers whose cells are all text: neutralise ``text`` unless it reads as a number
    or a ``|``-separated list of numbers (a risk array), so ``-533`` stays ``-533``."""
    try:
        [float(part) for part in text.split("|")]
    except ValueError:
        return str(neutralise(text))
    return text


def restore(text: str) -> str:
    """The cell as written before :func:`neutralise`: ``=1+1`` for ``'=1+1``."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


__all__ = ["FORMULA_PREFIXES", "neutralise", "neutralise_text", "restore"]
