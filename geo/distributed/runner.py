"""One way to run a list of independent tasks: in-process, on a local Dask cluster, or on a
running Dask scheduler.

Reproducibility rests on two rules, kept by the callers and checked by the tests:
- the split of the work into tasks depends on the problem only, never on how many workers
  there are, and in-process runs the same tasks one after another;
- each task carries its own seed, derived from the run's seed with
  ``numpy.random.SeedSequence(seed).spawn`` (:func:`task_seeds`), so a task draws the same
  numbers wherever and whenever it runs, and a task that Dask re-runs after losing a worker
  gives the same answer again.

What every task reads (a backtest's price table) is ``map``'s ``shared`` argument: an input of
each task like any other, but sent to a cluster once rather than with every task.
"""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

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
# How often the wait for tasks looks up from Dask to see whether Ctrl-C was pressed.
POLL_S = 0.2
# Run in each worker of a local cluster as it starts: the workers leave Ctrl-C to this process.
LOCAL_WORKER_SETUP = "geo.distributed.local_worker"
# Closing a local cluster at the end of a run, each worker gets this long to finish and exit by
# itself. Dask's own wait is 4 s, short on a loaded machine: it then kills the worker mid-teardown
# (its scratch folder left behind) and says so on stderr.
WORKER_EXIT_S = 60.0


@contextmanager
def ctrl_c_as_flag() -> Iterator[threading.Event]:
    """Within the block, Ctrl-C sets the flag instead of raising KeyboardInterrupt wherever the
    main thread happens to be: raised inside Dask's client machinery it can be lost, and the run
    would carry on. The caller checks the flag between waits. Outside the main thread (where no
    handler can be set) or where Ctrl-C is ignored, nothing changes."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield flag
        return
    previous = signal.signal(signal.SIGINT, lambda *_: flag.set())
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


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
            # At the default verbosity the cluster (scheduler, nannies, workers) says only what
            # went wrong: its warnings about a slow event loop or a slow exit on a loaded machine
            # are no news to the user. geo -v shows them.
            quiet = logging.WARNING if log.isEnabledFor(logging.INFO) else logging.ERROR
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, host="127.0.0.1", preload=[LOCAL_WORKER_SETUP],
                                        scheduler_kwargs={"dashboard_address": LOOPBACK_HTTP}, silence_logs=quiet)
            self.client = Client(self.cluster)
        log.info("running on %s", self.where)
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        interrupted = exc_type is not None and issubclass(exc_type, KeyboardInterrupt)
        if interrupted:
            # Closing after Ctrl-C: workers still busy with a cancelled task are killed, as meant;
            # Dask's warnings about it would bury the one line that says what was kept.
            logging.getLogger("distributed").setLevel(logging.ERROR)
            self._quiet_local_workers()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            if not interrupted:
                self._let_workers_exit()
            self.cluster.close()
        self.client = self.cluster = None

    def _let_workers_exit(self) -> None:
        """Close the local cluster's workers, each given WORKER_EXIT_S to exit by itself."""
        import asyncio

        workers = list(self.cluster.workers.values())

        async def close_all() -> None:
            await asyncio.gather(*(worker.close(timeout=WORKER_EXIT_S, reason="geo: run finished")
                                   for worker in workers))

        self.cluster.sync(close_all)

    def _quiet_local_workers(self) -> None:
        if self.cluster is None or self.client is None:
            return
        from geo.distributed.local_worker import quiet_after_interrupt

        try:
            self.client.run(quiet_after_interrupt)
        except Exception:  # noqa: BLE001 - best effort: closing the cluster matters, its log level does not
            pass

    def map(self, function: Callable[..., Any], tasks: Sequence[Any],
            on_result: Callable[[int, Any], None] | None = None, shared: Any = None) -> list[Any]:
        """``[function(task) for task in tasks]``, in the order of ``tasks``; with ``shared``,
        ``function(task, shared)``.

        ``shared`` is what every task reads (a backtest's price table): in-process it is passed
        as it is, never copied; on a cluster it is sent once, to every worker, so that the tasks
        themselves stay small. ``on_result(i, result)`` is called in this process as each task
        finishes (in-process: in order; on a cluster: in order of completion), e.g. to checkpoint
        it. Ctrl-C (or any error) cancels the tasks still pending on the cluster before it
        propagates.
        """
        results: list[Any] = [None] * len(tasks)
        extra = () if shared is None else (shared,)
        if self.client is None:
            for i, task in enumerate(tasks):
                results[i] = function(task, *extra)
                if on_result is not None:
                    on_result(i, results[i])
            return results
        if not tasks:  # e.g. a resumed run with every task done: nothing to send
            return results
        from dask.distributed import wait

        # Held until every task is done: a task re-run after a lost worker still finds its data.
        shared_columns = self._scattered(extra, len(tasks))
        futures = self.client.map(function, list(tasks), *shared_columns, pure=False, retries=TASK_RETRIES)
        position = {future.key: i for i, future in enumerate(futures)}
        pending = set(futures)
        try:
            with ctrl_c_as_flag() as interrupted:
                while pending:
                    if interrupted.is_set():
                        raise KeyboardInterrupt
                    try:
                        done, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
                    except TimeoutError:
                        continue
                    for future in sorted(done, key=lambda f: position[f.key]):
                        i = position[future.key]
                        results[i] = future.result()
                        if on_result is not None:
                            on_result(i, results[i])
        except BaseException:
            # KeyboardInterrupt included: the pending tasks are dropped. Dask cannot stop a task
            # already running; it finishes unused (a local cluster is closed anyway).
            self.client.cancel(futures)
            raise
        finally:
            for future in [*futures, *(column[0] for column in shared_columns if column)]:
                future.release()
        return results

    def _scattered(self, extra: tuple[Any, ...], n_tasks: int) -> list[list[Any]]:
        """One argument list per shared object: the same future for every task.

        broadcast=True puts a copy on every worker: a worker that dies does not take the only
        copy with it, and the task Dask re-runs elsewhere finds the data already there.
        """
        columns = []
        for value in extra:
            future = self.client.scatter(value, broadcast=True, hash=False)
            columns.append([future] * n_tasks)
        return columns
