"""Regression tests of issue 19's failing classes 1 and 5 for SPAN parameter files: huge cells,
values out of range (a PSR of 1e308), latin-1 text, and a bad line costing only its value."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from xmsim.engines.span.params_io import (
    default_span_params,
    load_span_params,
    read_span_params,
)
from xmsim.upload.table import decode

DEFAULT = default_span_params()
TEXT = decode((resources.files("xmsim.data") / "span_params_default.csv").read_bytes())
ZN = f"product,ZN,psr_usd,{DEFAULT.psr_usd('ZN'):g}"


def _line(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize("value", ["1e308", "inf", "-5", "nan", "1e7"])
def test_a_psr_out_of_range_is_rejected_naming_the_range(value):
    text = TEXT.replace(ZN, f"product,ZN,psr_usd,{value}")
    with pytest.raises(ValueError, match=rf"line {_line(TEXT, ZN)}: .*psr_usd"):
        load_span_params(text)
    params, (warning,) = read_span_params(text)
    assert params.psr_usd("ZN") == DEFAULT.psr_usd("ZN")
    assert (
        f"shipped default {DEFAULT.psr_usd('ZN'):g} (ASSUMED)" in warning
        and f"line {_line(TEXT, ZN)}" in warning
    )
    json.dumps([p.psr_usd for p in params.products], allow_nan=False)


def test_a_huge_cell_is_a_line_problem_not_a_csv_error():
    text = TEXT.replace(ZN, f"product,ZN,psr_usd,{'9' * 200_000}")
    params, (warning,) = read_span_params(text)
    assert params == DEFAULT or params.psr_usd("ZN") == DEFAULT.psr_usd("ZN")
    assert "not finite" in warning or "outside" in warning


def test_an_unbalanced_quote_costs_one_line():
    text = TEXT.replace(ZN, f'{ZN},ASSUMED,"never closed')
    params, (warning,) = read_span_params(text)
    assert "quote" in warning and params.psr_usd("ZN") == DEFAULT.psr_usd("ZN")


def test_a_latin1_file_loads(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(TEXT.replace("xmsim default", "défaut xmsim").encode("latin-1"))
    assert load_span_params(path).psr_usd("ZN") == DEFAULT.psr_usd("ZN")


def test_a_folder_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        load_span_params(tmp_path)
    with pytest.raises(ValueError, match="not found"):
        load_span_params(tmp_path / "nope.csv")
