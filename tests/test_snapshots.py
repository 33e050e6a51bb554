"""Behaviour snapshot: every sample's run/risk/optimize output equals the recorded one.

A deliberate change of the numbers re-records them (``python scripts/record_snapshots.py``) in its
own commit, whose message says what moved and why. The text must match exactly; each number to
:data:`REL_TOL` relative or :data:`ABS_TOL` absolute, because the last digits of a float move with
the NumPy and pandas a fresh machine installs (measured between NumPy 2.4 / pandas 3.1 and the
versions the snapshots were recorded with: at most 2.4e-10 relative on a margin, 7.5e-9 absolute
on a hedged book's residual DV01, which cancels to near zero).
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "record_snapshots", ROOT / "scripts" / "record_snapshots.py"
)
snap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snap)

REL_TOL = 1e-9
"""Relative tolerance of a snapshot's numbers."""
ABS_TOL = 1e-6
"""Absolute tolerance of a snapshot's numbers (dollars, or fractions of one)."""
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def differences(expected: str, got: str) -> list[str]:
    """Where ``got`` differs from ``expected``: its text (numbers masked) or a number beyond
    the tolerances; empty when they agree."""
    if NUMBER.sub("#", expected) != NUMBER.sub("#", got):
        return [f"text differs:\n--- expected\n{expected}\n--- got\n{got}"]
    out = []
    pairs = zip(NUMBER.findall(expected), NUMBER.findall(got), strict=True)  # same text
    for i, (a, b) in enumerate(pairs):
        if not math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL):
            out.append(f"number {i}: expected {a}, got {b}")
    return out


def test_differences_sees_text_and_numbers_beyond_tolerance() -> None:
    assert differences('{"a": 1.0000000001, "b": 2}', '{"a": 1.0000000002, "b": 2}') == []
    assert differences('{"a": 0.0017442815}', '{"a": 0.0017442740}') == []  # 7.5e-9 absolute
    moved = differences('{"a": 1.0001}', '{"a": 1.0002}')
    assert moved == ["number 0: expected 1.0001, got 1.0002"]
    assert differences('{"a": 1}', '{"b": 1}')
    assert differences('{"a": 1}', '{"a": 1, "b": 2}')


@pytest.mark.parametrize("name", sorted(snap.cases()))
def test_output_equals_snapshot(name: str) -> None:
    expected = (snap.SNAPSHOTS / f"{name}.txt").read_text()
    assert differences(expected, snap.capture(snap.cases()[name])) == []
