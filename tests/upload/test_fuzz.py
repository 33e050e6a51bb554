"""Seeded fuzzing of every tabular input (issue 19, "Must hold"): 2,000+ generated portfolio
(CSV and XLSX), history and SPAN parameter files per run. For each file: no uncaught exception,
no whole-file rejection of a file with a readable row, and no row lost without a message.
A bigger run: ``python benchmarks/fuzz_inputs.py``."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from importlib import resources

import pytest

from tests.fuzzgen import history_csv, portfolio_csv, portfolio_xlsx, span_csv
from xmsim.engines.span.params_io import read_span_params
from xmsim.marketdata.history import HistoryFormatError, read_history
from xmsim.upload.loader import load_portfolio

ASOF = dt.date(2026, 7, 31)
COUNTS = {"portfolio_csv": 850, "portfolio_xlsx": 400, "history_csv": 500, "span_csv": 250}
SPAN_LINES = resources.files("xmsim.data").joinpath("span_params_default.csv").read_text("utf-8")


def check_portfolio(data: bytes, expected: dict[int, bool], name: str) -> None:
    res = load_portfolio(data, asof=ASOF, filename=name)
    loaded = {p.row for p in res.portfolio}
    named = {i.row for i in res.issues}
    lost = [r for r in expected if r not in loaded and r not in named]
    assert not lost, f"rows lost without a message: {lost}: {res.issues}"
    missing = [r for r, ok in expected.items() if ok and r not in loaded]
    assert not missing, f"valid rows not loaded: {missing}: {res.issues}"


def check_history(data: bytes, expected: dict[int, bool]) -> None:
    try:
        loaded = read_history(data, name="h.csv")
    except HistoryFormatError as exc:
        assert not any(expected.values()), f"file with readable rows rejected: {exc}"
        return
    notes = " ".join(loaded.notes)
    named = {int(n) for n in re.findall(r"line (\d+)[,:]", notes)}
    bad = [line for line, ok in expected.items() if not ok]
    assert set(bad) <= named, f"rows skipped without a message: {set(bad) - named}: {notes}"
    assert loaded.history.dates.size == sum(expected.values())


def check_span(data: bytes, expected: dict[int, bool]) -> None:
    text = data.decode("latin-1")
    params, warnings = read_span_params(text)
    named = {int(n) for n in re.findall(r"line (\d+):", " ".join(warnings))}
    lines = text.splitlines()
    replaced = {m for m in re.findall(r"the (\w+) lines do not fit together", " ".join(warnings))}
    bad = {n for n, ok in expected.items() if not ok and lines[n - 1].split(",")[0] not in replaced}
    assert bad <= named, f"lines lost without a message: {bad - named}"
    json.dumps([p.psr_usd for p in params.products], allow_nan=False)


def fuzz(counts: dict[str, int], seed: int) -> int:
    """Generate and check ``counts`` files per class; returns how many were checked."""
    rng = random.Random(seed)
    span_lines = SPAN_LINES.splitlines()
    total = 0
    for _ in range(counts["portfolio_csv"]):
        check_portfolio(*portfolio_csv(rng), "p.csv")
    for _ in range(counts["portfolio_xlsx"]):
        check_portfolio(*portfolio_xlsx(rng), "p.xlsx")
    for _ in range(counts["history_csv"]):
        check_history(*history_csv(rng))
    for _ in range(counts["span_csv"]):
        check_span(*span_csv(rng, span_lines))
    total += sum(counts.values())
    return total


@pytest.mark.parametrize("seed", [19])
def test_fuzzed_inputs_never_raise_never_reject_a_readable_file_never_lose_a_row(seed):
    assert fuzz(COUNTS, seed) >= 2000
