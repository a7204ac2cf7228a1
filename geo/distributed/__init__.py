"""Running independent tasks in-process or on a Dask cluster, with the same answers either way."""

from geo.distributed.runner import TaskRunner, task_seeds

__all__ = ["TaskRunner", "task_seeds"]
