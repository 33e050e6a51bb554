"""The optimiser page through AppTest: every listed month searched, signs that read one way,
a table for people, and never a selected contract called inadmissible."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("streamlit")

from tests.ui.test_app import _app, _metrics, _page, _sample, _simulator
from xmsim.report import figures as reporting
from xmsim.upload.loader import SAMPLE_ASOF, load_portfolio

SNAKE = re.compile(r"[a-z]+_[a-z]+")
CENTS = re.compile(r"\$[\d,]+\.\d")


def _run_optimiser(sample: str):
    at = _app(sample=sample)
    at.run()
    _page(at, "optimiser")
    at.toggle(key="opt_on").set_value(True).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("sample", ["basis_trade", "cash_only"])
def test_optimiser_page_reads_for_people(sample):
    from xmsim.optimize import best_hedge

    at = _run_optimiser(sample)
    book = load_portfolio(_sample(sample), asof=SAMPLE_ASOF).portfolio
    best = best_hedge(book, _simulator(), contracts=("ZN",))
    shown = _metrics(at)
    assert shown["Total margin now"] == reporting.fmt_usd(best.margin_before_usd)
    assert shown["Total with the best hedge"] == reporting.fmt_usd(best.margin_after_usd)
    gap = round(best.naive_margin_usd - best.margin_after_usd)
    assert gap >= 0  # ZN is selected: the DV01-neutral ZN hedge is a candidate
    if gap == 0:
        assert shown["Against DV01-neutral"] == "Same total"
    else:
        assert shown["Less than DV01-neutral by"] == reporting.fmt_usd(gap)
    assert "More than DV01-neutral by" not in shown
    deltas = [m.delta or "" for m in at.metric]
    assert not any("$-" in d or "−" in d for d in deltas), deltas  # never "↑ $-0" nor "↑ −$"
    saving = round(best.margin_before_usd - best.margin_after_usd)
    want_delta = "" if saving == 0 else f"-{reporting.fmt_usd(saving)}"  # arrow down: less
    assert (at.metric[1].delta or "") == want_delta
    text = " ".join(c.value for c in at.caption)
    assert "Months searched: ZN Sep-26, Dec-26, Mar-27" in text
    assert "not admissible" not in text and "outside the search" not in text
    assert "Simulator" not in text and "arrangement's" not in text  # no internal names
    tables = [d.value for d in at.dataframe]
    main = next(t for t in tables if "Total margin" in t.columns)
    assert not any(SNAKE.search(str(c)) for c in main.columns), list(main.columns)
    cells = " ".join(str(v) for v in main.to_numpy().ravel())
    assert not CENTS.search(cells) and "$-" not in cells
    assert list(main["Case"]) == ["As is", "DV01-neutral hedge", "Best hedge"]
    assert main["Total margin"].iloc[2] == reporting.fmt_usd(best.margin_after_usd)
    if best.trades:
        trades = next(t for t in tables if "Side" in t.columns)
        assert len(trades) == len(best.trades)
        assert set(trades["Side"]) <= {"BUY", "SELL"}


def test_picking_a_contract_the_dv01_hedge_does_not_use_says_so_plainly():
    at = _app(sample="cash_only")
    at.run()
    _page(at, "optimiser")
    at.multiselect(key="opt_codes").set_value(["ZF"]).run()
    at.number_input(key="opt_max").set_value(50).run()
    at.toggle(key="opt_on").set_value(True).run()
    assert not at.exception
    text = " ".join(c.value for c in at.caption)
    # the comparison hedge is in ZF (the first contract picked), limited by the 50 contracts
    assert "Months searched: ZF Sep-26, Dec-26, Mar-27" in text
    assert "is more than the limit of 50" in text
    assert "not admissible" not in text
    shown = _metrics(at)
    label = next(k for k in shown if "DV01-neutral" in k)
    assert label in ("Less than DV01-neutral by", "More than DV01-neutral by",
                     "Against DV01-neutral")  # fmt: skip
    assert "$-" not in shown[label] and "−" not in shown[label]
