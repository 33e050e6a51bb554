"""Numbers as people read them: dollars (exact and compact), percentages, and back."""

from __future__ import annotations

import math

PCT_KEYS = ("savings_ficc_model", "savings_cme_model", "applied")
"""Result fields shown as percentages (the rest are dollars)."""


def fmt_usd(value: float) -> str:
    """``$1,234,567`` (whole dollars; ``-$5`` for negatives)."""
    return f"-${-value:,.0f}" if round(value) < 0 else f"${value:,.0f}"


_COMPACT_UNITS = ((1e3, "k"), (1e6, "m"), (1e9, "bn"), (1e12, "tn"))


def fmt_usd_compact(value: float) -> str:
    """Dollars in three significant figures for cards: ``$27.3m``, ``$2.99m``, ``$745k``,
    ``$1.50bn``; under $1,000 whole dollars (``$950``); ``-$158k`` for negatives; ``n/a`` when
    not finite. A figure that rounds to 1,000 of a unit moves up (``$999,999`` -> ``$1.00m``).
    The exact figure is :func:`fmt_usd`."""
    if not math.isfinite(value):
        return "n/a"
    sign, a = ("-" if round(value) < 0 else ""), abs(value)
    if round(a) < 1000:
        return f"{sign}${a:,.0f}"
    for unit, suffix in _COMPACT_UNITS:
        x = float(f"{a / unit:.3g}")  # three significant figures
        if x < 1000 or suffix == _COMPACT_UNITS[-1][1]:
            digits = 2 if x < 10 else 1 if x < 100 else 0
            return f"{sign}${x:,.{digits}f}{suffix}"
    raise AssertionError("unreachable")


def fmt_pct(value: float) -> str:
    """``43.26%`` from a fraction."""
    return f"{value:.2%}"


def fmt_value(key: str, value: float) -> str:
    """Format a :data:`SUMMARY_LABELS` value: percent for fractions, dollars otherwise."""
    return fmt_pct(value) if key in PCT_KEYS else fmt_usd(value)


def parse_display_number(text: str) -> float:
    """Inverse of :func:`fmt_usd` / :func:`fmt_pct` (fractions for ``%``)."""
    t = text.strip().replace(",", "").replace("$", "").replace("−", "-")
    if t.endswith("%"):
        return float(t[:-1]) / 100.0
    return float(t)


# ------------------------------------------------------------------------------ numbers
