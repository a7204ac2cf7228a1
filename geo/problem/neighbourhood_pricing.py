"""Price every one-move neighbour of a selection at one parameter by updates, not re-solves.

Local search looks at all swaps (and, in at-most mode, drops and adds) of its current
selection S. Each neighbour's QP differs from S's by one row and column dropped and/or one
added, so its solution follows from S's factorisation:

- S's optimum splits S into free weights F and weights held at a bound X. Guess that a
  neighbour keeps that split (the asset it drops leaves it, the asset it adds is free).
- With the bounds at zero (``w_min = 0``, nothing at ``w_max``), the fixed weights drop out and
  the neighbour's free QP is the two-fund problem on F minus one asset plus one asset. Its
  ``Sigma^-1 1`` and ``Sigma^-1 mu`` come from ``P = Sigma_FF^-1`` by a Schur-complement
  downdate (drop d: ``u' Q w = u'Pw - (Pu)_d (Pw)_d / P_dd``) and a bordering update (add a:
  ``s = Sigma_aa - c'Qc`` with ``c = Sigma_{F,a}``), vectorised over the whole neighbourhood;
  ``P Sigma_{F, outside}`` is one matrix product for all adds.
- Each neighbour's answer is accepted only when it meets every KKT condition of its own QP,
  checked against the covariance itself (not the update): weights in bounds, stationarity of
  the free weights, non-negative multipliers of the fixed ones, all to tight tolerances. For a
  convex QP that is the optimum, whatever round-off the updates carried.

Neighbours that fail a check, and every neighbour when S's optimum holds a weight at a non-zero
bound, are returned as NaN: the caller prices them by the batched cold path.
"""

from __future__ import annotations

import numpy as np

from geo.problem.active_set import DUAL_RTOL, EQUALITY_ATOL, PRIMAL_TOL, RESIDUAL_RTOL, ROUNDOFF_SLACK
from geo.problem.problem import Problem
from geo.problem.selection_qp import DEGENERACY_RTOL

# An added asset whose variance is (almost) explained by the free assets makes the bordered
# system singular: leave it to the cold path.
SCHUR_RTOL = 1e-10
AT_BOUND_ATOL = 1e-12


