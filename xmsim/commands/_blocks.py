"""``run`` on a whole book: blocks of accounts, in process or on Dask, results streamed."""

from __future__ import annotations

import argparse
import contextlib
import sys

from xmsim.arrangement.crossmargin import ArrangementResult
from xmsim.arrangement.pots import form_pots
from xmsim.commands._common import AccountProgress, CliError, scale_settings
from xmsim.portfolio import Portfolio
from xmsim.report.stream import ResultStream
from xmsim.scale.blocks import (
    BLOCKED_MIN_POSITIONS,
    DEFAULT_BLOCK_SIZE,
    arrangement_blocked,
    empty_result,
)
from xmsim.scale.cluster import ClusterError, dask_client
from xmsim.simulate import Simulator


def wants_blocks(args: argparse.Namespace, portfolio: Portfolio) -> bool:
    """Blocks when asked for (--cluster, --block-size, [run], jsonl) or the book is large."""
    cluster, block = scale_settings(args)
    return bool(
        cluster or block or args.format == "jsonl" or len(portfolio) > BLOCKED_MIN_POSITIONS
    )


def margin_in_blocks(
    sim: Simulator, portfolio: Portfolio, args: argparse.Namespace, extras: bool
) -> ArrangementResult | None:
    """The arrangement block by block; ``None`` when the accounts were streamed (``--format
    jsonl``, or ``--format csv --out FILE`` without ``extras`` such as --legacy)."""
    cluster, block = scale_settings(args)
    if args.format == "jsonl" and extras:
        raise CliError("--format jsonl carries accounts and totals only: use --format json "
                       "with --legacy or the fallback mode")  # fmt: skip
    stream = args.format == "jsonl" or (args.format == "csv" and bool(args.out) and not extras)
    pots = form_pots(portfolio, sim.config.arrangement.arrangement)
    bar = AccountProgress(len(pots.names))
    with contextlib.ExitStack() as stack:
        client = None
        if cluster:
            try:
                client = stack.enter_context(dask_client(cluster))
            except ClusterError as exc:
                raise CliError(str(exc)) from exc
        size = block or DEFAULT_BLOCK_SIZE
        if not stream:
            return arrangement_blocked(
                sim, portfolio, size, client, lambda r: bar.add(len(r)), pots=pots
            )
        fh = stack.enter_context(open(args.out, "w", encoding="utf-8", newline="")) if args.out \
            else sys.stdout  # fmt: skip
        writer = ResultStream(fh, args.format, empty_result(sim, pots))

        def on_block(results) -> None:
            writer.write(results)
            bar.add(len(results))

        arrangement_blocked(sim, portfolio, size, client, on_block, keep=False, pots=pots)
        writer.close()
    if args.out:
        print(f"wrote {args.out}", file=sys.stderr)
    return None
