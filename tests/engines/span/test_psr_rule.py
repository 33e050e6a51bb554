"""The default PSRs follow the one stated rule: re-derived here from the real history file.

Independent of the library's calibration path: the CSV is read with pandas, the 1-day changes
interpolated by hand between the published tenors, the quantile taken with NumPy.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from xmsim.arrangement.models import bucket_dv01s
from xmsim.contracts import get_contract
from xmsim.engines.span.params_io import PSR_RULE, default_span_params
from xmsim.marketdata.defaults import default_curve

COLUMNS = {"3 Mo": 0.25, "1 Yr": 1, "2 Yr": 2, "3 Yr": 3, "5 Yr": 5, "7 Yr": 7, "10 Yr": 10,
           "20 Yr": 20, "30 Yr": 30}  # fmt: skip


def move_bp(frame: pd.DataFrame, years: float) -> float:
    """99% of |1-day change| [bp] of the par yield at ``years``, linear between columns."""
    tenors = sorted(COLUMNS.items(), key=lambda kv: kv[1])
    for (c0, t0), (c1, t1) in itertools.pairwise(tenors):
        if t0 <= years <= t1:
            w = (years - t0) / (t1 - t0)
            series = (1 - w) * frame[c0] + w * frame[c1]
            return float(np.quantile(np.abs(np.diff(series.to_numpy()) * 100), PSR_RULE.quantile))
    raise AssertionError(years)


def test_default_psrs_are_the_rule_applied_to_the_real_history(shared_history_path):
    raw = pd.read_csv(shared_history_path)
    raw["Date"] = pd.to_datetime(raw["Date"], format="%m/%d/%y")
    raw = raw.sort_values("Date")
    w = raw[
        (raw["Date"] >= pd.Timestamp(PSR_RULE.start)) & (raw["Date"] <= pd.Timestamp(PSR_RULE.end))
    ]
    assert w[list(COLUMNS)].notna().all().all()  # no gaps in the window: no fill rule involved
    dv01 = bucket_dv01s(default_curve())
    params = default_span_params()
    for p in params.products:
        d = dv01.get(p.code, get_contract(p.code).usd_per_bp)
        expected = round(move_bp(w, p.point_years) * d * PSR_RULE.multiplier / 10) * 10
        assert p.psr_usd == pytest.approx(expected), p.code
        src = params.source_of("product", p.code, "psr_usd")
        assert src.status == "CALIBRATED" and "illustrative" in src.source
    assert "not official CME levels" in params.label


def test_default_psrs_are_consistent_with_the_rule():
    """Every contract's PSR is the same multiple of its 99% move (the issue: 0.74x to 2.7x)."""
    assert PSR_RULE.multiplier == 2.0 and PSR_RULE.quantile == 0.99
    assert (PSR_RULE.start.year, PSR_RULE.end.year) == (2015, 2024)
