"""Refining GEO's sampled starts by exact swap descent, and deciding which target each start serves.

A raw sample of K assets out of N almost never lands on an optimum; a descent from it, at a
target where it matters, often does. This module holds the two rules of the hybrid loop:

- :class:`TargetSchedule` sends starts round-robin over the targets, weakest first: the
  targets that have had the fewest descents come first, and among those the ones whose best
  cost sits furthest above the line between their neighbours (a dent in the frontier is a
  target that has not found its optimum yet). Sending each start where it *looked* best
  instead piles descents onto targets already solved (the prototype of issue 8 left one
  target at an 11.9 % gap that way).
- :func:`refine` descends from a start at its target, then carries the local optimum along
  the frontier (continuation): while a descent improves the best known cost of its target,
  the next target in that direction is descended from its answer too. This keeps what makes
  local search strong: neighbouring targets share their optima, one or two swaps apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from typing import Callable

from geo.classical.local_search import IMPROVEMENT_RTOL, descend
from geo.classical.neighbourhood import all_neighbours
from geo.methods.base import Deadline
from geo.problem.evaluator import SelectionEvaluator

NeighbourScore = Callable[[np.ndarray], np.ndarray]
"""``score(selections)`` -> how likely a model rates each selection (higher first)."""
# Guided descent prices this share of a neighbourhood first: the swaps the model rates likeliest.
GUIDED_SHARE = 0.1


@dataclass
class TargetSchedule:
    """Which targets the next starts serve: fewest descents first, then the deepest dent."""

    n_columns: int
    descents: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.descents = np.zeros(self.n_columns, dtype=np.int64)

    def next_columns(self, count: int, best_costs: np.ndarray) -> np.ndarray:
        """``count`` targets for the next starts (distinct while count <= n_columns)."""
        chosen = []
        descents = self.descents.copy()
        dents = frontier_dents(best_costs)
        for _ in range(count):
            order = np.lexsort((np.arange(self.n_columns), -dents, descents))
            column = int(order[0])
            chosen.append(column)
            descents[column] += 1
        return np.array(chosen, dtype=np.int64)

    def record(self, column: int) -> None:
        self.descents[column] += 1


def frontier_dents(best_costs: np.ndarray) -> np.ndarray:
    """How far each target's best cost lies above the straight line between its neighbours,
    relative to its cost (0 at the ends, for unknown costs, and where the frontier is convex)."""
    costs = np.asarray(best_costs, dtype=float)
    dents = np.zeros(len(costs))
    if len(costs) < 3:
        return dents
    middle = 0.5 * (costs[:-2] + costs[2:])
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = (costs[1:-1] - middle) / np.abs(costs[1:-1])
    dents[1:-1] = np.where(np.isfinite(relative), np.maximum(relative, 0.0), 0.0)
    return dents


@dataclass
class Refinement:
    """What one start's refinement did: its local optima and how much the descent worked."""

    optima: list[np.ndarray]
    moves: int
    descents: int
    already_optimal: bool
    improved_columns: list[int]


def refine(evaluator: SelectionEvaluator, start: np.ndarray, column: int, best_costs: np.ndarray,
           rng: np.random.Generator, deadline: Deadline, schedule: TargetSchedule | None = None,
           continuation: bool = True, guide: NeighbourScore | None = None) -> Refinement:
    """Descend from ``start`` at ``column``; while that improves a target's best known cost,
    continue to the next target in each direction from the improved selection.

    ``guide``: the first descent prices the swaps the generator rates likeliest first
    (:func:`guided_descend`). ``best_costs`` (one per target) is read, not changed. Every
    descent stays within the evaluator's budget limit.
    """
    stats = {"moves": 0}
    if guide is not None:
        optimum, cost = guided_descend(evaluator, start, column, rng, deadline, guide, stats)
    else:
        optimum, cost = descend(evaluator, start, column, rng, evaluator.limit, deadline, stats)
    already_optimal = stats["moves"] == 0
    optima, improved, descents = [optimum], [], 1
    if schedule is not None:
        schedule.record(column)
    if _improves(cost, best_costs[column]):
        improved.append(column)
        if continuation:
            for step in (1, -1):
                current, target = optimum, column + step
                while 0 <= target < len(best_costs) and evaluator.remaining > 0 and not deadline.expired():
                    current, cost = descend(evaluator, current, target, rng, evaluator.limit, deadline, stats)
                    descents += 1
                    if schedule is not None:
                        schedule.record(target)
                    optima.append(current)
                    if not _improves(cost, best_costs[target]):
                        break
                    improved.append(target)
                    target += step
    return Refinement(optima, stats["moves"], descents, already_optimal, improved)


def guided_descend(evaluator: SelectionEvaluator, start: np.ndarray, column: int, rng: np.random.Generator,
                   deadline: Deadline, score: NeighbourScore, stats: dict[str, int]) -> tuple[np.ndarray, float]:
    """Steepest descent that prices the ``GUIDED_SHARE`` of the neighbourhood the model rates
    likeliest first, takes the best improving swap among them, and prices the rest of the
    neighbourhood only when none of those improves. The local optimum it stops at is a true
    one (the whole neighbourhood was priced); what the model saves is evaluations on the way.
    """
    current = start.copy()
    current_cost = float(evaluator.costs(current, [column])[0, 0])
    if not np.isfinite(current_cost):  # reach feasibility the plain way first
        current, current_cost = descend(evaluator, current, column, rng, evaluator.limit, deadline, stats)
        if not np.isfinite(current_cost):
            return current, current_cost
    while evaluator.remaining > 0 and not deadline.expired():
        neighbours = all_neighbours(evaluator.problem, current)
        order = np.argsort(-score(neighbours), kind="stable")
        first = max(1, int(GUIDED_SHARE * len(order)))
        moved = False
        for part in (order[:first], order[first:]):
            if len(part) == 0:
                continue
            cutoff = current_cost - IMPROVEMENT_RTOL * abs(current_cost)
            costs = evaluator.neighbourhood_costs(current, neighbours[part], column, cutoff=cutoff)
            best = int(np.argmin(costs))
            if costs[best] < cutoff:
                current, current_cost, moved = neighbours[part[best]].copy(), float(costs[best]), True
                stats["moves"] = stats.get("moves", 0) + 1
                break
        if not moved:
            break
    return current, current_cost


def learned_kick(incumbent: np.ndarray, sample: np.ndarray, moves: int, rng: np.random.Generator) -> np.ndarray | None:
    """The incumbent with ``moves`` of its assets that the sample lacks swapped for assets the
    sample holds: a kick in the direction the generator points (a uniform generator makes it
    the random kick of iterated local search). None when the sample adds nothing new."""
    leaving = np.flatnonzero(incumbent & ~sample)
    entering = np.flatnonzero(sample & ~incumbent)
    count = min(moves, len(leaving), len(entering))
    if count == 0:
        return None
    start = incumbent.copy()
    start[rng.choice(leaving, count, replace=False)] = False
    start[rng.choice(entering, count, replace=False)] = True
    return start


def _improves(cost: float, best: float) -> bool:
    if not np.isfinite(cost):
        return False
    return not np.isfinite(best) or cost < best - IMPROVEMENT_RTOL * abs(best)
