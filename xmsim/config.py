"""Every run setting in one table, and the one way to turn choices into a :class:`RunConfig`.

:data:`SETTINGS` lists each setting once: its params-file section and key, its command-line
flag, its type, its default, the values it may take, a help text and whether it is a public
fact (SRC, with the source) or a modelling choice (ASSUMED). Defaults are read from the
settings dataclasses that the engines and the arrangement validate (``VarSettings``,
``ArrangementSettings``, ``LegacySettings``, :class:`RunConfig`, :class:`SpanChoice`), so no
default is written twice. Three readers share the table:

* the CLI (``xmsim.commands._common``): one flag per row (type, choices, help and default
  text derived from the row) over a ``--params`` file whose sections and keys are the rows'
  (``xmsim.commands._checks`` checks each value's kind from the row);
* the app: :func:`defaults` gives every default, :data:`BY_NAME` its label and help;
* all of them: :func:`run_config` turns ``{"section.key": value}`` (missing keys: defaults)
  into a :class:`RunConfig`.

To add a setting: give the settings dataclass its field (the default lives there), then add
one :class:`Setting` row here; the flag, the params key, the app default follow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xmsim.arrangement.crossmargin import ArrangementSettings
from xmsim.arrangement.legacy import LegacySettings
from xmsim.arrangement.models import bucket_dv01s
from xmsim.arrangement.pots import ARRANGEMENTS
from xmsim.engines.span.params import ACCOUNT_TYPE_CHOICES, ACCOUNT_TYPES, SHOWN
from xmsim.engines.span.params_io import (
    SpanParams,
    calibrated_span_params,
    default_span_params,
    load_span_params,
)
from xmsim.engines.var.scenarios import VarSettings
from xmsim.market import Market
from xmsim.pricing.risk import CtdOverride

MODELS = ("var", "span")
SPAN_CHOICES = ("default", "calibrated")
INF = float("inf")


@dataclass(frozen=True, slots=True)
class SpanChoice:
    """Which SPAN parameter set to use: ``default`` (illustrative), ``calibrated`` (to the
    market's history) or a parameter file path; ``shown`` overrides the set's own requirement
    (None: keep the set's, ``initial`` for the built-in sets); ``account_type`` picks the
    initial/maintenance multiplier (None: the set's own, ``auto`` for the built-in sets: member
    for house portfolios, non-HRP for customer accounts; ``member`` and ``non-HRP`` post
    initial = maintenance, ``HRP`` 110%, CME Clearing Advisories 08-380 and 23-376)."""

    params: str = "default"
    shown: str | None = None
    account_type: str | None = None


@dataclass(frozen=True, slots=True)
class ScaleChoice:
    """How a whole book is run: ``cluster`` (None: in this process; ``local[:N]`` or
    ``tcp://HOST:PORT``) and ``block_size`` accounts per block (None: the blocks' default)."""

    cluster: str | None = None
    block_size: int | None = None


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Every setting of a run; defaults are METHODOLOGY §7's (see :data:`SETTINGS`)."""

    arrangement: ArrangementSettings = field(default_factory=ArrangementSettings)
    var: VarSettings = field(default_factory=VarSettings)
    span_params: SpanParams | None = None
    ficc_model: str = "var"
    cme_model: str = "span"
    ctd_overrides: tuple[tuple[str, dt.date, CtdOverride], ...] = ()

    def settings_dict(self, span: SpanParams) -> dict:
        v = self.var
        return {
            "var_confidence": v.confidence, "var_horizon_days": v.horizon_days,
            "var_lookback_years": v.lookback_years, "var_stress": v.stress,
            "var_stress_window": [d.isoformat() for d in v.stress_window]
            if v.stress_window else None,
            "var_mode": v.mode, "var_floor_pct": v.floor_pct, "var_addon_pct": v.addon_pct,
            "var_basis_vol_scale": v.basis_vol_scale,
            "span_params": span.label, "span_shown": span.shown,
            "span_account_type": span.account_type,
            "span_initial_multipliers": {t: span.multiplier_of(t) for t in ACCOUNT_TYPES},
        }  # fmt: skip


# the dataclass whose field holds each section's defaults
HOMES = {
    "arrangement": ArrangementSettings,
    "var": VarSettings,
    "span": SpanChoice,
    "run": RunConfig,
    "legacy": LegacySettings,
}
SECTIONS = ("arrangement", "var", "span", "run", "legacy")
_DTCC = "DTCC FICC market-risk page"
_FAQ = "CME-FICC cross-margining FAQ"


@dataclass(frozen=True, slots=True)
class Setting:
    """One run setting.

    ``kind`` is ``float``, ``int``, ``str``, ``bool`` or ``"dates"`` (a (start, end) pair);
    ``home`` the dataclass holding the default when it is not the section's (:data:`HOMES`);
    ``bounds`` (low, high) are inclusive unless ``open`` says (low open, high open); they
    restate, for help texts and sliders, the check of the settings dataclass (a test holds
    them equal); ``flag_style`` ``"value"``
    takes a value, ``"negate"`` is a switch that sets a bool to False (``--no-stress``).
    """

    section: str
    key: str
    flag: str | None
    kind: Any
    help: str
    label: str = "ASSUMED"
    source: str = ""
    choices: tuple[str, ...] | None = None
    bounds: tuple[float, float] | None = None
    open: tuple[bool, bool] = (False, False)
    flag_style: str = "value"
    metavar: str | tuple[str, ...] | None = None
    home: type | None = None

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def default(self) -> Any:
        home = self.home or HOMES[self.section]
        return {f.name: f for f in dataclasses.fields(home)}[self.key].default

    @property
    def kind_name(self) -> str:
        """``number``, ``integer``, ``boolean``, ``window``, ``choice`` or ``text``."""
        if self.choices:
            return "choice"
        names = {float: "number", int: "integer", bool: "boolean", "dates": "window"}
        return names.get(self.kind, "text")


SETTINGS: tuple[Setting, ...] = (
    Setting("arrangement", "arrangement", "--arrangement", str,
            "auto: accounts named HOUSE (or empty) pooled into one house combined portfolio, "
            "every other account its own customer combined portfolio; house: the whole file "
            "one combined portfolio; customer: each account apart",
            choices=ARRANGEMENTS, label="SRC", source=_FAQ),
    Setting("arrangement", "cap", "--cap", float,
            "cap on the applied savings, a fraction (0.8 = 80%)",
            bounds=(0.0, 1.0), label="SRC", source=_FAQ),
    Setting("arrangement", "savings_basis", "--savings-basis", str,
            "denominator of each model's savings percentage",
            choices=("sum_of_legs", "own_leg")),
    Setting("var", "confidence", "--var-confidence", float, "confidence level",
            bounds=(0.5, 1.0), open=(False, True), label="SRC", source=_DTCC),
    Setting("var", "horizon_days", "--var-horizon", int, "horizon in business days",
            bounds=(1, 60), label="SRC", source=_DTCC),
    Setting("var", "lookback_years", "--var-lookback-years", float, "look-back in years",
            bounds=(0.25, 50.0)),
    Setting("var", "stress", "--no-stress", bool, "do not add the stressed window",
            flag_style="negate"),
    Setting("var", "stress_window", "--stress-window", "dates",
            "explicit stressed window instead of the most volatile stress_days days",
            metavar=("START", "END")),
    Setting("var", "stress_days", None, int,
            "length of the most volatile stretch added as the stressed window [business days]"),
    Setting("var", "mode", "--var-mode", str,
            "full revaluation or key-rate sensitivities + convexity",
            choices=("full", "sensitivity")),
    Setting("var", "floor_pct", "--var-floor-pct", float,
            "VaR floor, % of gross position size: face for cash, repos and reverse repos, "
            "contract notional for futures (placeholder; 0 = off)", bounds=(0.0, INF)),
    Setting("var", "addon_pct", "--var-addon-pct", float,
            "add-on, % of gross position size (placeholder; 0 = off)", bounds=(0.0, INF)),
    Setting("var", "basis_vol_scale", "--basis-vol-scale", float,
            "scale of the SOFR / fed funds-Treasury basis changes (0 = rate futures move with "
            "Treasuries only)", bounds=(0.0, INF)),
    Setting("span", "params", "--span-params", str,
            "SPAN parameter set: the illustrative default, calibrated to the history, xmsim's "
            "CSV, or CME's SPAN file (.pa2, .spn, zipped or not)",
            metavar="FILE|default|calibrated"),
    Setting("span", "shown", "--span-shown", str,
            "which SPAN requirement to use (none: the parameter set's own; initial = "
            "maintenance x the set's initial multiplier)", choices=SHOWN),
    Setting("span", "account_type", "--account-type", str,
            "CME account type for initial margin (none: the parameter set's, auto = member for "
            "house portfolios, non-HRP for customer accounts): member and non-HRP post initial "
            "= maintenance, HRP 110% (CME Clearing Advisories 08-380, 23-376)",
            choices=ACCOUNT_TYPE_CHOICES),
    Setting("run", "ficc_model", "--ficc-model", str, "model standing for FICC",
            choices=MODELS),
    Setting("run", "cme_model", "--cme-model", str, "model standing for CME", choices=MODELS),
    # whole books: flags in commands._common.add_scale_arguments (not run settings of a model)
    Setting("run", "cluster", None, str, "Dask cluster for account blocks (none: in process)",
            home=ScaleChoice),
    Setting("run", "block_size", None, int, "accounts margined together per block",
            home=ScaleChoice),
    Setting("legacy", "margin_rate", "--legacy-margin-rate", float,
            "legacy internal margin rate (the source's example)", bounds=(0.0, 1.0),
            open=(True, False),
            label="SRC", source="2000-era cross-margining agreement example"),
    Setting("legacy", "min_margin", "--legacy-min-margin", float,
            "legacy minimum margin kept on offsets", bounds=(0.0, 1.0),
            label="SRC", source="2000-era cross-margining agreement example"),
)  # fmt: skip
BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """``{"section.key": default}`` for every setting (what the app starts from)."""
    return {s.name: s.default for s in SETTINGS}


def _date_pair(value) -> tuple[dt.date, dt.date] | None:
    if not value:
        return None
    pair = tuple(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in value)
    if len(pair) != 2:
        raise ValueError(f"a window is two dates (start, end), got {list(value)}")
    return pair


def _coerce(s: Setting, value: Any) -> Any:
    """``value`` as the setting's type (None stays None)."""
    if value is None or s.kind is str:
        return value
    if s.kind == "dates":
        return _date_pair(value)
    if s.kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{s.name} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{s.name} must be a number, got {value!r}")
    if s.kind is int and value != int(value):
        raise ValueError(f"{s.name} must be a whole number, got {value!r}")
    return s.kind(value)


def resolve(values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every setting's value: ``values`` (``{"section.key": value}``) over the defaults."""
    values = dict(values or {})
    unknown = sorted(set(values) - set(BY_NAME))
    if unknown:
        raise ValueError(f"unknown settings {unknown}; known: {sorted(BY_NAME)}")
    out = defaults()
    for name, value in values.items():
        out[name] = _coerce(BY_NAME[name], value)
    return out


def _section(values: Mapping[str, Any], section: str) -> dict[str, Any]:
    return {n.split(".", 1)[1]: v for n, v in values.items() if n.startswith(section + ".")}


def arrangement_settings(values: Mapping[str, Any]) -> ArrangementSettings:
    return ArrangementSettings(**_section(resolve(values), "arrangement"))


def var_settings(values: Mapping[str, Any]) -> VarSettings:
    return VarSettings(**_section(resolve(values), "var"))


def legacy_settings(values: Mapping[str, Any] | None = None) -> LegacySettings:
    return LegacySettings(**_section(resolve(values), "legacy"))


def validate(values: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first setting out of range (no market needed)."""
    arrangement_settings(values)
    var_settings(values)
    legacy_settings(values)
    run = _section(resolve(values), "run")
    if run["ficc_model"] not in MODELS or run["cme_model"] not in MODELS:
        raise ValueError("ficc_model and cme_model must be 'var' or 'span'")


def resolve_span_params(choice: str, market: Market) -> SpanParams:
    """``default`` (illustrative), ``calibrated`` (to the market's history) or a file path."""
    if choice == "default":
        return default_span_params()
    if choice == "calibrated":
        return calibrated_span_params(market.history, bucket_dv01s(market.curve))
    if not Path(choice).is_file():
        raise ValueError(
            f"{choice!r} is neither 'default', 'calibrated' nor an existing parameter file"
        )
    return load_span_params(choice)


def run_config(
    values: Mapping[str, Any] | None,
    market: Market,
    span_params: SpanParams | None = None,
) -> RunConfig:
    """The :class:`RunConfig` of ``{"section.key": value}`` choices over the defaults.

    ``span_params`` (e.g. an uploaded set) replaces the ``span.params`` choice; ``span.shown``
    applies to either. Raises ValueError with a message fit for a user.
    """
    v = resolve(values)
    validate(v)
    window, first, last = v["var.stress_window"], market.history.start, market.history.end
    if window and (window[1] < first or window[0] > last):
        raise ValueError(
            f"stress window {window[0]}..{window[1]} is outside the history ({first} to "
            f"{last}): choose dates inside it, or drop --stress-window"
        )
    span = span_params
    if span is None:
        try:
            span = resolve_span_params(v["span.params"], market)
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"SPAN parameters: {exc}") from exc
    if v["span.shown"]:
        span = dataclasses.replace(span, shown=v["span.shown"])
    if v["span.account_type"]:
        span = span.for_account_type(v["span.account_type"])
    return RunConfig(
        arrangement=arrangement_settings(v),
        var=var_settings(v),
        span_params=span,
        ficc_model=v["run.ficc_model"],
        cme_model=v["run.cme_model"],
    )
