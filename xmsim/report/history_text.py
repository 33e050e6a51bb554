"""The ``history`` command's readable output: rule, summary, backtests, fallback, dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xmsim.report.text import _grid, pct, usd
from xmsim.timeline.engine import HistoryRun


def _test_line(name: str, b: dict) -> str:
    if not b["n"]:
        return f"{name}: no date with a known realised P&L"
    verdict = lambda rej: "rejected" if rej else "not rejected"  # noqa: E731
    return (
        f"{name} ({b['horizon_days']}-day P&L): {b['exceptions']} exceptions in {b['n']} dates "
        f"({b['rate']:.2%}, expected {b['expected_rate']:.0%}; {b['band_level']:.0%} band "
        f"{b['band'][0]}-{b['band'][1]}); Kupiec LR {b['kupiec_lr']:.2f} p {b['kupiec_p']:.3f} "
        f"{verdict(b['kupiec_reject'])}; Christoffersen LR {b['christoffersen_lr']:.2f} "
        f"p {b['christoffersen_p']:.3f} {verdict(b['christoffersen_reject'])}"
    )


def history_table(
    run: HistoryRun, frame: pd.DataFrame, summ: dict, back: dict, fallback: list, max_rows: int
) -> str:
    """Summary statistics, backtests, fallback rows and up to ``max_rows`` dates."""
    res = run.points[0].result
    a, s = summ["applied"], summ["savings_usd"]
    lines = [
        f"xmsim history — {summ['from']} to {summ['to']}, every {run.every} "
        f"({summ['n_dates']} dates, {res.settings.arrangement} arrangement, FICC = "
        f"{res.ficc_model.upper()}, CME = {res.cme_model.upper()}, cap {res.settings.cap:.0%})",
        f"book date {run.book_date}; {run.rule}",
    ]
    if run.strip:
        places = sorted({f"{r['contract']} {r['place']}" for r in run.strip})
        lines.append("futures strip places: " + ", ".join(places))
    lines += [
        "",
        f"applied %: mean {pct(a['mean'])}, min {pct(a['min'])}, p5 {pct(a['p5'])}, "
        f"median {pct(a['p50'])}, p95 {pct(a['p95'])}, max {pct(a['max'])}",
        f"dollars saved: mean {usd(s['mean'])}, min {usd(s['min'])}, p5 {usd(s['p5'])}, "
        f"median {usd(s['p50'])}, p95 {usd(s['p95'])}, max {usd(s['max'])}",
        "what bound: " + ", ".join(f"{k} {v:.0%}" for k, v in summ["binding_share"].items()),
        f"dates at the cap: {summ['dates_at_cap']}; dates with no saving: "
        f"{summ['dates_no_saving']}",
        "",
        _test_line("VaR backtest", back["var"]),
        _test_line("SPAN backtest", back["span"]) + f" [expected rate "
        f"{back['span_expected_rate_status']}]",
        f"({back['note']})",
    ]
    if "portfolio_differential_usd" in frame:
        pdc = frame.portfolio_differential_usd
        lines.append(
            f"Portfolio Differential (ASSUMED parameters): mean {usd(pdc.mean())}, "
            f"max {usd(pdc.max())} on top of the FICC requirement"
        )
    for f in fallback:
        lines.append(
            f"fallback {f['date']} [{f['account']}]: {f['reason']}; charged "
            f"{usd(f['charged_usd'])} against {usd(f['computed_usd'])} computed"
        )
    lines += ["", _dates_grid(frame, max_rows)]
    return "\n".join(lines) + "\n"


def _dates_grid(frame: pd.DataFrame, max_rows: int) -> str:
    idx = np.unique(np.linspace(0, len(frame) - 1, min(max_rows, len(frame))).round().astype(int))
    header = ["date", "FICC model", "CME model", "applied", "FICC after", "CME after",
              "saved", "bound", "exc"]  # fmt: skip
    rows = []
    for _, r in frame.iloc[idx].iterrows():
        exc = ("V" if r.var_exception else "") + ("S" if r.span_exception else "")
        rows.append([r.date, pct(r.savings_ficc_model), pct(r.savings_cme_model), pct(r.applied),
                     usd(r.ficc_requirement), usd(r.cme_requirement), usd(r.savings_usd),
                     r.binding, exc or "-"])  # fmt: skip
    note = (
        ""
        if len(idx) == len(frame)
        else (
            f"\n({len(idx)} of {len(frame)} dates shown, evenly spaced; "
            "--format csv has every date)"
        )
    )
    return _grid(header, rows) + "\n(exc: V = VaR exception, S = SPAN exception)" + note
