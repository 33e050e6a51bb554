"""Command-line subcommands, one module each; each exposes ``register(subparsers)``.

A module's ``register`` adds its parser and sets ``func`` to a callable ``(args) -> int``.
"""

COMMAND_MODULES = ("cf", "risk", "fetch_history", "run", "optimize", "history")
