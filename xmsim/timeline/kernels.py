"""The history runner's numeric kernels: the DF nodes a book reads, a book compacted to them,
scenario DFs on those nodes into a reused buffer, and BLAS on one thread."""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np

from xmsim.pricing.curve import discount_nodes_upto
from xmsim.pricing.risk import PricingBook


def used_nodes(book: PricingBook) -> np.ndarray:
    """Indices of the DF nodes a book reads (its weights and its denominators' two nodes),
    always including nodes 0 and 1 (the cash denominator DF(0))."""
    cols = np.flatnonzero(np.any(book.numer != 0.0, axis=0))
    return np.unique(np.concatenate([[0, 1], cols, book.den_idx, book.den_idx + 1]))


def one_blas_thread():
    """A context in which BLAS runs on one thread (threadpoolctl; a no-op without it).

    The runner's products are a few MB each, one date after another: BLAS threads add little
    on an idle machine and cost 4x on a busy one (measured on the shared 2-core box, where
    their spin-waits compete with other processes)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: the results are the same, only the speed differs
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def compact_book(book: PricingBook, nodes: np.ndarray) -> PricingBook:
    """``book`` reading only the DF nodes ``nodes`` (ascending, :func:`used_nodes`): its
    weights on those columns, its denominators' node indices remapped (a denominator reads
    nodes i and i + 1, both in ``nodes`` and so adjacent there too)."""
    return dataclasses.replace(
        book,
        numer=book.numer[:, nodes],
        den_idx=np.searchsorted(nodes, book.den_idx),
        base_df=book.base_df[nodes],
    )


def node_dfs(curves: np.ndarray, nodes: np.ndarray, buffer: np.ndarray | None = None):
    """DFs of par ``curves`` (n_curves, n_tenors) at the nodes ``nodes`` (ascending), shape
    (n_curves, len(nodes)): :func:`discount_nodes_upto` up to the last one, written into
    ``buffer`` (C-ordered, at least (N_NODES, n_curves)) when given, then the columns read."""
    n = int(nodes[-1]) + 1
    out = None
    if buffer is not None and buffer.shape[1] >= curves.shape[0]:
        out = buffer[:n, : curves.shape[0]].T
    df = discount_nodes_upto(curves, n, out=out)
    return df if nodes.size == n else df[:, nodes]
