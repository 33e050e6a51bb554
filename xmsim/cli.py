"""``python -m xmsim``: the command line. Each subcommand lives in ``xmsim/commands/``."""

from __future__ import annotations

import argparse
import importlib
import sys

from xmsim.commands import COMMAND_MODULES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xmsim",
        description="What-if margin simulator for the CME-FICC cross-margining arrangement.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"xmsim.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"xmsim.commands.{name}":
                raise
            continue  # command not built yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
