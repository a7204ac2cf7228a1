"""Refining GEO's starts by exact swap descent, and deciding which target each start serves.

A raw sample of K assets out of N almost never lands on an optimum; a descent from it, at a
target where it matters, often does. The descent is steepest (``refine="descent"``: the whole
neighbourhood priced before each move) or first improvement (:mod:`geo.classical.first_improvement`)
in an order: the generator's ratios of the moves (``"guided"``), the QP's reduced costs
(``"reduced-cost"``) or none (``"random"``, the control of both). This module holds that choice
and the two rules of the hybrid loop:

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
from typing import Callable

import numpy as np

from geo.classical.first_improvement import NeighbourOrder, first_improvement_descent, reduced_cost_scores
from geo.classical.local_search import IMPROVEMENT_RTOL, descend
from geo.methods.base import Deadline
from geo.problem.evaluator import SelectionEvaluator

Descent = Callable[[np.ndarray, int, dict], tuple[np.ndarray, float]]
"""``descent(start, column, stats)`` -> the local optimum it reached at ``column`` and its cost."""
# How the loop refines its starts (``refine``): steepest descent, first improvement in the
# generator's order, in the reduced-cost order, in random order; or not at all.
REFINE_MODES = ("descent", "guided", "reduced-cost", "random", "none")


def descent_for(mode: str, evaluator: SelectionEvaluator, rng: np.random.Generator, deadline: Deadline,
                model_order: Callable[[int], NeighbourOrder]) -> Descent:
    """The descent of refinement ``mode``; ``model_order(column)`` is the generator's ranking of
    moves at that target (``guided`` only). Each stays within the evaluator's budget limit."""
    if mode == "descent":
        return lambda start, column, stats: descend(evaluator, start, column, rng, evaluator.limit, deadline, stats)

    def first_improvement(start: np.ndarray, column: int, stats: dict) -> tuple[np.ndarray, float]:
        order = {"guided": lambda: model_order(column), "reduced-cost": lambda: reduced_cost_scores(evaluator, column),
                 "random": lambda: None}[mode]()
        return first_improvement_descent(evaluator, start, column, rng, order, evaluator.limit, deadline, stats)

    return first_improvement


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
           deadline: Deadline, descent: Descent, schedule: TargetSchedule | None = None,
           continuation: bool = True) -> Refinement:
    """Descend from ``start`` at ``column``; while that improves a target's best known cost,
    continue to the next target in each direction from the improved selection.

    ``best_costs`` (one per target) is read, not changed. Every descent stays within the
    evaluator's budget limit.
    """
    stats = {"moves": 0}
    optimum, cost = descent(start, column, stats)
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
                    current, cost = descent(current, target, stats)
                    descents += 1
                    if schedule is not None:
                        schedule.record(target)
                    optima.append(current)
                    if not _improves(cost, best_costs[target]):
                        break
                    improved.append(target)
                    target += step
    return Refinement(optima, stats["moves"], descents, already_optimal, improved)


def _improves(cost: float, best: float) -> bool:
    if not np.isfinite(cost):
        return False
    return not np.isfinite(best) or cost < best - IMPROVEMENT_RTOL * abs(best)
