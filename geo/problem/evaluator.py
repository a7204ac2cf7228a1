"""Exact, memoised costs of asset selections over a grid of objective parameters.

Every method (heuristics, exact-solver post-processing, the GEO loop) prices selections
through one :class:`SelectionEvaluator`, so the evaluation count is comparable across
methods and a selection found for one target serves every target of the frontier.
One evaluation = one (selection, parameter) pair priced for the first time; memo hits are free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem
from geo.problem.selection_qp import (closed_form, problem_return_bounds, problem_selection_qp, selection_cost,
                                      solve_bounded, solve_bounded_many)

INFEASIBLE = np.inf


@dataclass(frozen=True)
class SelectionSolution:
    """A selection's optimal portfolio at one parameter (``feasible`` False: no such weights)."""

    selection: np.ndarray
    weights: np.ndarray
    cost: float
    expected_return: float
    variance: float

    @property
    def feasible(self) -> bool:
        return bool(np.isfinite(self.cost))


def as_selections(selections: np.ndarray | Sequence, n_assets: int) -> np.ndarray:
    """Boolean (M, N) array from one selection or a stack of them."""
    arr = np.asarray(selections)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_assets:
        raise ValueError(f"selections must have shape (M, {n_assets}), got {arr.shape}")
    return arr.astype(bool, copy=False)


def selection_keys(selections: np.ndarray) -> list[bytes]:
    """A hashable key per selection (its bits packed): the one identity every memo and pool uses."""
    return [row.tobytes() for row in np.packbits(selections, axis=1)]


