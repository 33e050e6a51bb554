"""Shared command-line plumbing: loading portfolios and markets, engine flags, output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tomllib
from pathlib import Path

from xmsim import config
from xmsim.commands._checks import (
    finite_float,
    fraction,
    nonnegative_float,
    param_problems,
    window_problem,
)
from xmsim.market import Market
from xmsim.portfolio import Portfolio

PARAM_SECTIONS = config.SECTIONS


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit code 2."""


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from exc


def add_market_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("market")
    g.add_argument("--asof", type=iso_date, help="valuation date (default: the market's date)")
    g.add_argument(
        "--history",
        metavar="FILE",
        help="Treasury par yield CSV, GSW feds200628.csv or FRED file "
        "(default: the embedded synthetic history calibrated to 1990-2024)",
    )
    g.add_argument(
        "--sofr",
        metavar="FILE",
        help="SOFR daily rates, FRED or New York Fed CSV, for the SOFR–Treasury basis of SR3/SR1 "
        "(needs --history; default: the embedded synthetic basis)",
    )
    g.add_argument(
        "--effr",
        metavar="FILE",
        help="effective fed funds daily rates (FRED DFF/EFFR or New York Fed CSV) for ZQ's "
        "fed funds–Treasury basis (needs --history)",
    )
    g.add_argument(
        "--params",
        metavar="FILE",
        help=f"TOML/JSON parameters file with sections {', '.join(config.SECTIONS)} (keys "
        "as the rows of xmsim.config.SETTINGS); command-line flags override it",
    )


GROUPS = {
    "var": "VaR model (FICC-like)",
    "span": "SPAN model (CME-like)",
    "arrangement": "arrangement",
    "run": "arrangement",
    "legacy": "other modes",
}
"""The help group of each section's flags."""


def _flag_type(s: config.Setting):
    """The argparse type of a setting's flag: finite numbers, [0, 1] or >= 0 checked here;
    other ranges where the settings are built (the message names the setting)."""
    if s.kind is float:
        if s.bounds == (0.0, 1.0) and s.open == (False, False):
            return fraction
        return nonnegative_float if s.bounds == (0.0, config.INF) else finite_float
    return s.kind


def _flag_help(s: config.Setting) -> str:
    tag = s.label + (f": {s.source}" if s.source else "")
    default = "" if s.flag_style == "negate" else f" (default {s.default})"
    return f"{s.help}{default} [{tag}]".replace("%", "%%")


def add_setting_arguments(parser: argparse.ArgumentParser, sections, group=None) -> None:
    """One flag per row of :data:`xmsim.config.SETTINGS` in ``sections``: type, choices and help
    (with the default) from the row; the flags default to None so the table decides."""
    groups: dict[str, object] = {}
    for s in config.SETTINGS:
        if s.section not in sections or s.flag is None:
            continue
        title = GROUPS[s.section]
        g = group or groups.get(title) or groups.setdefault(title, parser.add_argument_group(title))
        if s.flag_style == "negate":
            g.add_argument(s.flag, action="store_true", help=_flag_help(s))
        elif s.kind == "dates":
            g.add_argument(s.flag, nargs=2, type=iso_date, metavar=s.metavar, help=_flag_help(s))
        else:
            g.add_argument(s.flag, type=_flag_type(s), choices=s.choices, metavar=s.metavar,
                           help=_flag_help(s))  # fmt: skip


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """The VaR, SPAN, arrangement and model flags."""
    add_setting_arguments(parser, ("var", "span", "arrangement", "run"))


