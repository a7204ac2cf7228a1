"""Putting the tasks of one frontier back together (geo.orchestration.frontier.tasks).

By target: each task answered one target; its point is that target's point. By restart: each
task answered every target; a target takes the cheapest feasible point over the restarts, with
the status that restart gave it (ties go to the earlier restart, so the merge is deterministic).
Counts add up: the evaluations of the restarts together never exceed the budget they shared.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from geo.core.results import FrontierPoint, FrontierResult

# Details that are sums over the tasks (the evaluator's counts).
SUMMED = ("evaluations", "screened", "distinct_selections")
# Details recorded per task rather than merged: they describe one task only.
PER_TASK = ("task_time_limit", "settings", "budget", "time_limit", "resumed", *SUMMED)


def point_cost(point: FrontierPoint, objective: str) -> float:
    """What the method minimised at the point's parameter (inf when it holds no portfolio)."""
    if not point.feasible:
        return math.inf
    if objective == "target-return":
        return point.variance
    return point.parameter * point.variance - (1.0 - point.parameter) * point.expected_return


def merge_by_target(results: list[FrontierResult]) -> tuple[list[FrontierPoint], dict[str, Any]]:
    """The points of single-target tasks in order, their counts summed, the method's details once."""
    points = [result.points[0] for result in results]
    details = _sums(results)
    details.update({key: value for key, value in results[0].details.items() if key not in PER_TASK})
    if "points" in details:  # the count of points per status, now over the whole frontier
        details["points"] = {status: sum(p.status == status for p in points) for status in details["points"]}
    details["task_seconds"] = [round(r.timing.get("wall_s", 0.0), 4) for r in results]
    return points, details


def merge_restarts(results: list[FrontierResult], seeds: list[int | None]) -> tuple[list[FrontierPoint],
                                                                                   dict[str, Any]]:
    """Per target the cheapest feasible point over the restarts; a summary of each restart.

    The method's own details (GEO's iterations, ...) are those of the restart that gave the most
    points (the earliest on a tie); ``details["restarts"]`` says which one.
    """
    objective = results[0].objective
    points, won = [], [0] * len(results)
    for column in range(len(results[0].points)):
        candidates = [result.points[column] for result in results]
        costs = [point_cost(p, objective) for p in candidates]
        best = min(range(len(candidates)), key=lambda i: (costs[i], i))
        won[best] += math.isfinite(costs[best])
        # Which restart found it (only with several: one restart is exactly the run without restarts).
        points.append(candidates[best] if len(results) == 1
                      else replace(candidates[best], extras={**candidates[best].extras, "restart": best}))
    lead = max(range(len(results)), key=lambda i: (won[i], -i))
    details = _sums(results)
    details.update({key: value for key, value in results[lead].details.items() if key not in PER_TASK})
    details["restarts"] = [{"seed": seed, "budget": r.details.get("budget"), "evaluations": r.details.get("evaluations"),
                            "screened": r.details.get("screened"), "wall_s": round(r.timing.get("wall_s", 0.0), 4),
                            "time_limit": r.details.get("task_time_limit"), "targets_won": won[i],
                            "details_shown": i == lead}
                           for i, (seed, r) in enumerate(zip(seeds, results))]
    return points, details


def _sums(results: list[FrontierResult]) -> dict[str, Any]:
    return {key: sum(r.details.get(key) or 0 for r in results) for key in SUMMED}
