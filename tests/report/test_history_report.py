"""The history page's figures and tables against the frame they draw (a hand-made one)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from xmsim.report.figures import BINDING_NAMES, history_dollars_figure, history_savings_figure
from xmsim.report.history_tables import history_csv, history_dates_display


def _frame() -> pd.DataFrame:
    binding = ["cap", "cap", "FICC model", "FICC model", "do no harm", "cap"]
    return pd.DataFrame({
        "date": ["2024-06-03", "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07",
                 "2024-06-10"],
        "savings_ficc_model": [0.9, 0.85, 0.6, 0.55, -0.1, 0.82],
        "savings_cme_model": [0.88, 0.81, 0.7, 0.75, 0.3, 0.9],
        "applied": [0.8, 0.8, 0.6, 0.55, 0.0, 0.8],
        "binding": binding,
        "ficc_standalone": [1e6] * 6, "ficc_requirement": [2e5] * 6,
        "cme_standalone": [2e6] * 6, "cme_requirement": [4e5] * 6,
        "total_before": [3e6] * 6, "total_after": [6e5] * 6,
        "savings_usd": [2.4e6, 2.4e6, 1.8e6, 1.65e6, 0.0, 2.4e6],
        "reason": ["=cmd"] * 6,  # a formula-looking text cell: neutralised on export
        "var_exception": [False, True, False, False, False, True],
        "span_exception": [False, False, False, True, False, False],
    })  # fmt: skip


def test_savings_figure_draws_the_frame_shades_each_run_and_marks_exceptions():
    frame = _frame()
    fig = history_savings_figure(frame, cap=0.8)
    traces = {t.name: t for t in fig.data}
    assert list(traces["applied %"].y) == list(frame.applied)
    assert list(traces["FICC's model savings"].y) == list(frame.savings_ficc_model)
    var = traces["VaR backtest exception"]
    assert [str(x)[:10] for x in var.x] == ["2024-06-04", "2024-06-10"]
    assert list(var.y) == [0.8, 0.8]
    assert len(traces["SPAN backtest exception"].x) == 1
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [s.name for s in rects] == [BINDING_NAMES[b] for b in
                                       ("cap", "FICC model", "do no harm", "cap")]  # fmt: skip
    assert [s.showlegend for s in rects] == [True, True, True, False]
    # the runs tile the dates without gaps: each ends where the next begins
    assert all(a.x1 == b.x0 for a, b in itertools.pairwise(rects))
    cap = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(cap) == 1 and cap[0].y0 == cap[0].y1 == 0.8


def test_dollars_figure_and_tables_are_for_people():
    frame = _frame()
    fig = history_dollars_figure(frame)
    assert list({t.name: t for t in fig.data}["dollars saved"].y) == list(frame.savings_usd)
    table = history_dates_display(frame)
    assert list(table.columns[:4]) == ["Date", "FICC's model savings", "CME's model savings",
                                       "Applied"]  # fmt: skip
    assert table.iloc[0].tolist()[:4] == ["03 Jun 2024", "90.00%", "88.00%", "80.00%"]
    assert table["Dollars saved"].iloc[2] == "$1,800,000"  # whole dollars
    assert table["Backtest exceptions"].tolist() == ["none", "VaR", "none", "SPAN", "none", "VaR"]
    assert not any("_" in c for c in table.columns)
    text = history_csv(frame).decode()
    assert "'=cmd" in text and "-0.1" in text  # text neutralised, numbers kept
    assert np.isclose(pd.read_csv(pd.io.common.StringIO(text)).applied.sum(), frame.applied.sum())
