"""``python -m xmsim``: the command line. Each subcommand lives in ``xmsim/commands/``.

Errors never reach the user as a traceback: a :class:`~xmsim.commands._common.CliError` prints
``error: ...`` and exits 2; anything unexpected prints one line naming the error and a hint, and
exits 1. The global ``--debug`` flag (before the command) shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from xmsim.commands import COMMAND_MODULES
from xmsim.commands._common import CliError

UNEXPECTED_EXIT = 1
USER_ERROR_EXIT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m xmsim",
        description="What-if margin simulator for the CME-FICC cross-margining arrangement.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an unexpected error"
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
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USER_ERROR_EXIT
    except MemoryError:
        print(
            "error: out of memory: margin fewer accounts or positions at a time "
            "(split the portfolio)",
            file=sys.stderr,
        )
        return UNEXPECTED_EXIT
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if args.debug:
            traceback.print_exc()
        else:
            text = str(exc).splitlines()[0][:300] if str(exc) else ""
            print(f"error: unexpected {type(exc).__name__}: {text}", file=sys.stderr)
            print(
                "hint: check the inputs named above; rerun with `python -m xmsim --debug "
                f"{args.command} ...` for the traceback, and report it if the inputs are fine",
                file=sys.stderr,
            )
        return UNEXPECTED_EXIT