def values_from_args(args: argparse.Namespace) -> dict:
    """``{"section.key": value}``: the flags given over the ``--params`` file (no defaults),
    every value checked (kinds, choices, ranges)."""
    params = read_params_file(getattr(args, "params", None))
    values = {f"{sec}.{key}": v for sec, keys in params.items() for key, v in keys.items()}
    for s in config.SETTINGS:
        dest = s.flag.lstrip("-").replace("-", "_") if s.flag else None
        given = getattr(args, dest, None) if dest else None
        if s.flag_style == "negate":
            if given:
                values[s.name] = False
        elif given is not None:
            values[s.name] = given
    window = values.get("var.stress_window")
    if window and (problem := window_problem(window)) is not None:
        raise CliError(f"stress window {[str(d) for d in window]}: {problem}")
    try:
        values = config.resolve(values)
        config.validate(values)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    return values


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be a whole number >= 1")
    return value


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("whole books (blocks of accounts, Dask)")
    g.add_argument(
        "--block-size",
        type=positive_int,
        metavar="ACCOUNTS",
        help="accounts margined together per block (default 2000); books over 20,000 "
        "positions, --cluster and --format jsonl always run block by block",
    )
    g.add_argument(
        "--max-rows",
        type=positive_int,
        metavar="N",
        help="largest portfolio file accepted [rows] (default 200,000)",
    )
    g.add_argument(
        "--max-mb",
        type=positive_int,
        metavar="N",
        help="largest portfolio file accepted [MB] (default 50)",
    )
    g.add_argument(
        "--cluster",
        metavar="local[:N]|tcp://HOST:PORT",
        help="run the account blocks on a Dask LocalCluster of N workers, or on the Dask "
        "scheduler at HOST:PORT (default: in this process)",
    )


def scale_settings(args: argparse.Namespace) -> tuple[str | None, int | None]:
    """(cluster, block_size) from the flags, else the parameters file's [run] section."""
    run = read_params_file(getattr(args, "params", None)).get("run", {})
    cluster = _pick(getattr(args, "cluster", None), run, "cluster", None)
    block = _pick(getattr(args, "block_size", None), run, "block_size", None)
    if block is not None and (not isinstance(block, int) or block < 1):
        raise CliError(f"[run] block_size = {block!r}: use a whole number of accounts >= 1")
    return cluster, block


def read_params_file(path: str | None) -> dict:
    """Sections of a TOML or JSON parameters file, every value checked (see ``_checks``)."""
    if not path:
        return {}
    p = Path(path)
    if p.is_dir():
        raise CliError(f"parameters file {path} is a folder: name the .toml or .json file")
    try:
        text = p.read_bytes()[: 2**20 + 1].decode("utf-8-sig")
        if len(text) > 2**20:
            raise CliError(f"parameters file {path} is larger than 1 MB: is it the right file?")
        data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except FileNotFoundError as exc:
        raise CliError(f"parameters file {path} not found") from exc
    except OSError as exc:
        raise CliError(f"parameters file {path}: cannot read it ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise CliError(f"parameters file {path} is not UTF-8 text: save it as TOML") from exc
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"parameters file {path}: {exc}: fix the syntax") from exc
    problems = param_problems(data)
    if problems:
        raise CliError(f"parameters file {path}: " + "; ".join(problems))
    return data


def _pick(cli_value, section: dict, key: str, default):
    if cli_value is not None:
        return cli_value
    return section.get(key, default)


def load_market(
    history_path: str | None,
    asof: dt.date | None,
    quiet: bool = False,
    overnight: tuple[str, ...] = (),
) -> Market:
    """The embedded default market, or a market from a history file at ``asof`` with the basis
    of the ``overnight`` SOFR / EFFR files; skipped rows are printed as warnings (unless
    ``quiet``)."""
    from xmsim.marketdata.defaults import default_market, market_from_history

    if not history_path:
        if overnight:
            raise CliError(
                "--sofr/--effr need a real Treasury history (--history FILE): the embedded "
                "history is synthetic, so it carries a synthetic basis"
            )
        market = default_market()
        if asof is not None and asof != market.asof:
            try:
                return market_from_history(market.history, asof, market.basis)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
        return market
    from xmsim.marketdata.history import read_history

    try:
        loaded = read_history(history_path)
    except FileNotFoundError as exc:
        raise CliError(f"history file {history_path} not found") from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    history = loaded.history
    for note in loaded.notes:
        if "skipped" in note and not quiet:
            print(f"warning: history: {note}", file=sys.stderr)
    basis = _load_basis(history, overnight, quiet)
    try:
        return market_from_history(history, asof or history.end, basis)
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def overnight_paths(args: argparse.Namespace) -> tuple[str, ...]:
    """The --sofr / --effr files given, in that order."""
    return tuple(p for p in (getattr(args, "sofr", None), getattr(args, "effr", None)) if p)


