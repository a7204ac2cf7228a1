"""Running one method over a frontier and packaging the answer as a results file."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from geo.classical.base import Deadline, FrontierMethod, ProgressCallback
from geo.frontier.result import FrontierResult
from geo.problem.evaluator import SelectionEvaluator
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem
from geo.versions import library_versions


def compute_frontier(problem: Problem, grid: ObjectiveGrid, method: FrontierMethod, *, seed: int | None = 0,
                     budget: int | None = None, time_limit: float | None = None,
                     dataset: dict[str, Any] | None = None, progress: ProgressCallback | None = None,
                     evaluator: SelectionEvaluator | None = None) -> FrontierResult:
    """Solve ``problem`` at every parameter of ``grid`` with ``method``.

    All randomness flows from ``seed`` through one ``numpy.random.Generator``; ``budget``
    bounds selection evaluations (heuristics), ``time_limit`` the wall time of the whole run.
    """
    if grid.kind == "target-return":
        problem.check_target_returns(grid.values)
    rng = np.random.default_rng(seed)
    evaluator = evaluator or SelectionEvaluator(problem, grid)
    deadline = Deadline(time_limit)
    started = time.perf_counter()
    run = method.solve(evaluator, rng, budget, deadline, progress)
    wall = time.perf_counter() - started
    details = {"evaluations": evaluator.n_evaluations, "distinct_selections": evaluator.n_selections,
               "budget": budget, "time_limit": time_limit, "settings": _settings_of(method), **run.details}
    problem_info = {"dataset": (dataset or {}).get("name"), **problem.to_dict(), "objective": grid.kind}
    return FrontierResult(method=method.name, objective=grid.kind, problem=problem_info, points=run.points,
                          seed=seed, timing={"wall_s": wall}, versions=library_versions(),
                          dataset=dataset or {}, details=details)


def _settings_of(method: FrontierMethod) -> dict[str, Any]:
    fields = getattr(method, "__dataclass_fields__", {})
    return {name: getattr(method, name) for name in fields if name != "name"}
