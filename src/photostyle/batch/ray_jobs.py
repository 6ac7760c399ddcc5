"""Run batch jobs as Ray tasks (``photostyle batch --ray [ADDRESS]``).

Same outputs and resume semantics as the local pool: each task writes its output atomically,
finished outputs are skipped before submission. With no address a local Ray instance is
started (``ray.init()``); with an address (``ray://head:10001`` or ``auto`` inside a cluster)
the tasks run on the cluster, whose nodes need ``photostyle`` installed (same version) and
read/write access to the paths in the CSV (a shared file system), e.g.::

    ray start --head                      # on the head node
    ray start --address HEAD_IP:6379      # on each worker node
    photostyle batch pairs.csv --out /shared/out --ray auto

Ray is an optional dependency: ``pip install 'photostyle[ray]'``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")

#: Seconds to wait for a Ray head to accept a TCP connection before giving up.
CONNECT_TIMEOUT_S = 3.0


def check_reachable(address: str | None) -> None:
    """Fail fast (:class:`ValueError`, one line) when nothing listens at a Ray address.

    ``None`` (start a local instance) and ``"auto"`` (a running local cluster) are left to
    Ray; ``host:port`` (GCS, default port 6379) and ``ray://host:port`` (client, default
    10001) are probed with a TCP connection, so that a wrong address is reported in
    seconds instead of after Ray's minutes of retries.
    """
    import socket

    if address in (None, "auto", "local"):
        return
    rest, default = (address[6:], 10001) if address.startswith("ray://") else (address, 6379)
    host, _, port = rest.rpartition(":") if ":" in rest else (rest, "", str(default))
    try:
        sock = socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S)
    except (OSError, ValueError) as exc:
        raise ValueError(f"--ray {address}: no Ray cluster answers there ({exc})") from None
    sock.close()


def run_ray(
    jobs: list[J],
    run: Callable[[J, dict, int], R],
    options: dict,
    address: str | None = None,
    cpus_per_task: int = 1,
) -> Iterator[R]:
    """Submit ``run(job, options, threads)`` as one Ray task per job; yields its results
    (batch: ``(job, error or None)``) as tasks finish. ``run`` must be importable on the nodes."""
    try:
        import ray
    except ImportError:
        raise ValueError("--ray needs Ray: pip install 'photostyle[ray]'") from None
    check_reachable(address)
    if not ray.is_initialized():
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, TimeoutError, ValueError) as exc:
            msg = " ".join(str(exc).split())
            raise ValueError(f"--ray {address}: cannot connect to Ray ({msg})") from None
    task = ray.remote(num_cpus=cpus_per_task)(run)
    pending = [task.remote(job, options, cpus_per_task) for job in jobs]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        yield ray.get(ready[0])
