"""Simulated annealing over selections, the classic baseline of the literature.

Per target: start from the best of a greedy construction and the previous target's answer,
propose one random move (swap; drop/add in at-most mode), accept by the Metropolis rule at a
geometrically cooling temperature. The starting temperature accepts ``initial_acceptance`` of
uphill moves on average (estimated on a sample of moves), so the schedule adapts to the
scale of the data (weekly variances near 1e-3 and daily near 1e-4 need no retuning).
Moves to infeasible selections (a target out of their reach) are rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geo.methods.base import Deadline, MethodRun, ProgressCallback, heuristic_points
from geo.classical.construction import starting_selection
from geo.classical.local_search import descend
from geo.classical.neighbourhood import random_neighbour
from geo.classical.sweep import sweep_targets
from geo.core.checkpoint import Checkpoint
from geo.problem.evaluator import SelectionEvaluator

TEMPERATURE_SAMPLE = 30  # moves sampled to set the starting temperature
# Memo hits are free, so a budget alone may never stop a chain that revisits selections.
MAX_STEPS_PER_EVALUATION = 20


@dataclass
class AnnealingMethod:
    """Metropolis annealing; ``steps`` per target when no evaluation budget is given."""

    steps: int = 2000
    initial_acceptance: float = 0.8
    final_temperature_ratio: float = 1e-3
    name: str = "annealing"

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        with evaluator.spending(budget):
            found, _ = sweep_targets(self._anneal_column, evaluator, rng, budget, deadline, progress, checkpoint)
            points = heuristic_points(evaluator, deadline)
        return MethodRun(points, {"stopped_by_deadline": deadline.expired()})

    def _anneal_column(self, evaluator: SelectionEvaluator, column: int, previous: np.ndarray | None,
                       rng: np.random.Generator, stop_at: float, deadline: Deadline) -> np.ndarray | None:
        problem = evaluator.problem
        current, current_cost = starting_selection(evaluator, column, previous)
        if not math.isfinite(current_cost):
            # The chain only walks on feasible selections: reach one first.
            current, current_cost = descend(evaluator, current, column, rng, stop_at, deadline)
            if not math.isfinite(current_cost):
                return None
        best, best_cost = current.copy(), current_cost
        temperature = self._starting_temperature(evaluator, current, current_cost, column, rng)
        steps = self.steps
        if math.isfinite(stop_at):
            steps = int(max(1, stop_at - evaluator.n_evaluations) * MAX_STEPS_PER_EVALUATION)
        cooling = self.final_temperature_ratio ** (1.0 / max(1, steps))
        for _ in range(steps):
            if evaluator.n_evaluations >= min(stop_at, evaluator.limit) or deadline.expired():
                break
            candidate = random_neighbour(problem, current, rng)
            cost = float(evaluator.costs(candidate, [column])[0, 0])
            delta = cost - current_cost
            if math.isfinite(cost) and (delta <= 0 or rng.random() < math.exp(-delta / temperature)):
                current, current_cost = candidate, cost
                if cost < best_cost:
                    best, best_cost = candidate.copy(), cost
            temperature *= cooling
        return best

    def _starting_temperature(self, evaluator: SelectionEvaluator, selection: np.ndarray, cost: float,
                              column: int, rng: np.random.Generator) -> float:
        sample = np.array([random_neighbour(evaluator.problem, selection, rng) for _ in range(TEMPERATURE_SAMPLE)])
        deltas = evaluator.costs(sample, [column])[:, 0] - cost
        uphill = deltas[np.isfinite(deltas) & (deltas > 0)]
        if len(uphill) == 0:
            return max(abs(cost), 1e-12) * 1e-3
        return float(-np.mean(uphill) / math.log(self.initial_acceptance))
