"""The unconstrained frontier by the critical line algorithm (Markowitz 1956), compiled.

``min w' Sigma w`` over ``0 <= w <= w_max``, ``sum(w) = 1`` (and ``mu'w = r``, or the
risk-aversion form) is a parametric QP: between two breakpoints (the corner portfolios, where an
asset enters or leaves the free set) the optimal weights are affine in the parameter. So the
whole frontier costs one KKT solve per corner portfolio, and every point between two corners is
exact, not interpolated from a solver's tolerance. The walk is
:func:`geo.problem.compiled_walk.walk_selection` with every asset in the "selection": it starts
from one DAQP solve at the first target (its working set re-solved exactly), follows the line
from corner to corner, and checks each target's point against every KKT condition of its QP.

Not covered: sector caps (general inequality rows, which the walk does not model). There, and
at any target the walk cannot settle (a degenerate corner), the caller falls back to the convex
solver (cvxpy + Clarabel), target by target.
"""

from __future__ import annotations

import numpy as np

from geo.problem.compiled_pricing import REACH_RTOL
from geo.problem.compiled_walk import walk_selection
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem, best_first_allocation
from geo.problem.selection_qp import SelectionQP, return_bounds, solve_bounded

# A DAQP weight this close to a bound starts the walk at that bound (the walk re-solves exactly).
START_ATOL = 1e-9
NOT_SETTLED = "not settled"


def critical_line_frontier(problem: Problem, grid: ObjectiveGrid) -> list[np.ndarray | None | str] | None:
    """Per grid value: the optimal weights (N,), None where no weights reach the target, or
    :data:`NOT_SETTLED` where the walk could not settle the point. None for a problem with
    sector caps (not covered)."""
    if problem.sector_caps is not None:
        return None
    kind, values = grid.kind, np.asarray(grid.values, dtype=float)
    n = problem.n_assets
    w_max = max(problem.w_max, 1.0 / n)
    mu, cov = problem.mu, problem.cov
    answers: list[np.ndarray | None | str] = [NOT_SETTLED] * len(values)
    interior = np.ones(len(values), dtype=bool)
    if kind == "target-return":
        low, high = (float(v[0]) for v in return_bounds(mu[None, :], 0.0, w_max))
        tol = REACH_RTOL * (1 + abs(low) + abs(high))
        for j, value in enumerate(values):
            if not low - tol <= value <= high + tol:
                answers[j], interior[j] = None, False
            elif value >= high - tol or value <= low + tol:
                # one feasible portfolio at either end of the range: the greedy allocation
                answers[j], interior[j] = _extreme(mu if value >= high - tol else -mu, w_max), False
    else:
        for j in np.flatnonzero(values <= 0):
            answers[j], interior[j] = _extreme(mu, w_max), False
    todo = np.flatnonzero(interior)
    if not len(todo):
        return answers
    params = values[todo]
    first = todo[np.argmin(params / np.linalg.norm(mu) if kind == "target-return" else (1 - params) / params)]
    start = solve_bounded(SelectionQP(cov, mu, kind, 0.0, w_max), float(values[first]))
    if start is None:
        return answers
    guess = np.repeat(start[:, None], len(params), axis=1)
    cost = np.full(len(params), np.nan)
    solved = np.zeros(len(params), dtype=bool)
    weights = np.zeros((len(params), n))
    walk_selection(cov, mu, np.arange(n, dtype=np.int64), kind == "target-return", params,
                   np.ones(len(params), dtype=bool), guess, START_ATOL, 0.0, float(w_max), cost, solved, weights)
    for position, j in enumerate(todo):
        if solved[position]:
            answers[j] = weights[position]
    return answers


def _extreme(score: np.ndarray, w_max: float) -> np.ndarray:
    """The allocation maximising ``score'w`` over the bounds: the best assets first, each to w_max."""
    weights = np.empty(len(score))
    weights[np.argsort(-score, kind="stable")] = best_first_allocation(len(score), 0.0, w_max)
    return weights
