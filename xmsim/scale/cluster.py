"""Dask distributed clients for ``--cluster``: a LocalCluster or an existing scheduler.

``local`` / ``local:N`` start a ``distributed.LocalCluster`` of N worker processes (default: the
machine's cores) with one thread each; ``tcp://HOST:PORT`` connects to a running scheduler. A
scheduler that cannot be reached raises :class:`ClusterError` after ``timeout`` seconds; nothing
falls back to a serial run here (the caller runs serially only when no cluster is asked for).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

CONNECT_TIMEOUT_S = 3.0
"""Seconds to wait for a scheduler before giving up [s]."""


class ClusterError(Exception):
    """A cluster specification that is malformed or cannot be reached."""


def parse_cluster(spec: str) -> tuple[str, int | str]:
    """``("local", n_workers)`` or ``("address", "tcp://host:port")`` from a ``--cluster`` value."""
    text = spec.strip()
    if text == "local" or text.startswith("local:"):
        n = text.partition(":")[2] or str(os.cpu_count() or 1)
        if not n.isdigit() or int(n) < 1:
            raise ClusterError(f"--cluster {spec!r}: use local:N with N a whole number >= 1")
        return "local", int(n)
    if text.startswith(("tcp://", "tls://", "inproc://")):
        host_port = text.split("://", 1)[1]
        host, _, port = host_port.rpartition(":")
        if not host or not port.isdigit():
            raise ClusterError(
                f"--cluster {spec!r}: use tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786"
            )
        return "address", text
    raise ClusterError(
        f"--cluster {spec!r} is not a cluster: use local, local:N (N workers on this machine) "
        "or tcp://HOST:PORT (a running Dask scheduler)"
    )


@contextlib.contextmanager
def dask_client(
    spec: str,
    timeout: float = CONNECT_TIMEOUT_S,
    processes: bool = True,
    memory_limit: str | None = None,
) -> Iterator:
    """A ``distributed.Client`` for ``spec``, closed (with its LocalCluster) on exit."""
    kind, value = parse_cluster(spec)
    from distributed import Client, LocalCluster

    if kind == "local":
        where = {"host": "127.0.0.1"} if processes else {}  # in-process workers need no socket
        cluster = LocalCluster(
            n_workers=value, threads_per_worker=1, processes=processes, dashboard_address=None,
            memory_limit=memory_limit or "auto", **where,
        )  # fmt: skip
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(value, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {value} within {timeout:g} s ({exc}); start it "
            "(`dask scheduler`), check the address, or leave out --cluster to run serially"
        ) from exc
    try:
        yield client
    finally:
        client.close()
