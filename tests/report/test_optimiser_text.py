"""The optimiser's display table and wording on hand-made results."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from xmsim.report.optimiser import _trades_words, hedge_display, versus_naive_text


def _frame() -> pd.DataFrame:
    row = {
        "ficc_requirement_usd": 316070.89,
        "cme_requirement_usd": 434729.99,
        "ineligible_margin_usd": 0.0,
        "total_requirement_usd": 750800.89,
        "total_without_arrangement_usd": 3754004.46,
        "savings_ficc_model": 0.96876,
        "savings_cme_model": 0.85644,
        "applied": 0.8,
        "saving_vs_as_is_usd": -0.4,
        "residual_dv01_usd": -6.0007,
    }
    return pd.DataFrame(
        [
            {"case": "as is", "hedge": "no trade", "contracts": 0.0, **row},
            {"case": "DV01-neutral", "hedge": "+0 ZN Dec-26", "contracts": 0.0, **row},
            {"case": "optimal", "hedge": "+158 ZN Dec-26, -3 ZF Sep-26", "contracts": 161.0,
             **row, "saving_vs_as_is_usd": 67940.2},
        ]
    )  # fmt: skip


def test_hedge_display_words_whole_dollars_and_signs():
    fake = SimpleNamespace(to_frame=_frame)
    shown = hedge_display(fake)
    assert list(shown["Case"]) == ["As is", "DV01-neutral hedge", "Best hedge"]
    assert list(shown["Trades"]) == ["none", "none (already DV01-neutral)",
                                     "BUY 158 ZN Dec-26; SELL 3 ZF Sep-26"]  # fmt: skip
    assert shown["FICC requirement"].iloc[0] == "$316,071"
    assert shown["Total margin"].iloc[0] == "$750,801"
    assert list(shown["Saving against as is"]) == ["$0", "$0", "+$67,940"]
    assert shown["Applied %"].iloc[0] == "80.00%"
    assert shown["Residual DV01 ($ per bp)"].iloc[0] == "−6"
    assert all("_" not in c for c in shown.columns)


def test_versus_naive_reads_one_way():
    def res(word, usd, why=""):
        return SimpleNamespace(versus_naive=lambda: (word, usd), naive_outside=why)

    assert versus_naive_text(res("lower", 67940.0)) == (
        "$67,940 less margin than the DV01-neutral hedge"
    )
    assert versus_naive_text(res("equal", 0.0)) == "Same total as the DV01-neutral hedge"
    text = versus_naive_text(res("higher", 70224.0, "205 contracts is more than the limit of 50"))
    assert text.startswith("$70,224 more margin") and "limit of 50" in text and "$-" not in text
    assert _trades_words("no trade") == "none"
