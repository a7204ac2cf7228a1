"""Sweeping a per-target search along the frontier, the outer loop local search and annealing share.

Targets are visited in order, each warm-started from the previous target's answer and given
a fair share of the remaining evaluation budget; at the end every target takes the best of
all selections kept, so work done for one target also serves its neighbours.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from geo.classical.base import Deadline, ProgressCallback
from geo.classical.budget import ColumnBudget
from geo.problem.evaluator import SelectionEvaluator

ColumnSearch = Callable[[SelectionEvaluator, int, "np.ndarray | None", np.random.Generator, float, Deadline],
                        "np.ndarray | None"]
"""``search(evaluator, column, previous, rng, stop_at, deadline)`` -> best selection or None."""


def sweep_targets(search: ColumnSearch, evaluator: SelectionEvaluator, rng: np.random.Generator,
                  budget: int | None, deadline: Deadline, progress: ProgressCallback | None) -> list[np.ndarray]:
    """Run ``search`` at every target in order; returns every selection it kept."""
    n_columns = len(evaluator.grid)
    allowance = ColumnBudget(evaluator, budget, n_columns)
    found: list[np.ndarray] = []
    previous: np.ndarray | None = None
    for column in range(n_columns):
        if deadline.expired():
            break
        best = search(evaluator, column, previous, rng, allowance.start_column(column), deadline)
        if best is not None:
            found.append(best)
            previous = best
        if progress:
            progress(column + 1, n_columns)
    return found
