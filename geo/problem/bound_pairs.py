"""The sequential solver for the pairs the compiled route defers to it.

:func:`geo.problem.compiled_pricing.price_selection` prices almost every pair; it defers those
with one feasible portfolio (a return target at an end of the selection's range, a risk aversion
of 0, bounds that leave only equal weights), and the few the walk cannot settle, to DAQP, one QP
at a time (:mod:`geo.problem.selection_qp`, with the sector caps as rows where there are caps).
Without caps, each answer is then re-solved exactly at its own working set.
"""

from __future__ import annotations

import numpy as np

from geo.problem.compiled_qp import price_at_weights
from geo.problem.sector_caps import SectorCaps
from geo.problem.selection_qp import SelectionQP, solve_bounded_many

INFEASIBLE = np.inf
POLISH_ATOL = 1e-9  # a sequential answer this close to a bound is taken as sitting on it


def price_deferred(table: np.ndarray, deferred: np.ndarray, cov: np.ndarray, mu: np.ndarray, index: np.ndarray,
                   kind: str, params: np.ndarray, w_min: float, w_max: float, caps: SectorCaps | None = None) -> None:
    """Fill ``table[deferred]`` (selections x parameters) with exact costs (inf: infeasible).

    ``cov`` and ``mu`` are the whole universe's, ``index`` (M, K) the selections' assets.
    """
    polish_rows, polish_cols, polish_weights = [], [], []
    for i in np.flatnonzero(deferred.any(axis=1)):
        ids, cap_values = (None, None) if caps is None else caps.local(index[i])
        qp = SelectionQP(cov[np.ix_(index[i], index[i])], mu[index[i]], kind, w_min, w_max, ids, cap_values)
        columns = np.flatnonzero(deferred[i])
        answers = solve_bounded_many(qp, params[columns])
        for j, weights in zip(columns, answers):
            table[i, j] = INFEASIBLE if weights is None else float(
                pair_costs(qp.cov[None], qp.mu[None], weights[None], kind, params[j:j + 1])[0])
            if weights is not None and caps is None:
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
