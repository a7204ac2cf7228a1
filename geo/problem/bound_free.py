"""The bound-free (two-fund) optimum of a selection as a proven lower bound on its cost.

Dropping the weight bounds and sector caps only enlarges a selection's feasible set, so the
closed-form optimum without them never exceeds the bounded optimum. The evaluator screens pairs
with it (``cutoff``), and the general pricers (turnover penalty) build their bounds on it.
"""

from __future__ import annotations

import numpy as np

from geo.problem.selection_qp import closed_form

# Returns this close to equal cannot be steered to a target: the two-fund bound is not trusted.
LOWER_BOUND_MU_RTOL = 1e-6


def lower_bound_usable(cov_sel: np.ndarray, mu_sel: np.ndarray, cost: np.ndarray, kind: str) -> np.ndarray:
    """Pairs whose bound-free cost is a proven lower bound on the bounded QP: a positive definite
    covariance (so the two-fund optimum is the unique minimiser) and, for target returns, returns
    that are not all (nearly) equal (else the two-fund formula divides by ~0)."""
    try:
        np.linalg.cholesky(cov_sel)
        definite = np.ones(len(cov_sel), dtype=bool)
    except np.linalg.LinAlgError:
        definite = np.array([_is_definite(block) for block in cov_sel], dtype=bool)
    if kind == "target-return":
        spread = np.ptp(mu_sel, axis=1)
        definite &= spread > LOWER_BOUND_MU_RTOL * (np.abs(mu_sel).max(axis=1) + 1e-300)
    return definite[:, None] & np.isfinite(cost)


def bound_free_lower_bounds(cov_sel: np.ndarray, mu_sel: np.ndarray, kind: str, params: np.ndarray, w_min: float,
                            w_max: float) -> np.ndarray:
    """(M, T) proven lower bounds on the cost of M selections at T parameters (-inf: none)."""
    _, cost, _ = closed_form(cov_sel, mu_sel, kind, params, w_min, w_max)
    return np.where(lower_bound_usable(cov_sel, mu_sel, cost, kind), cost, -np.inf)


def _is_definite(block: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(block)
        return True
    except np.linalg.LinAlgError:
        return False
