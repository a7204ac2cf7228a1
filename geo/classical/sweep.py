"""Sweeping a per-target search along the frontier, the outer loop local search and annealing share.

Every target first gets a cheap answer (:func:`~geo.classical.construction.answer_every_target`,
one evaluation each), so that a small budget still answers the whole frontier. Then targets are
visited in order, each warm-started from the previous target's answer and given a fair share of
the remaining evaluation budget and time; at the end every target takes the cheapest selection
priced there, so work done for one target also serves its neighbours.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from geo.methods.base import Deadline, ProgressCallback
from geo.classical.budget import ColumnBudget
from geo.classical.construction import answer_every_target
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
    found: list[np.ndarray] = []
    previous: np.ndarray | None = None
    first_column = 0
    saved = checkpoint.load() if checkpoint else None
    if saved is not None:
        state = restore_snapshot(saved, evaluator, rng)
        first_column, found, previous = state["column"], state["found"], state["previous"]
        allowance = ColumnBudget(evaluator, budget, n_columns, start=state["budget_start"])
    else:
        allowance = ColumnBudget(evaluator, budget, n_columns)
        # the first answers count against the budget the targets then share
        answer_every_target(evaluator, deadline)
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