def _load_basis(history, paths: tuple[str, ...], quiet: bool):
    """The basis from the overnight files on the history's dates (None without files)."""
    if not paths:
        return None
    from xmsim.marketdata.basis import basis_from_series
    from xmsim.marketdata.overnight import read_overnight

    series = []
    for path in paths:
        try:
            loaded = read_overnight(path)
        except FileNotFoundError as exc:
            raise CliError(f"overnight-rate file {path} not found") from exc
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        for note in loaded.notes:
            if "skipped" in note and not quiet:
                print(f"warning: overnight rates: {note}", file=sys.stderr)
        series.append(loaded.series)
    try:
        return basis_from_series(history, series)
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def load_portfolio_or_exit(
    path: str, asof: dt.date, quiet: bool = False, args: argparse.Namespace | None = None
) -> Portfolio:
    """Load a portfolio; row errors and warnings go to stderr, valid rows are used.
    ``args.max_rows`` / ``args.max_mb`` (when given) raise the loader's file limits."""
    from xmsim.upload.loader import load_portfolio

    if Path(path).is_dir():
        raise CliError(f"portfolio {path} is a folder: name the .csv or .xlsx file inside it")
    if not Path(path).is_file():
        raise CliError(f"portfolio file {path} not found")
    max_mb = getattr(args, "max_mb", None)
    res = load_portfolio(
        path, asof=asof, max_rows=getattr(args, "max_rows", None),
        max_bytes=max_mb * 2**20 if max_mb else None,
    )  # fmt: skip
    if not quiet:
        for note in res.alias_notes():
            print(f"note: {note}", file=sys.stderr)
    for i in res.issues:
        if i.row is None or not quiet:  # --quiet never hides a file-level reason
            where = "file" if i.row is None else f"row {i.row}"
            col = f", column {i.column}" if i.column else ""
            val = f", value {i.value!r}" if i.value else ""
            print(f"{i.severity}: {where}{col}{val}: {i.message}", file=sys.stderr)
    if res.issues and not quiet:
        print(res.summary(), file=sys.stderr)
    if not len(res.portfolio):
        raise CliError(f"{path}: no valid positions to margin")
    return res.portfolio


def write_output(text: str, out: str | None) -> None:
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            reason = "it is a folder" if Path(out).is_dir() else exc.strerror or str(exc)
            raise CliError(f"cannot write {out} ({reason}): choose a writable file path") from exc
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


class AccountProgress:
    """Accounts done / total and the rate, on stderr when it is a terminal, once a run has
    taken longer than ``after`` seconds."""

    def __init__(self, total: int, enabled: bool | None = None, after: float = 2.0) -> None:
        import time

        self._clock = time.perf_counter
        self.total, self.done, self.after, self.t0 = total, 0, after, self._clock()
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.shown = False

    def add(self, n: int) -> None:
        self.done += n
        elapsed = self._clock() - self.t0
        if not self.enabled or elapsed < self.after:
            return
        rate = self.done / max(elapsed, 1e-9)
        width = 30
        filled = round(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if self.done >= self.total else ""
        sys.stderr.write(
            f"\r[{bar}] {self.done:,}/{self.total:,} accounts, {rate:,.0f} accounts/s{end}"
        )
        sys.stderr.flush()
        self.shown = True


class Progress:
    """A stage progress bar on stderr when it is a terminal (silent otherwise)."""

    def __init__(self, stages: int, enabled: bool | None = None) -> None:
        self.stages = stages
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = round(width * self.done / self.stages)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if self.done >= self.stages else ""
        sys.stderr.write(f"\r[{bar}] {self.done}/{self.stages} {label:<40}{end}")
        sys.stderr.flush()