def price_neighbours(problem: Problem, kind: str, parameter: float, current: np.ndarray,
                     current_weights: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Cost of each neighbour (rows of ``neighbours``) at ``parameter``; NaN: not settled here.

    ``current_weights`` (N,) is the optimum of ``current`` at ``parameter``.
    """
    n_neigh = len(neighbours)
    unsettled = np.full(n_neigh, np.nan)
    if problem.w_min != 0 or (kind == "risk-aversion" and parameter <= 0) or n_neigh == 0:
        return unsettled
    held = np.flatnonzero(current)
    held_w = current_weights[held]
    if np.any(held_w >= problem.w_max - AT_BOUND_ATOL):
        return unsettled
    free_pos = np.flatnonzero(held_w > AT_BOUND_ATOL)
    f = len(free_pos)
    if f == 0:
        return unsettled
    free = held[free_pos]
    moves = _decode_moves(current, neighbours, free)
    drop_d, add_a, removed, outside, one_move = moves
    try:
        inv = np.linalg.inv(problem.cov[np.ix_(free, free)])
    except np.linalg.LinAlgError:
        return unsettled
    cost = np.full(n_neigh, np.nan)
    # First guess: the added asset is free; second: it stays at zero (the drop-only solution,
    # with the added asset's multiplier checked).
    for added_fixed in (False, True):
        todo = np.flatnonzero(np.isnan(cost))
        if added_fixed:
            todo = todo[add_a[todo] < len(outside)]
        if not len(todo):
            break
        cost[todo] = _price_guess(problem, kind, parameter, held, free_pos, inv, drop_d[todo], add_a[todo], removed[todo],
                                  outside, one_move[todo], added_fixed)
    return cost


def _price_guess(problem: Problem, kind: str, parameter: float, held: np.ndarray, free_pos: np.ndarray,
                 inv: np.ndarray, drop_d: np.ndarray, add_a: np.ndarray, removed: np.ndarray, outside: np.ndarray,
                 one_move: np.ndarray, added_fixed: bool) -> np.ndarray:
    """Costs under one active-set guess; NaN where the guess fails a KKT check."""
    cov, mu = problem.cov, problem.mu
    free = held[free_pos]
    f, n_neigh = len(free), len(drop_d)
    mu_f = mu[free]
    p1, pm = inv.sum(axis=1), inv @ mu_f
    # Drop tables, one row per dropped free asset and a last row for "no free asset dropped".
    inv_ext = np.hstack([inv, np.zeros((f, 1))])
    pdd = np.append(np.diag(inv).copy(), 1.0)
    p1_ext, pm_ext = np.append(p1, 0.0), np.append(pm, 0.0)
    col_d = inv_ext[:, drop_d].T                                        # (n, f)
    p1_d, pm_d, pdd_n = p1_ext[drop_d], pm_ext[drop_d], pdd[drop_d]
    x1 = p1[None, :] - col_d * (p1_d / pdd_n)[:, None]
    xm = pm[None, :] - col_d * (pm_d / pdd_n)[:, None]
    a_ = p1.sum() - p1_d**2 / pdd_n
    b_ = mu_f @ p1 - p1_d * pm_d / pdd_n
    c_ = mu_f @ pm - pm_d**2 / pdd_n
    # Bordering by the added asset (none: a = len(outside), zero column).
    adds = add_a < len(outside)
    bordered = adds & (not added_fixed)
    g_out = np.hstack([cov[np.ix_(free, outside)], np.zeros((f, 1))])   # Sigma_{F, outside}
    z_out = np.vstack([inv @ g_out, np.zeros((1, g_out.shape[1]))])     # P Sigma_{F, outside}, + zero row
    g_n = g_out[:, add_a].T                                              # (n, f)
    z_n = z_out[:f, add_a].T
    z_d = z_out[drop_d, add_a]
    y = z_n - col_d * (z_d / pdd_n)[:, None]
    cqc = np.einsum("nf,nf->n", g_n, z_n) - z_d**2 / pdd_n
    var_a = np.append(np.diag(cov)[outside], 1.0)[add_a]
    mu_a = np.append(mu[outside], 0.0)[add_a]
    schur = np.where(bordered, var_a - cqc, 1.0)
    y1 = g_n @ p1 - z_d * p1_d / pdd_n
    ym = g_n @ pm - z_d * pm_d / pdd_n
    with np.errstate(divide="ignore", invalid="ignore"):
        x1_a = np.where(bordered, (1 - y1) / schur, 0.0)
        xm_a = np.where(bordered, (mu_a - ym) / schur, 0.0)
        x1 -= y * x1_a[:, None]
        xm -= y * xm_a[:, None]
        a_ = a_ + np.where(bordered, (1 - y1) * x1_a, 0.0)
        b_ = b_ + np.where(bordered, (1 - y1) * xm_a, 0.0)
        c_ = c_ + np.where(bordered, (mu_a - ym) * xm_a, 0.0)
        usable = one_move & (a_ > 0) & (~bordered | (schur > SCHUR_RTOL * var_a))
        if kind == "target-return":
            d_ = a_ * c_ - b_ * b_
            usable &= d_ > DEGENERACY_RTOL * np.abs(a_ * c_)
            base, slope = (c_ / d_), (a_ / d_)
            w_f = (base[:, None] * x1 - (b_ / d_)[:, None] * xm) + parameter * (slope[:, None] * xm - (b_ / d_)[:, None] * x1)
            w_a = (base * x1_a - (b_ / d_) * xm_a) + parameter * (slope * xm_a - (b_ / d_) * x1_a)
            lam = 2 * (c_ - b_ * parameter) / d_
            nu = 2 * (a_ * parameter - b_) / d_
            hess_factor, mu_coef, const = 2.0, nu, lam        # gradient rest: 2 Sigma w - nu mu - lam
        else:
            rho = (1 - parameter) / (2 * parameter)
            w_f = x1 / a_[:, None] + rho * (xm - (b_ / a_)[:, None] * x1)
            w_a = x1_a / a_ + rho * (xm_a - (b_ / a_) * x1_a)
            eta = (2 * parameter - (1 - parameter) * b_) / a_
            hess_factor, mu_coef, const = 2 * parameter, np.full(n_neigh, 1 - parameter), eta
    w_f = np.nan_to_num(w_f)
    w_a = np.where(bordered, np.nan_to_num(w_a), 0.0)
    w_f[np.arange(n_neigh), np.minimum(drop_d, f - 1)] *= drop_d == f  # the dropped asset holds nothing
    # Sigma w, from the covariance itself, on the held assets and on the added one.
    sw_held = (cov[np.ix_(held, free)] @ w_f.T).T + np.hstack([cov[np.ix_(held, outside)],
                                                               np.zeros((len(held), 1))])[:, add_a].T * w_a[:, None]
    sw_a = np.einsum("nf,nf->n", g_n, w_f) + var_a * w_a
    with np.errstate(invalid="ignore"):  # unusable (degenerate) neighbours carry inf/NaN, masked below
        grad_held = hess_factor * sw_held - mu_coef[:, None] * mu[held][None, :] - np.asarray(const)[:, None]
        grad_a = hess_factor * sw_a - mu_coef * mu_a - const
    # The gradient's scale from the data alone (see geo/problem/active_set.py): |Sigma w| is at
    # most the largest variance for weights summing to one, plus the return term.
    mu_size = float(np.max(np.abs(mu)))
    gscale = hess_factor * float(np.max(np.diag(cov))) + ROUNDOFF_SLACK * (np.abs(const) + np.abs(mu_coef) * mu_size)
    if kind == "risk-aversion":
        gscale = gscale + np.abs(mu_coef) * mu_size
    is_free = np.zeros((n_neigh, len(held)), dtype=bool)
    is_free[:, free_pos] = True
    gone = np.zeros((n_neigh, len(held)), dtype=bool)
    gone[np.flatnonzero(removed >= 0), removed[removed >= 0]] = True
    stays_free, stays_fixed = is_free & ~gone, ~is_free & ~gone
    in_bounds = np.all((w_f >= problem.w_min - PRIMAL_TOL) & (w_f <= problem.w_max + PRIMAL_TOL), axis=1) & (
        ~bordered | ((w_a >= problem.w_min - PRIMAL_TOL) & (w_a <= problem.w_max + PRIMAL_TOL)))
    stationary = np.all(np.where(stays_free, np.abs(grad_held), 0.0) <= RESIDUAL_RTOL * gscale[:, None], axis=1) & (
        ~bordered | (np.abs(grad_a) <= RESIDUAL_RTOL * gscale))
    dual_ok = np.all(np.where(stays_fixed, grad_held, 0.0) >= -DUAL_RTOL * gscale[:, None], axis=1) & (
        ~(adds & ~bordered) | (grad_a >= -DUAL_RTOL * gscale))
    equalities = np.abs(w_f.sum(axis=1) + w_a - 1) <= EQUALITY_ATOL
    if kind == "target-return":
        scale_r = 1 + np.abs(mu).max()
        equalities &= np.abs(w_f @ mu_f + w_a * mu_a - parameter) <= EQUALITY_ATOL * scale_r
    settled = usable & in_bounds & stationary & dual_ok & equalities & np.isfinite(gscale)
    variance = np.einsum("nf,nf->n", w_f, sw_held[:, free_pos]) + w_a * sw_a
    if kind == "target-return":
        cost = variance
    else:
        cost = parameter * variance - (1 - parameter) * (w_f @ mu_f + w_a * mu_a)
    return np.where(settled, cost, np.nan)


def _decode_moves(current: np.ndarray, neighbours: np.ndarray, free: np.ndarray):
    """Per neighbour: the dropped free asset's position in ``free`` (len(free): none), the added
    asset's position among the assets outside ``current`` (len(outside): none), the dropped
    asset's position among the held ones (-1: none), the outside assets, and whether the
    neighbour is one move away."""
    held = np.flatnonzero(current)
    outside = np.flatnonzero(~current)
    dropped = current[None, :] & ~neighbours
    added = neighbours & ~current[None, :]
    n_drop, n_add = dropped.sum(axis=1), added.sum(axis=1)
    one_move = (n_drop <= 1) & (n_add <= 1) & ((n_drop + n_add) >= 1)
    drop_asset = np.where(n_drop == 1, dropped.argmax(axis=1), -1)
    add_asset = np.where(n_add == 1, added.argmax(axis=1), -1)
    held_pos = np.full(len(current), -1)
    held_pos[held] = np.arange(len(held))
    free_pos = np.full(len(current), len(free))
    free_pos[free] = np.arange(len(free))
    out_pos = np.full(len(current), len(outside))
    out_pos[outside] = np.arange(len(outside))
    removed = np.where(drop_asset >= 0, held_pos[drop_asset], -1)
    drop_d = np.where(drop_asset >= 0, free_pos[drop_asset], len(free))
    add_a = np.where(add_asset >= 0, out_pos[add_asset], len(outside))
    return drop_d, add_a, removed, outside, one_move
