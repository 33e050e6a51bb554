"""Dask distributed clients for ``--cluster``: a LocalCluster or an existing scheduler.

``local`` / ``local:N`` start a ``distributed.LocalCluster`` of N worker processes (default: the
machine's cores) with one thread each; ``tcp://HOST:PORT`` connects to a running scheduler. A
scheduler that cannot be reached raises :class:`ClusterError` after ``timeout`` seconds; nothing
falls back to a serial run here (the caller runs serially only when no cluster is asked for).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
from collections.abc import Iterator

CONNECT_TIMEOUT_S = 3.0
"""Seconds to wait for a scheduler before giving up [s]."""
WORKER_MMAP_THRESHOLD_BYTES = 32 * 2**20
"""glibc's mmap threshold in LocalCluster workers [bytes]. Dask's nanny sets
``MALLOC_TRIM_THRESHOLD_`` in its workers, which also freezes glibc's mmap threshold at its
128 KB start: every array over 128 KB is then a fresh ``mmap``, page-faulted and zeroed on first
touch. Measured on a 2,000-account block: 0.22 s of CPU on a worker against 0.10 s in process,
0.10 s again with this setting. 32 MB is as far as glibc's own adjustment raises it in an
ordinary process."""


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


def _local_cluster(n_workers: int, processes: bool = True, memory_limit: str | None = None):
    """A ``distributed.LocalCluster`` of ``n_workers`` single-threaded workers."""
    import dask
    from distributed import LocalCluster

    where = {"host": "127.0.0.1"} if processes else {}  # in-process workers need no socket
    spawn_env = {"distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_":
                 WORKER_MMAP_THRESHOLD_BYTES}  # fmt: skip
    with dask.config.set(spawn_env):  # read by each nanny as it starts its worker
        return LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=processes,
            dashboard_address=None, memory_limit=memory_limit or "auto", **where,
        )  # fmt: skip


class ClusterStart:
    """A LocalCluster for ``spec`` (``local``, ``local:N``) starting in a background thread,
    so that its workers start while the caller reads the book (one core loads, the other
    starts the workers: measured 1.1 s of start hidden on the 2-core box); other specs start
    nothing here. :func:`dask_client` takes the cluster (and closes it); :meth:`close` closes
    one that nobody took (a run that stopped on an error before its blocks)."""

    def __init__(self, spec: str) -> None:
        kind, value = parse_cluster(spec)
        self.future: concurrent.futures.Future | None = None
        if kind == "local":
            pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="xmsim-cluster")
            self.future = pool.submit(_local_cluster, value)
            pool.shutdown(wait=False)

    def take(self):
        """The started LocalCluster (waits for it; the taker closes it), None for a scheduler
        address or once taken."""
        future, self.future = self.future, None
        return None if future is None else future.result()

    def close(self) -> None:
        """Close the cluster if nobody took it."""
        with contextlib.suppress(Exception):  # a cluster that failed to start has nothing
            cluster = self.take()
            if cluster is not None:
                cluster.close()


@contextlib.contextmanager
def dask_client(
    spec: str,
    timeout: float = CONNECT_TIMEOUT_S,
    processes: bool = True,
    memory_limit: str | None = None,
    started: ClusterStart | None = None,
) -> Iterator:
    """A ``distributed.Client`` for ``spec``, closed (with its LocalCluster) on exit;
    ``started``: the LocalCluster already starting for ``spec`` (:class:`ClusterStart`)."""
    kind, value = parse_cluster(spec)
    from distributed import Client

    if kind == "local":
        cluster = started.take() if started is not None else None
        cluster = cluster or _local_cluster(value, processes, memory_limit)
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
