"""Running one method over a frontier and packaging the answer as a results file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from geo.methods.base import Deadline, FrontierMethod, ProgressCallback, best_known_points
from geo.core.checkpoint import DEFAULT_INTERVAL_S, Checkpoint, fingerprint
from geo.core.results import FrontierResult
from geo.problem.evaluator import SelectionEvaluator
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem
from geo.core.units import periods_per_year
from geo.core.versions import library_versions


def compute_frontier(problem: Problem, grid: ObjectiveGrid, method: FrontierMethod, *, seed: int | None = 0,
                     budget: int | None = None, time_limit: float | None = None,
                     dataset: dict[str, Any] | None = None, progress: ProgressCallback | None = None,
                     evaluator: SelectionEvaluator | None = None, checkpoint_dir: str | Path | None = None,
                     resume: bool = False, checkpoint_interval: float = DEFAULT_INTERVAL_S) -> FrontierResult:
    """Solve ``problem`` at every parameter of ``grid`` with ``method``.

    All randomness flows from ``seed`` through one ``numpy.random.Generator``; ``budget``
    bounds selection evaluations (heuristics), ``time_limit`` the wall time of the whole run.
    With ``checkpoint_dir`` the method saves its progress there, and ``resume`` continues from
    it. Ctrl-C returns the best portfolios known so far, each point marked ``interrupted``
    and ``details["interrupted"]`` set; the checkpoint stays for a later ``resume``.
    """
    if grid.kind == "target-return":
        problem.check_target_returns(grid.values)
    rng = np.random.default_rng(seed)
    evaluator = evaluator or SelectionEvaluator(problem, grid)
    # A hard limit: whatever a method's own bookkeeping, no evaluation beyond the budget. Methods
    # that prove optimality (enumeration, exact) or price no selections do not take a budget.
    if getattr(method, "honours_budget", True):
        evaluator.set_budget(budget)
    checkpoint = None
    if checkpoint_dir is not None:
        run_id = fingerprint(mu=problem.mu, cov=problem.cov, problem=problem.to_dict(), grid=grid.values,
                             objective=grid.kind, method=method.name, settings=method_settings(method), seed=seed,
                             budget=budget)
        checkpoint = Checkpoint(checkpoint_dir, run_id, resume=resume, interval_s=checkpoint_interval)
    deadline = Deadline(time_limit)
    started = time.perf_counter()
    details: dict[str, Any] = {}
    try:
        run = method.solve(evaluator, rng, budget, deadline, progress, checkpoint)
        points, details = run.points, dict(run.details)
        if checkpoint:
            checkpoint.remove()
    except KeyboardInterrupt:
        points = interrupted_points(evaluator)
        details = {"interrupted": True,
                   "checkpoint": str(checkpoint.directory) if checkpoint and checkpoint.saves else None}
    wall = time.perf_counter() - started
    details = {"evaluations": evaluator.n_evaluations, "screened": evaluator.n_screened,
               "solver_failures": evaluator.n_solver_failures, "distinct_selections": evaluator.n_selections,
               **details}
    return frontier_result(problem, grid, method, points, details, seed=seed, budget=budget, time_limit=time_limit,
                           wall=wall, dataset=dataset, resumed=bool(resume and checkpoint is not None))


def frontier_result(problem: Problem, grid: ObjectiveGrid, method: FrontierMethod, points: list, details: dict,
                    *, seed: int | None, budget: int | None, time_limit: float | None, wall: float,
                    dataset: dict[str, Any] | None, resumed: bool) -> FrontierResult:
    """The results file of a run: ``details`` (counts first, then the method's own) with the run's settings."""
    counts = {key: details.pop(key) for key in ("evaluations", "screened", "solver_failures", "distinct_selections")
              if key in details}
    details = {**counts, "budget": budget, "time_limit": time_limit, "settings": method_settings(method),
               "resumed": resumed, **details}
    problem_info = {"dataset": (dataset or {}).get("name"), **problem.to_dict(), "objective": grid.kind}
    if dataset:  # values stay per period; this factor annualises them (geo.core.units)
        dataset = {**dataset, "periods_per_year": periods_per_year(dataset.get("frequency"))}
    return FrontierResult(method=method.name, objective=grid.kind, problem=problem_info, points=points,
                          seed=seed, timing={"wall_s": wall}, versions=library_versions(),
                          dataset=dataset or {}, details=details)


def interrupted_points(evaluator: SelectionEvaluator) -> list:
    """The cheapest selection priced so far at each target (no new pricing), as partial points."""
    return best_known_points(evaluator, status="interrupted", unsolved_status="interrupted")


def method_settings(method: FrontierMethod) -> dict[str, Any]:
    fields = getattr(method, "__dataclass_fields__", None)
    names = list(fields) if fields else [k for k in vars(method) if not k.startswith("_")]
    return {name: getattr(method, name) for name in names if name != "name"}
