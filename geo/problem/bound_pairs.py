"""Price the (selection, parameter) pairs where a weight bound binds, batched.

The two-fund closed form settles the pairs whose bound-free optimum is feasible; the rest go
here. Each selection's pairs are priced by the compiled walk along its critical line
(:mod:`geo.problem.compiled_qp`): its first pair by active-set rounds from the bounds the
bound-free optimum crosses, the others by following the line, one KKT solve per breakpoint.
Pairs with one feasible portfolio (a return target at the end of the selection's range, a risk
aversion of 0, or bounds that leave only equal weights) and the few pairs the walk cannot
settle go to the sequential exact solver of :mod:`geo.problem.selection_qp` (DAQP), whose
answer is then re-solved exactly at its own working set.
"""

from __future__ import annotations

import numpy as np

from geo.problem.compiled_qp import price_at_weights, price_selections, settle_pairs
from geo.problem.sector_caps import SectorCaps
from geo.problem.selection_qp import SelectionQP, return_bounds, solve_bounded_many

INFEASIBLE = np.inf
POLISH_ATOL = 1e-9  # a sequential answer this close to a bound is taken as sitting on it


def price_bound_pairs(table: np.ndarray, todo: np.ndarray, cov: np.ndarray, mu: np.ndarray, index: np.ndarray,
                      kind: str, params: np.ndarray, w_min: float, w_max: float, guess: np.ndarray,
                      caps: SectorCaps | None = None, start: np.ndarray | None = None) -> None:
    """Fill ``table[todo]`` (selections x parameters) with exact costs.

    ``cov`` and ``mu`` are the whole universe's, ``index`` (M, K) the selections' assets and
    ``guess`` (M, K, T) their bound-free weights, whose crossed bounds seed each selection's
    first working set (:func:`geo.problem.compiled_qp.walk_selection` walks the rest). With sector
    ``caps``, a walked optimum (which ignores the caps) is kept only where every cap holds (then
    it is the capped optimum too: the caps only shrink the feasible set); the other pairs go to
    DAQP with the caps as rows.

    ``start`` (N,), for pairs at one parameter near a known optimum (a local search's
    neighbourhood): each asset's place in that optimum's working set (``compiled_qp.FREE``,
    ``LOW``, ``UP``), the first guess for every pair before the walk; a pair settled from it
    has the same cost as walked (the cost is a function of the final working set alone).
    """
    if not todo.any():
        return
    size = index.shape[1]
    mu_sel = mu[index]
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
    batched = todo & ~sequential
    if start is not None and caps is None and batched.any():
        rows, cols = np.nonzero(batched)
        pair_index = np.ascontiguousarray(index[rows], dtype=np.int64)
        cost, solved = settle_pairs(cov, mu, pair_index, kind == "target-return", np.asarray(params[cols], dtype=float),
                                    start[pair_index], float(w_min), float(w_max))
        table[rows[solved], cols[solved]] = cost[solved]
        batched[rows[solved], cols[solved]] = False
    if batched.any():
        cost, solved, weights = price_selections(cov, mu, np.ascontiguousarray(index, dtype=np.int64),
                                                 kind == "target-return", np.asarray(params, dtype=float), batched,
                                                 np.ascontiguousarray(guess, dtype=float), float(w_min), float(w_max),
                                                 caps is not None)
        if caps is not None:
            solved &= caps.hold(index, weights)
        table[solved] = cost[solved]
        sequential |= batched & ~solved
    polish_rows, polish_cols, polish_weights = [], [], []
    for i in np.flatnonzero(sequential.any(axis=1)):
        ids, cap_values = (None, None) if caps is None else caps.local(index[i])
        qp = SelectionQP(cov[np.ix_(index[i], index[i])], mu_sel[i], kind, w_min, w_max, ids, cap_values)
        columns = np.flatnonzero(sequential[i])
        answers = solve_bounded_many(qp, params[columns])
        for j, weights in zip(columns, answers):
            table[i, j] = INFEASIBLE if weights is None else float(
                pair_costs(qp.cov[None], qp.mu[None], weights[None], kind, params[j:j + 1])[0])
            if weights is not None and batched[i, j] and caps is None:
                polish_rows.append(i)
                polish_cols.append(j)
                polish_weights.append(weights)
    if polish_rows:
        _polish(table, np.array(polish_rows), np.array(polish_cols), np.array(polish_weights), cov, mu, index, kind,
                params, w_min, w_max)


def _polish(table: np.ndarray, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, cov: np.ndarray,
            mu: np.ndarray, index: np.ndarray, kind: str, params: np.ndarray, w_min: float, w_max: float) -> None:
    """Re-solve the KKT system at the sequential solver's active set, where it verifies.

    On a singular covariance DAQP may stall and retry with a ridge (RIDGE_RTOL), which moves its
    cost by up to ~1e-7 relative; the exact solve of its final working set removes that error.
    A polished cost is kept only where it verifies and does not exceed the sequential one.
    """
    cost, solved = price_at_weights(cov, mu, np.ascontiguousarray(index[rows], dtype=np.int64),
                                    kind == "target-return", np.asarray(params[cols], dtype=float),
                                    np.ascontiguousarray(weights, dtype=float), float(w_min), float(w_max), POLISH_ATOL)
    r, c = rows[solved], cols[solved]
    table[r, c] = np.minimum(table[r, c], cost[solved])


def pair_costs(cov: np.ndarray, mu: np.ndarray, weights: np.ndarray, kind: str, params: np.ndarray) -> np.ndarray:
    """Cost of each pair's weights (rows), in the objective form ``kind``."""
    variance = np.einsum("pi,pij,pj->p", weights, cov, weights)
    if kind == "target-return":
        return variance
    return params * variance - (1 - params) * np.einsum("pi,pi->p", mu, weights)
