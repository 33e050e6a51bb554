"""What-if and scenario results as text: signed changes, the margin-vs-saving sentence and the
side-by-side comparison formatted for people (numbers from :mod:`xmsim.whatif`)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from xmsim.report.tables import PCT_KEYS, fmt_pct, fmt_usd

MINUS = "−"  # U+2212: a real minus sign, never "$-0"


def fmt_usd_change(value: float) -> str:
    """A signed change in whole dollars: ``+$1,234``, ``−$1,234``, ``$0`` (never ``$-0``)."""
    whole = round(value)
    if whole == 0:
        return "$0"
    return f"+${whole:,.0f}" if whole > 0 else f"{MINUS}${-whole:,.0f}"


def fmt_pp_change(value: float) -> str:
    """A signed change of a fraction in percentage points: ``+1.25 pp``, ``−0.40 pp``,
    ``0.00 pp``."""
    pp = round(value * 100, 2)
    if pp == 0:
        return "0.00 pp"
    return f"+{pp:.2f} pp" if pp > 0 else f"{MINUS}{-pp:.2f} pp"


def effect_text(effect: Mapping[str, float]) -> str:
    """One sentence on :func:`xmsim.whatif.margin_effect`: the margin to post and the saving
    are two numbers, said apart (a rising saving does not mean less margin)."""
    margin, stand = effect["total_margin_change_usd"], effect["standalone_change_usd"]
    saved, d_saved = effect["saved_usd"], effect["saved_change_usd"]
    if round(margin) > 0:
        head = f"Total margin to post rises by {fmt_usd(margin)}"
    elif round(margin) < 0:
        head = f"Total margin to post falls by {fmt_usd(-margin)}"
    else:
        head = "Total margin to post is unchanged"
    if round(d_saved) > 0:
        saving = f"the arrangement saves {fmt_usd(d_saved)} more ({fmt_usd(saved)} in all)"
    elif round(d_saved) < 0:
        saving = f"the arrangement saves {fmt_usd(-d_saved)} less ({fmt_usd(saved)} in all)"
    else:
        saving = f"the arrangement saves the same ({fmt_usd(saved)})"
    tail = (
        f"; without the arrangement the change would be {fmt_usd_change(stand)} "
        "(margin change = standalone change − change in the saving)."
    )
    joint = " although " if round(margin) > 0 and round(d_saved) > 0 else "; "
    return head + joint + saving + tail


def scenario_display(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`xmsim.whatif.compare_scenarios` as text: dollars whole, percentages to 0.01,
    changes signed (``+$1,234``, ``−0.40 pp``); index = the metric labels."""
    out = pd.DataFrame(index=pd.Index(frame["metric"], name=""))
    for col in frame.columns[1:]:
        delta = str(col).startswith("Δ ")
        cells = []
        for key, value in zip(frame.index, frame[col], strict=True):
            pct = key in PCT_KEYS
            if delta:
                cells.append(fmt_pp_change(value) if pct else fmt_usd_change(value))
            else:
                cells.append(fmt_pct(value) if pct else fmt_usd(value))
        out[col] = cells
    return out
