"""Shared fixtures. Real history lives in ../shared/data and is never copied into the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_portfolios"
SHARED_HISTORY = ROOT.parent / "shared" / "data" / "ust_par_yield_curve_1990_2024.csv"


def _require(env: str) -> bool:
    return os.environ.get(env, "").strip() not in ("", "0", "false")


@pytest.fixture(scope="session")
def shared_history_path() -> Path:
    """Path of the real Treasury par-curve history; skip (or fail under CI) when absent."""
    if not SHARED_HISTORY.is_file():
        message = f"real history not found at {SHARED_HISTORY}"
        if _require("XMSIM_REQUIRE_SHARED_DATA"):
            pytest.fail(message + " (XMSIM_REQUIRE_SHARED_DATA is set)")
        pytest.skip(message)
    return SHARED_HISTORY


def shared_file(name: str) -> Path:
    """Path of a real series in ../shared/data (``name``); skip (or fail under CI) when absent."""
    path = SHARED_HISTORY.parent / name
    if not path.is_file():
        message = f"real series not found at {path}"
        if _require("XMSIM_REQUIRE_SHARED_DATA"):
            pytest.fail(message + " (XMSIM_REQUIRE_SHARED_DATA is set)")
        pytest.skip(message)
    return path
