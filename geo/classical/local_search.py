"""Greedy construction followed by swap local search, target by target along the frontier.

For each parameter: steepest descent over the whole move neighbourhood (swaps; drops and adds
in at-most mode) from the best of a greedy construction and the previous target's answer,
then ``kicks`` rounds of iterated local search (a random double move from the best, then
descent again). The sweep along the frontier is :func:`geo.classical.sweep.sweep_targets`.
``descent="reduced-cost"`` descends by first improvement in the order of the QP's reduced
costs instead (:mod:`geo.classical.first_improvement`): far cheaper where the budget cannot pay
for whole neighbourhoods. A backward pass then descends once more at each target from the best
selection any target found (``backward=False``: the forward sweep only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.methods.base import Deadline, MethodRun, ProgressCallback, best_selections_per_column, heuristic_points
from geo.classical.construction import starting_selection
from geo.classical.neighbourhood import all_neighbours, random_neighbour
from geo.classical.sweep import sweep_targets
from geo.core.checkpoint import Checkpoint
from geo.core.errors import GeoError
from geo.problem.compiled_descent import LOCAL_OPTIMUM, PENDING, SHORT_BUDGET
from geo.problem.evaluator import SelectionEvaluator

DESCENTS = ("steepest", "reduced-cost")
# A move must lower the cost by more than this relative amount: guards against cycling on
# round-off when two selections have (numerically) the same cost.
IMPROVEMENT_RTOL = 1e-12
# Moves per compiled call without a deadline (the call returns earlier at a local optimum).
UNTIMED_STEPS = 1_000_000


@dataclass
class LocalSearchMethod:
    """Swap local search with iterated kicks; ``kicks`` bounds the restarts per target."""

    kicks: int = 5
    kick_moves: int = 2
    descent: str = "steepest"
    backward: bool = True
    name: str = "local-search"

    def __post_init__(self) -> None:
        if self.descent not in DESCENTS:
            raise GeoError(f"unknown descent {self.descent!r}", f"use one of: {', '.join(DESCENTS)}")

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        with evaluator.spending(budget):
            found, allowance = sweep_targets(self._search_column, evaluator, rng, budget, deadline, progress,
                                             checkpoint)
            if self.backward:
                found += self._backward_pass(evaluator, found, rng, deadline, allowance.stop_at)
            points = heuristic_points(evaluator, deadline)
        return MethodRun(points, {"stopped_by_deadline": deadline.expired()})

    def _backward_pass(self, evaluator: SelectionEvaluator, found: list[np.ndarray], rng: np.random.Generator,
                       deadline: Deadline, stop_at: float) -> list[np.ndarray]:
        """Descend once more at each target from the best selection any target found for it.

        The forward sweep only passes answers to the next target; this pass lets a good
        selection found later along the frontier improve the targets before it.
        """
        if not found:
            return []
        improved = []
        for column in reversed(range(len(evaluator.grid))):
            if evaluator.n_evaluations >= min(stop_at, evaluator.limit) or deadline.expired():
                break
            start = best_selections_per_column(evaluator, np.array(found + improved), [column])[0]
            if start is not None:
                improved.append(self._descend(evaluator, start, column, rng, stop_at, deadline)[0])
        return improved

    def _search_column(self, evaluator: SelectionEvaluator, column: int, previous: np.ndarray | None,
                       rng: np.random.Generator, stop_at: float, deadline: Deadline) -> np.ndarray | None:
        start, _ = starting_selection(evaluator, column, previous)
        best, best_cost = self._descend(evaluator, start, column, rng, stop_at, deadline)
        for _ in range(self.kicks):
            if evaluator.n_evaluations >= min(stop_at, evaluator.limit) or deadline.expired():
                break
            kicked = best
            for _ in range(self.kick_moves):
                kicked = random_neighbour(evaluator.problem, kicked, rng)
            candidate, cost = self._descend(evaluator, kicked, column, rng, stop_at, deadline)
            if cost < best_cost:
                best, best_cost = candidate, cost
        return best if np.isfinite(best_cost) else None

    def _descend(self, evaluator: SelectionEvaluator, selection: np.ndarray, column: int, rng: np.random.Generator,
                 stop_at: float, deadline: Deadline) -> tuple[np.ndarray, float]:
        if self.descent == "steepest":
            return descend(evaluator, selection, column, rng, stop_at, deadline)
        from geo.classical.first_improvement import first_improvement_descent, reduced_cost_scores

        return first_improvement_descent(evaluator, selection, column, rng, reduced_cost_scores(evaluator, column),
                                         stop_at, deadline)


def descend(evaluator: SelectionEvaluator, selection: np.ndarray, column: int, rng: np.random.Generator,
            stop_at: float = np.inf, deadline: Deadline | None = None,
            stats: dict[str, int] | None = None) -> tuple[np.ndarray, float]:
    """Steepest descent from ``selection`` at one parameter; returns the local optimum and its cost.

    From an infeasible start (the target out of the selection's reach) it first moves to the
    neighbour closest to reaching the target, until a feasible selection turns up. Neighbours
    that a proven bound shows cannot improve on the current cost are screened, not priced
    (``cutoff``, see :class:`SelectionEvaluator`). ``stats``, when given, counts the moves made
    (``stats["moves"]``).

    Where the evaluator's kernels serve the problem (``evaluator.compiled_moves``), runs of moves
    are made in compiled code (:mod:`geo.problem.compiled_descent`: the same moves, prices and
    counts); the steps it hands back, and every step elsewhere, are made here.
    """
    current = selection.copy()
    current_cost = float(evaluator.costs(current, [column])[0, 0])
    current_gap = 0.0 if np.isfinite(current_cost) else float(evaluator.reach_gap(current, column)[0])
    # A deadline is looked at between compiled calls: one move per call then.
    max_steps = 1 if deadline is not None and deadline.seconds is not None else UNTIMED_STEPS
    while evaluator.n_evaluations < stop_at and not (deadline and deadline.expired()):
        costs = None
        if evaluator.compiled_moves:
            run = evaluator.descent_steps(current, current_cost, column, IMPROVEMENT_RTOL, stop_at, max_steps)
            if run.moves:
                current, current_cost, current_gap = run.selection, run.cost, 0.0
                _count_moves(stats, run.moves)
            if run.why == LOCAL_OPTIMUM:
                break
            if run.why == PENDING:
                neighbours, costs = run.neighbours, run.neighbour_costs
            elif run.why != SHORT_BUDGET:
                continue
        if costs is None:
            neighbours = all_neighbours(evaluator.problem, current)
            left = stop_at - evaluator.n_evaluations
            if left < len(neighbours):
                # Not enough budget for the whole neighbourhood: a random part of it, fairly.
                neighbours = neighbours[rng.permutation(len(neighbours))[: int(max(left, 1))]]
            cutoff = current_cost - IMPROVEMENT_RTOL * abs(current_cost) if np.isfinite(current_cost) else None
            costs = evaluator.neighbourhood_costs(current, neighbours, column, cutoff=cutoff)
        if not len(costs):  # no move at all (K = N in exact mode)
            break
        best = int(np.argmin(costs))
        if np.isfinite(costs[best]):
            if np.isfinite(current_cost) and not costs[best] < current_cost - IMPROVEMENT_RTOL * abs(current_cost):
                break
            current, current_cost, current_gap = neighbours[best].copy(), float(costs[best]), 0.0
            _count_moves(stats, 1)
            continue
        gaps = evaluator.reach_gap(neighbours, column)
        closest = int(np.argmin(gaps))
        if not gaps[closest] < current_gap:
            break
        current, current_gap = neighbours[closest].copy(), float(gaps[closest])
        _count_moves(stats, 1)
    return current, current_cost


def _count_moves(stats: dict[str, int] | None, moves: int) -> None:
    if stats is not None:
        stats["moves"] = stats.get("moves", 0) + moves
