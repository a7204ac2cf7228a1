"""Sharing an evaluation budget (``--budget``) fairly across the targets of a frontier."""

from __future__ import annotations

import math

from geo.problem.evaluator import SelectionEvaluator


class ColumnBudget:
    """Each target gets an equal share of what is left, so unspent budget flows forward."""

    def __init__(self, evaluator: SelectionEvaluator, budget: int | None, n_columns: int,
                 start: int | None = None) -> None:
        self.evaluator = evaluator
        self.budget = budget
        self.n_columns = n_columns
        self.start = evaluator.n_evaluations if start is None else start

    @property
    def stop_at(self) -> float:
        """The evaluation count at which the whole budget is spent."""
        return math.inf if self.budget is None else self.start + self.budget

    def start_column(self, column: int) -> float:
        """The evaluation count at which work on ``column`` must stop (inf: no budget)."""
        if self.budget is None:
            return math.inf
        spent = self.evaluator.n_evaluations - self.start
        share = (self.budget - spent) / max(1, self.n_columns - column)
        return self.evaluator.n_evaluations + max(share, 0.0)

    def exhausted(self) -> bool:
        return self.budget is not None and self.evaluator.n_evaluations - self.start >= self.budget
