"""Sweeping a per-target search along the frontier, the outer loop local search and annealing share.

Targets are visited in order, each warm-started from the previous target's answer and given
a fair share of the remaining evaluation budget and time; at the end every target takes the best of
all selections kept, so work done for one target also serves its neighbours.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from geo.methods.base import Deadline, ProgressCallback
from geo.classical.budget import ColumnBudget
from geo.core.checkpoint import Checkpoint, restore_snapshot, snapshot
from geo.problem.evaluator import SelectionEvaluator

ColumnSearch = Callable[[SelectionEvaluator, int, "np.ndarray | None", np.random.Generator, float, Deadline],
                        "np.ndarray | None"]
"""``search(evaluator, column, previous, rng, stop_at, deadline)`` -> best selection or None."""


def sweep_targets(search: ColumnSearch, evaluator: SelectionEvaluator, rng: np.random.Generator,
                  budget: int | None, deadline: Deadline, progress: ProgressCallback | None,
                  checkpoint: Checkpoint | None = None) -> tuple[list[np.ndarray], ColumnBudget]:
    """Run ``search`` at every target in order; returns every selection it kept and the budget.

    With a checkpoint, the state after each target is saved, and a resumed run continues
    from the last saved target with the memo and RNG as they were: the same answer as a run
    never interrupted.
    """
    n_columns = len(evaluator.grid)
    allowance = ColumnBudget(evaluator, budget, n_columns)
    found: list[np.ndarray] = []
    previous: np.ndarray | None = None
    first_column = 0
    saved = checkpoint.load() if checkpoint else None
    if saved is not None:
        state = restore_snapshot(saved, evaluator, rng)
        first_column, found, previous = state["column"], state["found"], state["previous"]
        allowance = ColumnBudget(evaluator, budget, n_columns, start=state["budget_start"])
    for column in range(first_column, n_columns):
        if deadline.expired():
            break
        # Time, like evaluations, is shared fairly: each target gets an equal slice of what is
        # left, so a --time-limit reaches the whole frontier instead of stopping half-way.
        share = deadline.share(n_columns - column)
        column_deadline = deadline if share is None else Deadline(share)
        best = search(evaluator, column, previous, rng, allowance.start_column(column), column_deadline)
        if best is not None:
            found.append(best)
            previous = best
        if checkpoint:
            checkpoint.save(snapshot(evaluator, rng, column=column + 1, found=found, previous=previous,
                                     budget_start=allowance.start))
        if progress:
            progress(column + 1, n_columns)
    return found, allowance
