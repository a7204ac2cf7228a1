"""Price the (selection, parameter) pairs where a weight bound binds, batched.

The two-fund closed form settles the pairs whose bound-free optimum is feasible; the rest go
here. Most are solved together by the batched active-set step of
:mod:`geo.problem.active_set`, starting from the bounds the bound-free optimum crosses. Pairs
with one feasible portfolio (a return target at the end of the selection's range, a risk
aversion of 0, or bounds that leave only equal weights) and the few pairs the batched step
cannot settle go to the sequential exact solver of :mod:`geo.problem.selection_qp`.
"""

from __future__ import annotations

import numpy as np

from geo.problem.active_set import solve_pairs
from geo.problem.selection_qp import SelectionQP, return_bounds, solve_bounded_many

INFEASIBLE = np.inf
POLISH_ATOL = 1e-9  # a sequential answer this close to a bound is taken as sitting on it
# Below this many pairs the batched step's fixed cost (a few ms of array set-up) exceeds the
# sequential solver's (tens of microseconds a pair): annealing prices one pair at a time.
MIN_BATCH = 16


def price_bound_pairs(table: np.ndarray, todo: np.ndarray, cov_sel: np.ndarray, mu_sel: np.ndarray, kind: str,
                      params: np.ndarray, w_min: float, w_max: float, guess: np.ndarray | None = None) -> None:
    """Fill ``table[todo]`` (selections x parameters) with exact costs; ``guess`` (M, K, T) are
    the bound-free weights whose crossed bounds seed each pair's active set."""
    if not todo.any():
        return
    size = mu_sel.shape[1]
    sequential = np.zeros_like(todo)
    if abs(size * w_max - 1) <= 1e-12 or abs(size * w_min - 1) <= 1e-12:
        sequential[:] = todo
    elif kind == "risk-aversion":
        sequential[:, params == 0] = True
    else:
        low, high = return_bounds(mu_sel, w_min, w_max)
        tol = 1e-12 * (1 + np.abs(low) + np.abs(high))
        sequential |= (params[None, :] >= (high - tol)[:, None]) | (params[None, :] <= (low + tol)[:, None])
    sequential &= todo
    if (todo & ~sequential).sum() < MIN_BATCH:
        sequential = todo.copy()
    batched = todo & ~sequential
    rows, cols = np.nonzero(batched)
    if len(rows):
        if guess is None:
            lower = np.zeros((len(rows), size), dtype=bool)
            upper = lower.copy()
        else:
            start = guess[rows, :, cols]
            lower, upper = start < w_min, start > w_max
        weights, variance, solved = solve_pairs(cov_sel, mu_sel, rows, kind, params[cols], w_min, w_max, lower, upper)
        table[rows[solved], cols[solved]] = pair_costs_from_variance(
            variance[solved], mu_sel[rows[solved]], weights[solved], kind, params[cols[solved]])
        sequential[rows[~solved], cols[~solved]] = True
    polish_rows, polish_cols, polish_weights = [], [], []
    for i in np.flatnonzero(sequential.any(axis=1)):
        qp = SelectionQP(cov_sel[i], mu_sel[i], kind, w_min, w_max)
        columns = np.flatnonzero(sequential[i])
        answers = solve_bounded_many(qp, params[columns])
        for j, weights in zip(columns, answers):
            table[i, j] = INFEASIBLE if weights is None else float(
                pair_costs(qp.cov[None], qp.mu[None], weights[None], kind, params[j:j + 1])[0])
            if weights is not None and batched[i, j]:
                polish_rows.append(i)
                polish_cols.append(j)
                polish_weights.append(weights)
    if polish_rows:
        _polish(table, np.array(polish_rows), np.array(polish_cols), np.array(polish_weights), cov_sel, mu_sel, kind,
                params, w_min, w_max)


def _polish(table: np.ndarray, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, cov_sel: np.ndarray,
            mu_sel: np.ndarray, kind: str, params: np.ndarray, w_min: float, w_max: float) -> None:
    """Re-solve the KKT system at the sequential solver's active set, where it verifies.

    On a singular covariance DAQP may stall and retry with a ridge (RIDGE_RTOL), which moves its
    cost by up to ~1e-7 relative; the exact solve of its final working set removes that error.
    A polished cost is kept only where it verifies and does not exceed the sequential one.
    """
    lower = weights <= w_min + POLISH_ATOL
    upper = ~lower & (weights >= w_max - POLISH_ATOL)
    polished, variance, solved = solve_pairs(cov_sel, mu_sel, rows, kind, params[cols], w_min, w_max, lower, upper)
    if not solved.any():
        return
    cost = pair_costs_from_variance(variance[solved], mu_sel[rows[solved]], polished[solved], kind,
                                    params[cols[solved]])
    r, c = rows[solved], cols[solved]
    table[r, c] = np.minimum(table[r, c], cost)


def pair_costs_from_variance(variance: np.ndarray, mu: np.ndarray, weights: np.ndarray, kind: str,
                             params: np.ndarray) -> np.ndarray:
    if kind == "target-return":
        return variance
    return params * variance - (1 - params) * np.einsum("pi,pi->p", mu, weights)


def pair_costs(cov: np.ndarray, mu: np.ndarray, weights: np.ndarray, kind: str, params: np.ndarray) -> np.ndarray:
    """Cost of each pair's weights (rows), in the objective form ``kind``."""
    variance = np.einsum("pi,pij,pj->p", weights, cov, weights)
    if kind == "target-return":
        return variance
    return params * variance - (1 - params) * np.einsum("pi,pi->p", mu, weights)
