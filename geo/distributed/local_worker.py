"""Preloaded into each worker process of the local cluster that ``TaskRunner(workers=N)`` starts.

Ctrl-C in a terminal reaches the whole process group, these workers included. The command that
started them handles it: it keeps the finished tasks, cancels the rest and closes the cluster.
A worker that handled it too would print its own traceback and die mid-task, so it ignores it.
A cluster reached with ``--scheduler`` is not ours: its workers are left as they are.
"""

from __future__ import annotations

import logging
import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Dask calls this in the worker process as the worker starts (its main thread)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def quiet_after_interrupt() -> None:
    """Run on each worker as the cluster closes after Ctrl-C. A cancelled task still running is cut
    short, and a heartbeat can find the scheduler already gone: both are expected, yet Dask logs
    them as warnings and errors with tracebacks that would bury the command's one line."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
