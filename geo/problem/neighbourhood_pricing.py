"""The evaluator's compiled routes for a local search: whole neighbourhoods, and whole descents.

:class:`NeighbourhoodPricing` is the part of :class:`geo.problem.evaluator.SelectionEvaluator`
that hands a selection and its moves to the compiled kernels
(:mod:`geo.problem.compiled_neighbourhood`, :mod:`geo.problem.compiled_descent`) instead of
listing the neighbours as boolean rows: the same prices, memo rows, budget and counts as
``SelectionEvaluator.costs`` of those neighbours (the evaluator's module docstring), written
into the evaluator's own arrays. The kernels know no sector caps (their return ranges need the
capped greedy), no ``max_changes``, no turnover penalty and no Sharpe ratio: those are priced
as any batch (``compiled_moves`` is False).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geo.problem.bound_pairs import price_deferred
from geo.problem.compiled_descent import PENDING, descend_steps
from geo.problem.compiled_neighbourhood import EVALUATIONS, SCREENED_COUNT, price_neighbourhood
from geo.problem.memo import as_selections

INFEASIBLE = np.inf
# Memo room made before a compiled descent, in neighbourhoods: the kernel asks for more when short.
ROOM_IN_NEIGHBOURHOODS = 8


@dataclass(frozen=True)
class DescentSteps:
    """What :meth:`NeighbourhoodPricing.descent_steps` did: ``moves`` moves to ``selection`` of
    cost ``cost``, and why it stopped (a ``geo.problem.compiled_descent`` code). For PENDING,
    the last neighbourhood (boolean rows, in the order of ``all_neighbours``) and its costs, all
    priced, for the caller to decide on."""

    why: int
    selection: np.ndarray
    cost: float
    moves: int
    neighbours: np.ndarray | None = None
    neighbour_costs: np.ndarray | None = None


class NeighbourhoodPricing:
    """Mixed into :class:`geo.problem.evaluator.SelectionEvaluator` (its arrays, memo and counts)."""

    @property
    def compiled_moves(self) -> bool:
        """Whether neighbourhoods and descents go through the compiled kernels."""
        problem = self.problem
        return problem.sector_caps is None and not problem.limits_changes and self._general is None

    def neighbourhood_costs(self, current: np.ndarray, neighbours: np.ndarray, column: int,
                            cutoff: float | None = None) -> np.ndarray:
        """``costs(neighbours, [column], cutoff)[:, 0]`` (same values, memo, budget and counting)
        for selections at most one move from ``current`` (see :meth:`move_costs`)."""
        problem = self.problem
        current = as_selections(current, problem.n_assets)[0]
        neighbours = as_selections(neighbours, problem.n_assets)
        dropped = current[None, :] & ~neighbours
        added = neighbours & ~current[None, :]
        n_drop, n_add = dropped.sum(axis=1), added.sum(axis=1)
        if np.any(n_drop > 1) or np.any(n_add > 1):
            return self.costs(neighbours, [column], cutoff)[:, 0]
        drops = np.where(n_drop == 1, dropped.argmax(axis=1), -1)
        adds = np.where(n_add == 1, added.argmax(axis=1), -1)
        return self.move_costs(current, drops, adds, column, cutoff)

    def move_costs(self, current: np.ndarray, drops: np.ndarray, adds: np.ndarray, column: int,
                   cutoff: float | None = None) -> np.ndarray:
        """Costs at ``column`` of the neighbours of ``current`` that drop the asset ``drops[p]`` and
        add ``adds[p]`` (-1: none): ``costs`` of those selections, with the same values, memo,
        budget and counting, in one compiled call (:mod:`geo.problem.compiled_neighbourhood`):
        the pairs pass the same closed form and screens as any batch, and those a bound binds
        start from ``current``'s optimal working set. How a pair is priced never decides whether
        it is counted or screened."""
        problem = self.problem
        current = as_selections(current, problem.n_assets)[0]
        drops = np.ascontiguousarray(drops, dtype=np.int64)
        adds = np.ascontiguousarray(adds, dtype=np.int64)
        if not self.compiled_moves:
            return self.costs(moved(current, drops, adds), [column], cutoff)[:, 0]
        column = int(column)
        self._memo.reserve(len(drops))
        self._match_memo()
        counters = np.zeros(2, dtype=np.int64)
        left = -1 if math.isinf(self.limit) else int(self.remaining)
        rows, deferred = price_neighbourhood(
            problem.cov, problem.mu, self.grid.kind == "target-return", float(self.grid.values[column]), column,
            float(problem.w_min), float(problem.w_max), np.nan if cutoff is None else float(cutoff), self._size_ok,
            np.flatnonzero(current), drops, adds, self._memo.keys, self._memo.slots, self._memo.count, self._costs,
            self._cut, self._best_rows, self._best_costs, counters, left)
        self.n_evaluations += int(counters[EVALUATIONS])
        self.n_screened += int(counters[SCREENED_COUNT])
        if len(deferred):
            self._price_deferred(np.sort(deferred), column)
        found = self._costs[rows, column]
        return np.where(np.isnan(found), INFEASIBLE, found)

    def descent_steps(self, current: np.ndarray, cost: float, column: int, rtol: float, stop_at: float,
                      max_steps: int) -> DescentSteps:
        """Steepest-descent moves from ``current`` (of cost ``cost`` at ``column``) in one compiled
        call (:func:`geo.problem.compiled_descent.descend_steps`): each move to the first cheapest
        neighbour when it costs less than ``cost - rtol |cost|``, at most ``max_steps`` of them,
        while fewer than ``stop_at`` evaluations are spent. Only where ``compiled_moves``."""
        problem = self.problem
        held = np.flatnonzero(current).astype(np.int64)
        self._memo.reserve(ROOM_IN_NEIGHBOURHOODS * (len(held) + 1) * (problem.n_assets - len(held) + 1))
        self._match_memo()
        counters = np.zeros(2, dtype=np.int64)
        why, held, cost, moves, drops, adds, rows, deferred = descend_steps(
            problem.cov, problem.mu, self.grid.kind == "target-return", float(self.grid.values[column]), int(column),
            float(problem.w_min), float(problem.w_max), self._size_ok, problem.cardinality == "at-most", held,
            float(cost), float(rtol), self._memo.keys, self._memo.slots, self._memo.count, self._costs, self._cut,
            self._best_rows, self._best_costs, counters, float(self.n_evaluations), float(self.limit),
            float(stop_at), int(max_steps))
        self.n_evaluations += int(counters[EVALUATIONS])
        self.n_screened += int(counters[SCREENED_COUNT])
        selection = np.zeros(problem.n_assets, dtype=bool)
        selection[held] = True
        if why != PENDING:
            return DescentSteps(int(why), selection, float(cost), int(moves))
        if len(deferred):
            self._price_deferred(np.sort(deferred), column)
        found = self._costs[rows, column]
        return DescentSteps(int(why), selection, float(cost), int(moves), moved(selection, drops, adds),
                            np.where(np.isnan(found), INFEASIBLE, found))

    def _price_deferred(self, rows: np.ndarray, column: int) -> None:
        """Price pairs a neighbourhood left to the sequential solver (counted already)."""
        problem = self.problem
        params = self.grid.values[[column]]
        sizes = np.bitwise_count(self._memo.keys[rows]).sum(axis=1)
        for size in np.unique(sizes):
            group = rows[sizes == size]
            index = self._memo.indices(group)
            table = np.full((len(group), 1), np.nan)
            price_deferred(table, np.ones_like(table, dtype=bool), problem.cov, problem.mu, index, self.grid.kind,
                           params, problem.w_min, problem.w_max, None)
            self._costs[group, column] = table[:, 0]
            self._note_prices(group, np.array([column]), table)


def moved(current: np.ndarray, drops: np.ndarray, adds: np.ndarray) -> np.ndarray:
    """The neighbours of ``current`` that drop ``drops[p]`` and add ``adds[p]`` (-1: none), as rows."""
    neighbours = np.repeat(current[None, :], len(drops), axis=0)
    rows = np.arange(len(drops))
    neighbours[rows[drops >= 0], drops[drops >= 0]] = False
    neighbours[rows[adds >= 0], adds[adds >= 0]] = True
    return neighbours
