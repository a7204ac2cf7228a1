"""One ``geo frontier`` run as independent tasks: in-process one after another, or over Dask.

The split (geo.orchestration.frontier.tasks) depends on the command only: exact solves each target as a
task, a budgeted method with ``--restarts R`` runs R restarts as tasks. In-process runs the
same tasks in order, so in-process, ``--workers 1`` and ``--workers 4`` give the same points.
A budgeted method with one restart in this process is exactly :func:`compute_frontier`, with
its finer checkpoints; with ``--workers``/``--scheduler`` it is one task, with the same answer.

Checkpoint: each finished task is saved (with ``checkpoint_dir``); ``resume`` runs only the
others. A task itself saves nothing: a restart cut short starts again from its seed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from geo.core.checkpoint import Checkpoint, fingerprint
from geo.core.errors import GeoError
from geo.core.results import FrontierPoint, FrontierResult
from geo.distributed import TaskRunner, task_seeds
from geo.orchestration.frontier.merge import merge_by_target, merge_restarts
from geo.orchestration.frontier.run import compute_frontier, frontier_result, method_settings
from geo.orchestration.frontier.tasks import FrontierTask, solve_task, split_budget, target_grid, waves_left
from geo.methods.base import FrontierMethod, ProgressCallback
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem


def check_restarts(method: FrontierMethod, restarts: int) -> None:
    """Restarts are for methods that spend a budget; a method that proves its answer has none to repeat."""
    if restarts != 1 and not getattr(method, "honours_budget", True):
        raise GeoError(f"--restarts does not apply to --method {method.name} (it spends no evaluation budget: "
                       "it proves its answer or prices no selection)", "drop --restarts")


def spread_frontier(problem: Problem, grid: ObjectiveGrid, method: FrontierMethod, *, seed: int | None = 0,
                    budget: int | None = None, time_limit: float | None = None, restarts: int = 1,
                    runner: TaskRunner | None = None, dataset: dict[str, Any] | None = None,
                    progress: ProgressCallback | None = None, checkpoint_dir: str | Path | None = None,
                    resume: bool = False) -> FrontierResult:
    """``method`` over ``grid``, split into tasks run by ``runner`` (in-process when None)."""
    runner = runner or TaskRunner()
    check_restarts(method, restarts)
    by_target = bool(getattr(method, "splits_by_target", False))
    if not by_target and restarts == 1 and runner.client is None:
        result = compute_frontier(problem, grid, method, seed=seed, budget=budget, time_limit=time_limit,
                                  dataset=dataset, progress=progress, checkpoint_dir=checkpoint_dir, resume=resume)
        result.details["where"] = runner.where
        return result
    if grid.kind == "target-return":
        problem.check_target_returns(grid.values)  # one error before any task, not one per task
    started = time.perf_counter()
    deadline_at = None if time_limit is None else time.time() + time_limit
    if by_target:
        task_method = method.for_tasks(problem, time_limit, checkpoint_dir, kind=grid.kind)
        seeds = task_seeds(seed, len(grid))
        shapes = [(target_grid(grid, j), task_method, seeds[j], None) for j in range(len(grid))]
    else:
        # One restart keeps the run's own seed: it is then exactly the run without restarts.
        seeds = [seed] if restarts == 1 else task_seeds(seed, restarts)
        shapes = [(grid, method, s, b) for s, b in zip(seeds, split_budget(budget, restarts))]

    checkpoint, done = None, {}
    if checkpoint_dir is not None:
        run_id = fingerprint(mu=problem.mu, cov=problem.cov, problem=problem.to_dict(), grid=grid.values,
                             objective=grid.kind, method=method.name, settings=method_settings(method), seed=seed,
                             budget=budget, split="targets" if by_target else f"restarts:{restarts}")
        checkpoint = Checkpoint(checkpoint_dir, run_id, resume=resume, interval_s=0.0)
        saved = checkpoint.load()
        done = dict(saved["done"]) if saved else {}
    resumed_tasks = len(done)
    todo = [i for i in range(len(shapes)) if i not in done]
    tasks = [FrontierTask(problem, *shapes[i], deadline_at=deadline_at,
                          waves_left=waves_left(position, len(todo), runner.n_workers))
             for position, i in enumerate(todo)]
    partial: dict[int, FrontierResult] = {}

    def finished(position: int, result: FrontierResult) -> None:
        i = todo[position]
        if result.details.get("interrupted"):  # Ctrl-C caught inside an in-process task
            partial[i] = result
            raise KeyboardInterrupt
        done[i] = result
        if checkpoint is not None:
            checkpoint.save({"done": done}, force=True)
        if progress is not None:
            progress(len(done), len(shapes))

    try:
        runner.map(solve_task, tasks, on_result=finished)
        results = [done[i] for i in range(len(shapes))]
        points, details = merge_by_target(results) if by_target else merge_restarts(results, seeds)
        if by_target:
            method.tasks_finished(problem, checkpoint_dir)
        if checkpoint is not None:
            checkpoint.remove()
    except KeyboardInterrupt:
        points, details = _interrupted(grid, by_target, {**done, **partial}, seeds)
        details.update(interrupted=True,
                       checkpoint=str(checkpoint.directory) if checkpoint is not None and done else None)
    details.update(where=runner.where, resumed_tasks=resumed_tasks)
    return frontier_result(problem, grid, method, points, details, seed=seed, budget=budget, time_limit=time_limit,
                           wall=time.perf_counter() - started, dataset=dataset, resumed=resumed_tasks > 0)


def _interrupted(grid: ObjectiveGrid, by_target: bool, available: dict[int, FrontierResult],
                 seeds: list) -> tuple[list[FrontierPoint], dict[str, Any]]:
    """The best portfolio known per target from the tasks that returned, every point ``interrupted``."""
    known: list[FrontierPoint | None] = [None] * len(grid)
    details: dict[str, Any] = {"evaluations": 0, "screened": 0, "distinct_selections": 0}
    if by_target:
        for j, result in available.items():
            known[j] = result.points[0]
    elif available:
        order = sorted(available)
        known, details = merge_restarts([available[i] for i in order], [seeds[i] for i in order])
    if by_target:
        for result in available.values():
            for key in ("evaluations", "screened", "distinct_selections"):
                details[key] += result.details.get(key) or 0
    points = [FrontierPoint(parameter=float(value), status="interrupted") if point is None
              else FrontierPoint(point.parameter, "interrupted", point.expected_return, point.variance,
                                 dict(point.weights), dict(point.extras))
              for value, point in zip(grid.values, known)]
    return points, details
