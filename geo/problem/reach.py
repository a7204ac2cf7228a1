"""What a selection can reach: its attainable returns, and the screens built on them.

A selection's lowest and highest return under the weight bounds (and sector caps) decide, with
no QP, that a return target is out of its reach (infeasible, screened) and how far a search that
starts from an infeasible selection still has to walk (``gap``). The evaluator
(:class:`geo.problem.evaluator.SelectionEvaluator`) asks :class:`SelectionReach` for both.
"""

from __future__ import annotations

import numpy as np

from geo.problem.compiled_pricing import REACH_RTOL, return_ranges
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem
from geo.problem.selection_qp import problem_return_bounds


class SelectionReach:
    """Return ranges and reach screens of selections of ``problem`` on ``grid``."""

    def __init__(self, problem: Problem, grid: ObjectiveGrid) -> None:
        self.problem = problem
        self.grid = grid
        self.size_ok = np.asarray(problem.valid_size(np.arange(problem.n_assets + 1)), dtype=bool)

    def ranges(self, selections: np.ndarray | None, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest attainable return of each selection given by its packed memo key
        (``selections``, the same as booleans, is needed only with sector caps or a limit on
        changes); NaN for a selection of a disallowed size, one beyond the holdings'
        ``max_changes``, or one no weights can make valid. On a risk-aversion grid without caps
        only validity is computed (the range is +-inf)."""
        problem = self.problem
        if problem.sector_caps is None:
            if self.grid.kind != "risk-aversion":  # compiled: the neighbourhood kernel's own ranges
                low, high = return_ranges(problem.mu, np.ascontiguousarray(keys), self.size_ok,
                                          float(problem.w_min), float(problem.w_max))
            else:  # only validity matters then: skip the ranges on the risk-aversion hot path
                valid = self.size_ok[np.bitwise_count(keys).sum(axis=1)]
                low, high = np.where(valid, -np.inf, np.nan), np.where(valid, np.inf, np.nan)
            if problem.limits_changes:
                allowed = problem.holdings.allows(selections)
                low, high = np.where(allowed, low, np.nan), np.where(allowed, high, np.nan)
            return low, high
        sizes = selections.sum(axis=1)
        low, high = np.full(len(selections), np.nan), np.full(len(selections), np.nan)
        valid = problem.valid_size(sizes)
        if problem.limits_changes:
            valid &= problem.holdings.allows(selections)
        for size in np.unique(sizes[valid]):
            group = np.flatnonzero(valid & (sizes == size))
            index = np.nonzero(selections[group])[1].reshape(len(group), -1)
            low[group], high[group] = problem_return_bounds(problem, index, problem.mu[index])
        return low, high

    def out_of_reach(self, low: np.ndarray, high: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """(M, C) pairs proven infeasible from the ranges alone: a disallowed selection (NaN), a
        target outside its range, or (max-Sharpe) no return above the risk-free rate."""
        out = np.broadcast_to(np.isnan(low)[:, None], (len(low), len(cols))).copy()
        if self.grid.kind == "target-return" and np.isfinite(low).any():
            params = self.grid.values[cols]
            tol = REACH_RTOL * (1 + np.abs(low) + np.abs(high))
            out |= (params[None, :] < (low - tol)[:, None]) | (params[None, :] > (high + tol)[:, None])
        elif self.grid.kind == "max-sharpe":  # no return above the risk-free rate: no Sharpe ratio to maximise
            out |= ~(high[:, None] > no_excess_threshold(self.grid.values[cols])[None, :])
        return out

    def gap(self, low: np.ndarray, high: np.ndarray, column: int) -> np.ndarray:
        """How far the target at ``column`` lies outside each range (0: reachable; inf: a
        disallowed selection). Lets a search that starts from an infeasible selection walk
        towards feasibility (a costless "phase 1")."""
        if self.grid.kind == "max-sharpe":  # how far the best return is from beating the risk-free rate
            threshold = no_excess_threshold(self.grid.values[column:column + 1])[0]
            return np.where(np.isnan(low), np.inf, np.where(high > threshold, 0.0, threshold - high + 1e-300))
        if self.grid.kind != "target-return":
            return np.where(np.isnan(low), np.inf, 0.0)
        target = float(self.grid.values[column])
        return np.where(np.isnan(low), np.inf, np.maximum(np.maximum(low - target, target - high), 0.0))


def no_excess_threshold(risk_free: np.ndarray) -> np.ndarray:
    """A selection needs a highest return above this to have a positive excess over ``risk_free``
    (a relative margin, so that round-off never makes a Sharpe ratio of +-0 look positive)."""
    return risk_free + 1e-12 * (1 + np.abs(risk_free))
