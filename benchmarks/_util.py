"""Shared timing helpers for the benchmark scripts (prints only; nothing here asserts on time)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout, uninstalled
    sys.path.insert(0, str(ROOT))


def best_of(fn: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls [s] (time.perf_counter) and the last call's result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def once(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall time of a single call [s] and its result (for first-call / cold timings)."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def target(seconds: float, limit: float) -> str:
    """``"(target < 0.5 s: met)"``-style suffix; informational only."""
    verdict = "met" if seconds < limit else "MISSED"
    unit = f"{limit * 1e3:g} ms" if limit < 1 else f"{limit:g} s"
    return f"(target < {unit}: {verdict})"


def fmt_s(seconds: float) -> str:
    """Seconds as ``12.3 ms`` or ``1.23 s``."""
    return f"{seconds * 1e3:8.1f} ms" if seconds < 1 else f"{seconds:8.2f} s "
