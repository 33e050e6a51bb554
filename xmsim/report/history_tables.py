"""A history run's tables for people: the summary statistics and one row per date.

Plain text cells (whole dollars, percentages with two decimals, dates as ``03 Jun 2024``),
headers in words. The numbers come from :mod:`xmsim.timeline.stats`; the app's page and any
report show these frames as they are.
"""

from __future__ import annotations

import pandas as pd

from xmsim.report.figures import BINDING_NAMES
from xmsim.report.safe import csv_bytes
from xmsim.report.tables import fmt_pct, fmt_usd

EVERY_WORDS = {"day": "daily", "week": "weekly", "month": "monthly"}


def _backtest_text(b: dict, expected: str) -> str:
    if not b["n"]:
        return "no date with a known realised P&L yet"
    verdict = "rejected" if b["kupiec_reject"] or b["christoffersen_reject"] else "not rejected"
    word = "exception" if b["exceptions"] == 1 else "exceptions"
    return (
        f"{b['exceptions']} {word} in {b['n']:,} dates ({b['rate']:.2%}; expected {expected}, "
        f"{b['band_level']:.0%} band {b['band'][0]}–{b['band'][1]}); Kupiec p = "
        f"{b['kupiec_p']:.3f}, Christoffersen p = {b['christoffersen_p']:.3f}: {verdict}"
    )


def history_summary_display(summ: dict, back: dict) -> pd.DataFrame:
    """The summary (:func:`~xmsim.timeline.stats.history_summary`) and the backtests
    (:func:`~xmsim.timeline.stats.history_backtest`) as (Statistic, Value) rows."""
    a, s = summ["applied"], summ["savings_usd"]
    every = EVERY_WORDS.get(summ["every"], summ["every"])
    span = " to ".join(pd.to_datetime([summ["from"], summ["to"]]).strftime("%d %b %Y"))
    rows = [
        ("Dates", f"{summ['n_dates']:,} ({every}, {span})"),
        ("Applied %: mean", fmt_pct(a["mean"])),
        ("Applied %: min / median / max",
         f"{fmt_pct(a['min'])} / {fmt_pct(a['p50'])} / {fmt_pct(a['max'])}"),
        ("Applied %: 5th / 95th percentile", f"{fmt_pct(a['p5'])} / {fmt_pct(a['p95'])}"),
        ("Dollars saved: mean", fmt_usd(s["mean"])),
        ("Dollars saved: min / median / max",
         f"{fmt_usd(s['min'])} / {fmt_usd(s['p50'])} / {fmt_usd(s['max'])}"),
        ("Dollars saved: 5th / 95th percentile", f"{fmt_usd(s['p5'])} / {fmt_usd(s['p95'])}"),
    ]  # fmt: skip
    for rule, share in summ["binding_share"].items():
        rows.append((f"Share of dates: {BINDING_NAMES.get(rule, rule)}", f"{share:.0%}"))
    rows += [
        ("Dates at the cap", f"{summ['dates_at_cap']:,}"),
        ("Dates with no saving", f"{summ['dates_no_saving']:,}"),
        (f"VaR backtest ({back['var']['horizon_days']}-day P&L)",
         _backtest_text(back["var"], f"{back['var']['expected_rate']:.0%}")),
        ("SPAN backtest (1-day P&L)",
         _backtest_text(back["span"], f"{back['span']['expected_rate']:.0%}, ASSUMED")),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["Statistic", "Value"])


DATE_COLUMNS = {
    "savings_ficc_model": "FICC's model savings",
    "savings_cme_model": "CME's model savings",
    "applied": "Applied",
    "binding": "What bound",
    "ficc_standalone": "FICC before",
    "ficc_requirement": "FICC after",
    "cme_standalone": "CME before",
    "cme_requirement": "CME after",
    "savings_usd": "Dollars saved",
}
"""The per-date columns shown, in order, and their headers."""


def history_dates_display(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per date of :func:`~xmsim.timeline.stats.history_frame`, formatted: the
    savings, what bound, each CCP before and after, dollars saved, the backtest exceptions."""
    out = pd.DataFrame({"Date": pd.to_datetime(frame.date).dt.strftime("%d %b %Y")})
    for col, name in DATE_COLUMNS.items():
        if col == "binding":
            out[name] = frame[col].map(lambda r: BINDING_NAMES.get(r, r))
        elif col in ("savings_ficc_model", "savings_cme_model", "applied"):
            out[name] = frame[col].map(fmt_pct)
        else:
            out[name] = frame[col].map(fmt_usd)
    out["Backtest exceptions"] = [
        ", ".join(n for n, hit in (("VaR", v), ("SPAN", s)) if hit) or "none"
        for v, s in zip(frame.var_exception, frame.span_exception, strict=True)
    ]
    return out


def history_csv(frame: pd.DataFrame) -> bytes:
    """Every column of :func:`~xmsim.timeline.stats.history_frame` (what ``history --format
    csv`` prints), through the neutralising CSV path (:mod:`xmsim.report.safe`)."""
    return csv_bytes(frame)