class SelectionEvaluator:
    """Prices selections of ``problem`` at every parameter of ``grid``, with a memo."""

    def __init__(self, problem: Problem, grid: ObjectiveGrid) -> None:
        self.problem = problem
        self.grid = grid
        self.n_evaluations = 0
        self._row_of: dict[bytes, int] = {}
        self._selections = np.zeros((0, problem.n_assets), dtype=bool)
        self._costs = np.zeros((0, len(grid)))

    # -- memo -------------------------------------------------------------------------------
    @property
    def n_selections(self) -> int:
        """How many distinct selections have been priced (at any parameter)."""
        return len(self._row_of)

    def known(self) -> tuple[np.ndarray, np.ndarray]:
        """All selections seen so far and their cost table (NaN: not priced at that parameter)."""
        n = self.n_selections
        return self._selections[:n].copy(), self._costs[:n].copy()

    def state(self) -> dict:
        """Everything priced so far, for a checkpoint (selections bit-packed)."""
        n = self.n_selections
        return {"selections": np.packbits(self._selections[:n], axis=1), "costs": self._costs[:n].copy(),
                "n_evaluations": self.n_evaluations}

    def restore(self, state: dict) -> None:
        """Continue from :meth:`state` (same problem and grid), memo order included."""
        n_assets = self.problem.n_assets
        selections = np.unpackbits(state["selections"], axis=1, count=n_assets).astype(bool)
        self._selections = selections
        self._costs = np.array(state["costs"], dtype=float)
        self._row_of = {key: i for i, key in enumerate(selection_keys(selections))}
        self.n_evaluations = int(state["n_evaluations"])

    def _rows_for(self, selections: np.ndarray) -> np.ndarray:
        rows = np.empty(len(selections), dtype=np.int64)
        for i, raw in enumerate(selection_keys(selections)):
            row = self._row_of.get(raw)
            if row is None:
                row = self._append(selections[i])
                self._row_of[raw] = row
            rows[i] = row
        return rows

    def _append(self, selection: np.ndarray) -> int:
        row = len(self._row_of)
        if row >= len(self._selections):
            grow = max(1024, len(self._selections))
            self._selections = np.concatenate([self._selections, np.zeros((grow, self.problem.n_assets), bool)])
            self._costs = np.concatenate([self._costs, np.full((grow, len(self.grid)), np.nan)])
        self._selections[row] = selection
        return row

    # -- pricing ----------------------------------------------------------------------------
    def costs(self, selections: np.ndarray, columns: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """Cost of each selection (rows) at each requested parameter column; inf = infeasible."""
        selections = as_selections(selections, self.problem.n_assets)
        cols = np.arange(len(self.grid)) if columns is None else np.atleast_1d(np.asarray(columns, dtype=np.int64))
        rows = self._rows_for(selections)
        table = self._costs[np.ix_(rows, cols)]
        missing = np.isnan(table)
        if missing.any():
            unique_rows = np.unique(rows[missing.any(axis=1)])
            needed = np.isnan(self._costs[np.ix_(unique_rows, cols)])
            self._price(unique_rows, cols, needed)
            table = self._costs[np.ix_(rows, cols)]
        return table

    def _price(self, rows: np.ndarray, cols: np.ndarray, needed: np.ndarray) -> None:
        sizes = self._selections[rows].sum(axis=1)
        valid = self.problem.valid_size(sizes)
        self.n_evaluations += int(needed.sum())
        invalid_rows = rows[~valid]
        self._costs[np.ix_(invalid_rows, cols)] = INFEASIBLE
        for size in np.unique(sizes[valid]):
            group = valid & (sizes == size)
            self._price_group(rows[group], cols, needed[group])

    def _price_group(self, rows: np.ndarray, cols: np.ndarray, needed: np.ndarray) -> None:
        """Price selections of one size: closed form for all, bounded QP where it is needed."""
        problem, kind = self.problem, self.grid.kind
        params = self.grid.values[cols]
        index = np.nonzero(self._selections[rows])[1].reshape(len(rows), -1)
        mu_sel = problem.mu[index]
        cov_sel = problem.cov[index[:, :, None], index[:, None, :]]
        weights, cost, exact = closed_form(cov_sel, mu_sel, kind, params, problem.w_min, problem.w_max)
        if problem.sector_caps is not None:  # binding caps void the two-fund closed form
            exact &= problem.sector_caps.hold(index, weights)
        table = np.where(exact, cost, np.nan)
        if kind == "target-return":
            low, high = problem_return_bounds(problem, index, mu_sel)
            tol = 1e-12 * (1 + np.abs(low) + np.abs(high))
            outside = (params[None, :] < (low - tol)[:, None]) | (params[None, :] > (high + tol)[:, None])
            table[outside | np.isnan(low)[:, None]] = INFEASIBLE
        todo = np.isnan(table) & needed
        for i in np.flatnonzero(todo.any(axis=1)):
            qp = problem_selection_qp(problem, index[i], kind, cov_sel[i], mu_sel[i])
            columns = np.flatnonzero(todo[i])
            for j, weights in zip(columns, solve_bounded_many(qp, params[columns])):
                table[i, j] = INFEASIBLE if weights is None else selection_cost(weights, qp.cov, qp.mu, kind, params[j])
        current = self._costs[np.ix_(rows, cols)]
        self._costs[np.ix_(rows, cols)] = np.where(needed, table, current)

    def reach_gap(self, selections: np.ndarray, column: int) -> np.ndarray:
        """How far the target lies outside each selection's attainable returns (0: reachable).

        Lets a search that starts from an infeasible selection walk towards feasibility
        (a costless "phase 1"); selections of a disallowed size are infinitely far.
        """
        problem = self.problem
        selections = as_selections(selections, problem.n_assets)
        gaps = np.zeros(len(selections))
        sizes = selections.sum(axis=1)
        gaps[~problem.valid_size(sizes)] = np.inf
        if self.grid.kind != "target-return":
            return gaps
        target = float(self.grid.values[column])
        for size in np.unique(sizes[np.isfinite(gaps)]):
            rows = np.flatnonzero((sizes == size) & np.isfinite(gaps))
            index = np.nonzero(selections[rows])[1].reshape(len(rows), -1)
            low, high = problem_return_bounds(problem, index, problem.mu[index])
            gaps[rows] = np.where(np.isnan(low), np.inf, np.maximum(np.maximum(low - target, target - high), 0.0))
        return gaps

    def solve(self, selection: np.ndarray, column: int) -> SelectionSolution:
        """The optimal portfolio of one selection at one parameter (weights over all N assets)."""
        problem, kind = self.problem, self.grid.kind
        selection = as_selections(selection, problem.n_assets)[0]
        param = float(self.grid.values[column])
        weights = np.zeros(problem.n_assets)
        if not problem.valid_size(int(selection.sum())):
            return SelectionSolution(selection, weights, INFEASIBLE, np.nan, np.nan)
        index = np.flatnonzero(selection)
        qp = problem_selection_qp(problem, index, kind)
        w_closed, cost, exact = closed_form(qp.cov[None], qp.mu[None], kind, np.array([param]), qp.w_min, qp.w_max)
        if problem.sector_caps is not None:
            exact &= problem.sector_caps.hold(index[None], w_closed)
        sel_weights = w_closed[0, :, 0] if exact[0, 0] else solve_bounded(qp, param)
        if sel_weights is None:
            return SelectionSolution(selection, weights, INFEASIBLE, np.nan, np.nan)
        weights[index] = sel_weights
        return SelectionSolution(selection, weights, selection_cost(sel_weights, qp.cov, qp.mu, kind, param),
                                 float(qp.mu @ sel_weights), float(sel_weights @ qp.cov @ sel_weights))
