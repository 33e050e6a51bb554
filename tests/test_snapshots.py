"""Behaviour snapshot: every sample's run/risk/optimize output equals the recorded one.

A deliberate change of the numbers re-records them (``python scripts/record_snapshots.py``) in its
own commit, whose message says what moved and why.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "record_snapshots", ROOT / "scripts" / "record_snapshots.py"
)
snap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snap)


@pytest.mark.parametrize("name", sorted(snap.cases()))
def test_output_equals_snapshot(name: str) -> None:
    expected = (snap.SNAPSHOTS / f"{name}.txt").read_text()
    assert snap.capture(snap.cases()[name]) == expected
