"""The tasks one ``geo frontier`` run splits into, and the function that solves one.

Two splits, both fixed by the command (method, targets, ``--restarts``), never by the number
of workers:
- by target: a method that answers target by target (``splits_by_target``: exact) solves
  each target of the grid as its own task, with its own seed;
- by restart: a budgeted method runs R independent times over the whole frontier
  (``--restarts R``), each with its own seed and its share of the budget.
A task holds everything it needs and returns a plain :class:`FrontierResult`, so it gives the
same answer in this process, on any Dask worker, and again when Dask re-runs it after losing
a worker. Only a time limit depends on where and when a task runs (:func:`task_time_limit`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from geo.core.errors import GeoError
from geo.core.results import FrontierResult
from geo.orchestration.frontier.run import compute_frontier
from geo.methods.base import FrontierMethod
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem


@dataclass(frozen=True)
class FrontierTask:
    problem: Problem
    grid: ObjectiveGrid
    method: FrontierMethod
    seed: int | None
    budget: int | None
    # The command's end (seconds since the epoch: comparable across processes) and the waves of
    # tasks still to run when this one starts, counting it; None: no time limit.
    deadline_at: float | None = None
    waves_left: int = 1


def solve_task(task: FrontierTask) -> FrontierResult:
    """One task: the method over the task's grid, with the task's seed, budget and time."""
    limit = task_time_limit(task.deadline_at, task.waves_left)
    result = compute_frontier(task.problem, task.grid, task.method, seed=task.seed, budget=task.budget,
                              time_limit=limit)
    result.details["task_time_limit"] = limit
    return result


def task_time_limit(deadline_at: float | None, waves_left: int) -> float | None:
    """A fair share of the command's remaining time: what is left, over the waves still to run.

    In-process (one worker) a wave is one task, so this is the share each target of the exact
    method always had; time-limited runs are not reproducible anyway, budgeted runs are.
    """
    if deadline_at is None:
        return None
    return max(0.0, deadline_at - time.time()) / max(1, waves_left)


def waves_left(position: int, n_tasks: int, n_workers: int) -> int:
    """Waves of ``n_workers`` tasks still to run when the task at ``position`` starts (it counts)."""
    return max(1, math.ceil((n_tasks - position) / max(1, n_workers)))


def split_budget(budget: int | None, parts: int) -> list[int | None]:
    """``budget`` in ``parts`` shares that sum to it exactly; the remainder to the first shares."""
    if budget is None:
        return [None] * parts
    if budget < parts:
        raise GeoError(f"--budget {budget} cannot be split over --restarts {parts}: each restart needs at least "
                       "one evaluation", "raise --budget or lower --restarts")
    share, extra = divmod(budget, parts)
    return [share + (1 if i < extra else 0) for i in range(parts)]


def target_grid(grid: ObjectiveGrid, column: int) -> ObjectiveGrid:
    """The one-target grid of a by-target task."""
    return ObjectiveGrid(grid.kind, grid.values[column:column + 1])
