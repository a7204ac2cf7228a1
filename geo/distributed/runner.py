"""One way to run a list of independent tasks: in-process, on a local Dask cluster, or on a
running Dask scheduler.

Reproducibility rests on two rules, kept by the callers and checked by the tests:
- the split of the work into tasks depends on the problem only, never on how many workers
  there are, and in-process runs the same tasks one after another;
- each task carries its own seed, derived from the run's seed with
  ``numpy.random.SeedSequence(seed).spawn`` (:func:`task_seeds`), so a task draws the same
  numbers wherever and whenever it runs, and a task that Dask re-runs after losing a worker
  gives the same answer again.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

import numpy as np

from geo.core.errors import GeoError

log = logging.getLogger("geo")

# A worker lost mid-task (killed, out of memory) makes Dask re-run its tasks elsewhere; a task
# whose own code fails is retried this many times before the run fails.
TASK_RETRIES = 2
CONNECT_TIMEOUT_S = 10
# The scheduler always serves a small HTTP API (health, metrics), on 0.0.0.0:8787 unless told:
# keep it on loopback, on a free port, so that runs side by side do not collide.
LOOPBACK_HTTP = "127.0.0.1:0"


def task_seeds(seed: int | None, n_tasks: int) -> list[int]:
    """Independent per-task seeds from one run seed (the same list for any number of workers)."""
    children = np.random.SeedSequence(seed).spawn(n_tasks)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


class TaskRunner:
    """``with TaskRunner(workers=N | scheduler=ADDRESS | neither) as runner: runner.map(fn, tasks)``.

    ``workers`` starts a ``LocalCluster`` of that many single-threaded worker processes on
    127.0.0.1 for the duration of the block; ``scheduler`` connects to an existing cluster;
    neither runs every task in this process, in order.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        if workers is not None and scheduler is not None:
            raise GeoError("--workers and --scheduler were both given", "use one of them")
        if workers is not None and workers < 1:
            raise GeoError(f"--workers must be at least 1 (got {workers})", "give a number of worker processes")
        self.workers, self.scheduler = workers, scheduler
        self.client = None
        self.cluster = None

    @property
    def where(self) -> str:
        if self.scheduler:
            return f"dask scheduler {self.scheduler}"
        if self.workers:
            return f"local dask cluster, {self.workers} worker process(es)"
        return "in-process"

    @property
    def n_workers(self) -> int:
        """Workers that run tasks side by side (1 in-process; a scheduler's workers when connected).

        Only time limits use it (a fair share per wave of tasks); the split of the work never does.
        """
        if self.client is not None and self.scheduler is not None:
            return max(1, len(self.client.scheduler_info().get("workers", {})))
        return self.workers or 1

    def __enter__(self) -> "TaskRunner":
        if self.workers is None and self.scheduler is None:
            return self
        from dask.distributed import Client, LocalCluster  # lazy: only distributed runs pay for it

        # Dask logs every connection at INFO; geo's own -v shows what geo does, not the cluster's chatter.
        if not log.isEnabledFor(logging.INFO):
            logging.getLogger("distributed").setLevel(logging.WARNING)

        if self.scheduler is not None:
            try:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError, ValueError) as exc:
                raise GeoError(f"cannot reach the Dask scheduler at {self.scheduler} ({type(exc).__name__})",
                               "start it (dask scheduler) and give its address as tcp://HOST:PORT, "
                               "or use --workers N for a local cluster") from None
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, host="127.0.0.1",
                                        scheduler_kwargs={"dashboard_address": LOOPBACK_HTTP})
            self.client = Client(self.cluster)
        log.info("running on %s", self.where)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def map(self, function: Callable[[Any], Any], tasks: Sequence[Any],
            on_result: Callable[[int, Any], None] | None = None) -> list[Any]:
        """``[function(task) for task in tasks]``, in the order of ``tasks``.

        ``on_result(i, result)`` is called in this process as each task finishes (in-process:
        in order; on a cluster: in order of completion), e.g. to checkpoint it.
        """
        results: list[Any] = [None] * len(tasks)
        if self.client is None:
            for i, task in enumerate(tasks):
                results[i] = function(task)
                if on_result is not None:
                    on_result(i, results[i])
            return results
        from dask.distributed import as_completed

        import warnings

        with warnings.catch_warnings():
            # Each task carries its own data window by design (a task must be self-contained to be
            # re-run anywhere); Dask's advice to load data through Dask does not apply.
            warnings.filterwarnings("ignore", message="Sending large graph")
            futures = self.client.map(function, list(tasks), pure=False, retries=TASK_RETRIES)
        position = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                i = position[future.key]
                results[i] = future.result()
                if on_result is not None:
                    on_result(i, results[i])
        finally:
            for future in futures:
                future.release()
        return results
