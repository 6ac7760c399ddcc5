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


def run_ray(
    jobs: list[J],
    run: Callable[[J, dict, int], tuple[J, str | None]],
    options: dict,
    address: str | None = None,
    cpus_per_task: int = 1,
) -> Iterator[tuple[J, str | None]]:
    """Submit ``run(job, options, threads)`` as one Ray task per job; yields its results
    (``(job, error or None)``) as tasks finish. ``run`` must be importable on the nodes."""
    try:
        import ray
    except ImportError:
        raise ValueError("--ray needs Ray: pip install 'photostyle[ray]'") from None
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    task = ray.remote(num_cpus=cpus_per_task)(run)
    pending = [task.remote(job, options, cpus_per_task) for job in jobs]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        yield ray.get(ready[0])
