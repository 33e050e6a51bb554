"""The settings table: one default per setting, ranges equal to the dataclasses' checks, and the
CLI flags, the params file and a plain dict building the same RunConfig."""

from __future__ import annotations

import argparse
import math

import pytest

from xmsim import config
from xmsim.commands import run as run_command
from xmsim.commands._common import CliError, values_from_args
from xmsim.marketdata.defaults import default_market

MARKET = default_market()


def _parser() -> argparse.ArgumentParser:
    sub = argparse.ArgumentParser().add_subparsers()
    run_command.register(sub)
    return sub.choices["run"]


def _nudge(value: float, kind, up: bool) -> float:
    step = 1 if kind is int else max(abs(value), 1.0) * 1e-9
    return value + step if up else value - step


@pytest.mark.parametrize("s", [s for s in config.SETTINGS if s.bounds], ids=lambda s: s.name)
def test_table_bounds_are_the_checks_of_the_settings_classes(s):
    lo, hi = s.bounds
    lo_open, hi_open = s.open
    for edge, is_open, up in ((lo, lo_open, False), (hi, hi_open, True)):
        if math.isinf(edge):
            continue
        inside = _nudge(edge, s.kind, not up) if is_open else edge
        config.validate({s.name: inside})
        with pytest.raises(ValueError):
            config.validate({s.name: _nudge(edge, s.kind, up) if not is_open else edge})


@pytest.mark.parametrize("s", [s for s in config.SETTINGS if s.choices], ids=lambda s: s.name)
def test_table_choices_are_accepted_and_others_rejected(s):
    for c in s.choices:
        config.validate({s.name: c})
    if s.section != "span":  # span.shown is checked when the parameter set is built
        with pytest.raises(ValueError):
            config.validate({s.name: "no-such-choice"})


def test_every_flag_is_derived_from_the_table_with_its_default():
    parser = _parser()
    text = parser.format_help()
    for s in config.SETTINGS:
        if s.flag:
            assert s.flag in text, s.name
    dests = {s.flag.lstrip("-").replace("-", "_") for s in config.SETTINGS if s.flag}
    for action in parser._actions:  # no flag carries a default of its own: the table decides
        if action.dest in dests:
            assert action.default in (None, False), action.dest
    assert values_from_args(parser.parse_args(["x.csv"])) == config.defaults()
    assert "(default 0.8)" in " ".join(text.split())


def test_defaults_name_every_setting_and_carry_a_label():
    d = config.defaults()
    assert d["arrangement.cap"] == 0.8 and d["var.confidence"] == 0.99
    assert d["var.horizon_days"] == 3 and d["run.ficc_model"] == "var"
    for s in config.SETTINGS:
        assert s.label in ("SRC", "ASSUMED")
        assert s.label == "ASSUMED" or s.source, f"{s.name}: SRC without a source"


def test_flags_params_file_and_dict_build_the_same_config(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text(
        '[arrangement]\ncap = 0.5\nsavings_basis = "own_leg"\n'
        "[var]\nconfidence = 0.975\nhorizon_days = 2\n"
        'stress_window = ["2020-03-02", "2020-06-30"]\n'
        '[span]\nshown = "maintenance"\n[run]\nficc_model = "span"\n[legacy]\nmargin_rate = 0.02\n'
    )
    args = _parser().parse_args(["x.csv", "--params", str(params), "--var-mode", "sensitivity"])
    from_args = config.run_config(values_from_args(args), MARKET)
    from_dict = config.run_config(
        {
            "arrangement.cap": 0.5, "arrangement.savings_basis": "own_leg",
            "var.confidence": 0.975, "var.horizon_days": 2, "var.mode": "sensitivity",
            "var.stress_window": ("2020-03-02", "2020-06-30"),
            "span.shown": "maintenance", "run.ficc_model": "span",
        },
        MARKET,
    )  # fmt: skip
    assert from_args == from_dict
    assert from_args.var.stress_window[0].isoformat() == "2020-03-02"
    assert from_args.span_params.shown == "maintenance"
    assert config.legacy_settings(values_from_args(args)).margin_rate == 0.02


def test_a_params_file_key_outside_the_table_is_an_error(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text("[legacy]\nmargin_rate = 0.02\nreduced_at = 'split'\n")
    with pytest.raises(CliError, match="reduced_at"):
        values_from_args(_parser().parse_args(["x.csv", "--params", str(params)]))


def test_dict_with_an_unknown_setting_is_an_error():
    with pytest.raises(ValueError, match="unknown settings"):
        config.run_config({"var.confidance": 0.99}, MARKET)


def test_run_config_is_still_importable_from_its_old_homes():
    import xmsim
    from xmsim.simulate import RunConfig

    assert RunConfig is config.RunConfig is xmsim.RunConfig
