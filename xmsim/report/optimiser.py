"""The optimiser's results formatted for people: headers in words, whole dollars, signed
savings (numbers from :class:`xmsim.optimize.HedgeResult`)."""

from __future__ import annotations

import pandas as pd

from xmsim.report.scenarios import fmt_usd_change
from xmsim.report.tables import fmt_pct, fmt_usd

HEDGE_COLUMNS = {
    "case": "Case",
    "hedge": "Trades",
    "contracts": "Contracts",
    "ficc_requirement_usd": "FICC requirement",
    "cme_requirement_usd": "CME requirement",
    "ineligible_margin_usd": "Ineligible",
    "total_requirement_usd": "Total margin",
    "total_without_arrangement_usd": "Total without the arrangement",
    "savings_ficc_model": "Savings, FICC's model",
    "savings_cme_model": "Savings, CME's model",
    "applied": "Applied %",
    "saving_vs_as_is_usd": "Saving against as is",
    "residual_dv01_usd": "Residual DV01 ($ per bp)",
}
CASES = {"as is": "As is", "DV01-neutral": "DV01-neutral hedge", "optimal": "Best hedge"}


def hedge_display(result) -> pd.DataFrame:
    """``HedgeResult.to_frame()`` as text: one row per case, columns :data:`HEDGE_COLUMNS`."""
    frame = result.to_frame()
    out = pd.DataFrame(index=range(len(frame)))
    for key, label in HEDGE_COLUMNS.items():
        col = frame[key]
        if key == "case":
            out[label] = col.map(CASES).fillna(col)
        elif key == "hedge":
            out[label] = col.map(_trades_words)
        elif key in ("savings_ficc_model", "savings_cme_model", "applied"):
            out[label] = col.map(fmt_pct)
        elif key == "saving_vs_as_is_usd":
            out[label] = col.map(fmt_usd_change)
        elif key == "contracts":
            out[label] = col.map(lambda v: f"{v:,.0f}")
        elif key == "residual_dv01_usd":
            out[label] = col.map(lambda v: f"{round(v):,.0f}".replace("-", "−"))
        else:
            out[label] = col.map(fmt_usd)
    return out


def _trades_words(text: str) -> str:
    """``+149 ZN Sep-26, -3 ZF Dec-26`` -> ``BUY 149 ZN Sep-26; SELL 3 ZF Dec-26``."""
    if text == "no trade":
        return "none"
    words = []
    for part in text.split(", "):
        qty, _, what = part.partition(" ")
        try:
            n = float(qty)
        except ValueError:
            return text
        if n == 0:
            return "none (already DV01-neutral)"
        words.append(f"{'BUY' if n > 0 else 'SELL'} {abs(n):,.0f} {what}")
    return "; ".join(words)


def trades_display(result) -> pd.DataFrame:
    """The trades to add: contract, month, BUY/SELL and contracts."""
    rows = [
        {
            "Contract": t.contract,
            "Month": f"{t.expiry:%b %Y}",
            "Side": "BUY" if t.quantity > 0 else "SELL",
            "Contracts": f"{abs(t.quantity):,.0f}",
        }
        for t in result.trades
    ]
    return pd.DataFrame(rows, columns=["Contract", "Month", "Side", "Contracts"])


def versus_naive_text(result) -> str:
    """The best hedge against the DV01-neutral one, with a sign that reads one way only."""
    word, usd = result.versus_naive()
    if word == "equal":
        return "Same total as the DV01-neutral hedge"
    if word == "lower":
        return f"{fmt_usd(usd)} less margin than the DV01-neutral hedge"
    return (
        f"{fmt_usd(usd)} more margin than the DV01-neutral hedge, which is outside the search "
        f"({result.naive_outside})"
    )
