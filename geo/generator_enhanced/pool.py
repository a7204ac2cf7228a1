"""The GEO pool: selections priced at every target of the frontier, and the helpers that
decide what the generator models and samples."""

from __future__ import annotations

import numpy as np

from geo.generators.base import promising_assets
from geo.problem.evaluator import SelectionEvaluator, selection_keys
from geo.problem.problem import Problem


class Pool:
    """Selections priced at every target, with their cost table (rows: selections)."""

    def __init__(self, evaluator: SelectionEvaluator) -> None:
        self.evaluator = evaluator
        n, t = evaluator.problem.n_assets, len(evaluator.grid)
        self.selections = np.zeros((0, n), dtype=bool)
        self.costs = np.zeros((0, t))
        self.keys: set[bytes] = set()

    @property
    def size(self) -> int:
        return len(self.selections)

    def add(self, selections: np.ndarray) -> np.ndarray:
        """Price unseen ``selections`` at every target and keep them; returns their costs.

        The evaluator's budget limit decides how much gets priced: a selection priced at only
        some targets (the budget ran out) is kept with +inf at the others; one that is already
        known at a target (a seed method's answer) keeps that cost whatever the budget.
        """
        if len(selections) == 0:
            return np.zeros((0, len(self.evaluator.grid)))
        selections = np.unique(selections, axis=0)
        fresh = ~self.contains(selections)
        selections = selections[fresh]
        costs = self.evaluator.costs(selections)
        self.extend(selections, costs)
        return costs

    def add_known(self, selections: np.ndarray) -> None:
        """Keep unseen ``selections`` with the costs the evaluator already knows (no pricing:
        +inf where a selection was never priced)."""
        if len(selections) == 0:
            return
        selections = np.unique(selections, axis=0)
        selections = selections[~self.contains(selections)]
        with self.evaluator.spending(0):
            self.extend(selections, self.evaluator.costs(selections))

    def extend(self, selections: np.ndarray, costs: np.ndarray) -> None:
        """Append already-priced selections (from :meth:`add`, or a checkpoint)."""
        self.selections = np.concatenate([self.selections, selections])
        self.costs = np.concatenate([self.costs, costs])
        self.keys.update(selection_keys(selections))

    def contains(self, selections: np.ndarray) -> np.ndarray:
        return np.array([key in self.keys for key in selection_keys(selections)], dtype=bool)

    def best_costs(self) -> np.ndarray:
        if not self.size:
            return np.full(len(self.evaluator.grid), np.inf)
        return self.costs.min(axis=0)

    def best_rows(self) -> np.ndarray:
        """Per target, the row of its cheapest selection, the first on a tie (-1 where none has a
        finite cost): one pass over the cost table."""
        if not self.size:
            return np.full(len(self.evaluator.grid), -1)
        rows = self.costs.argmin(axis=0)
        return np.where(np.isfinite(self.costs[rows, np.arange(len(rows))]), rows, -1)

    def scores(self, columns: np.ndarray | None = None) -> np.ndarray:
        """Per selection: relative excess over the best known cost at its best target among
        ``columns`` (all targets by default), 0 for a selection that is best somewhere."""
        cols = np.arange(self.costs.shape[1]) if columns is None else np.asarray(columns)
        best = self.best_costs()[cols]
        finite = np.isfinite(best)
        if not finite.any() or not self.size:
            return np.full(self.size, np.inf)
        costs = self.costs[:, cols[finite]]
        with np.errstate(invalid="ignore", divide="ignore"):
            excess = (costs - best[finite]) / np.maximum(np.abs(best[finite]), 1e-300)
        return np.nanmin(np.where(np.isfinite(excess), excess, np.inf), axis=1)


def sampling_sizes(problem: Problem) -> tuple[int, ...]:
    """Sizes the generator samples. In at-most mode with ``w_min = 0`` size K dominates: a
    smaller selection's portfolio is also feasible for any K-superset (zero extra weights)."""
    if problem.cardinality == "at-most" and problem.w_min == 0 and problem.k in problem.feasible_sizes:
        return (problem.k,)
    return problem.feasible_sizes


def first_unseen(samples: np.ndarray, pool: Pool) -> np.ndarray:
    """True for the first occurrence of each sample that the pool has not seen."""
    _, first = np.unique(samples, axis=0, return_index=True)
    mask = np.zeros(len(samples), dtype=bool)
    mask[first] = True
    return mask & ~pool.contains(samples)


def sub_universe(generator, bitstrings: np.ndarray, weights: np.ndarray, n_assets: int) -> np.ndarray:
    """Columns the generator models: all assets, unless it has a qubit budget below N; then the
    :func:`~geo.generators.base.promising_assets` of the training set, the others fixed to 0."""
    limit = getattr(generator, "max_qubits", None)
    if limit is None or n_assets <= limit:
        return np.arange(n_assets)
    return promising_assets(bitstrings, weights, limit)


def top_selections_per_target(evaluator: SelectionEvaluator, per_target: int) -> list[np.ndarray]:
    """The ``per_target`` cheapest selections the evaluator has priced at each target."""
    selections, costs = evaluator.known()
    chosen: list[np.ndarray] = []
    for column in range(costs.shape[1]):
        column_costs = np.where(np.isnan(costs[:, column]), np.inf, costs[:, column])
        best = np.argsort(column_costs, kind="stable")[:per_target]
        chosen.extend(selections[i] for i in best if np.isfinite(column_costs[i]))
    return chosen
