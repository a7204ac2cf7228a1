"""Compiled pricing of one selection's (selection, parameter) pairs: the evaluator's rule, once.

Every pair the evaluator prices, in a batch (``SelectionEvaluator.costs``) or in a local
search's neighbourhood, goes through :func:`price_selection`, so the decisions that count (is
it priced, screened or out of reach?) never depend on the route:

1. **Closed form**: the bound-free optimum is the all-free working set's KKT solution
   (:mod:`geo.problem.compiled_qp`). Where it passes the full KKT check, bounds included (and
   every sector cap holds), it is the optimum: PRICED.
2. **Cutoff screen**: with a cutoff, a pair whose bound-free optimum is a proven lower bound (a
   positive definite covariance, distinct returns for a return target, a point that solves its
   own KKT system) and already costs at least the cutoff is SCREENED: not priced, not counted.
3. **Bounded**: pairs with one feasible portfolio (a target at an end of the selection's range,
   risk aversion 0, bounds that allow only equal weights) are DEFERRED to the sequential solver
   (DAQP, in Python). The others start from ``start`` (a neighbour's first guess: the current
   optimum's working set) where one is given, then walk the critical line from the crossed
   bounds of the bound-free optimum; a pair neither settles is DEFERRED too.

A pair's cost is a function of its final working set alone (assets in ascending order, one KKT
solve): the routes agree bit for bit wherever they end on the same working set.

The return range of a selection (:func:`return_range`, also the out-of-reach screen) is computed
here too, once, for both routes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from geo.problem.bound_free import LOWER_BOUND_MU_RTOL
from geo.problem.compiled_qp import (CHANGED, DONE, FREE, MAX_ROUNDS, check_point, form_of, gradient_scale,
                                     line_parameter, point_cost, settle, settle_rounds, solve_line,
                                     stationary_and_balanced)
from geo.problem.compiled_walk import walk_selection
from geo.problem.sector_caps import CAP_TOL

# Outcomes of a pair.
NOT_NEEDED, PRICED, SCREENED, DEFERRED = 0, 1, 2, 3
# The cutoff screen trusts the bound-free optimum only with clearly distinct returns
# (LOWER_BOUND_MU_RTOL), and only when it clears the cutoff by this relative margin.
LOWER_BOUND_MARGIN = 1e-10
# A target this close (relative to the range's ends) outside a selection's range is out of reach;
# this close inside an end, it has one feasible portfolio.
REACH_RTOL = 1e-12


@njit(cache=True, error_model="numpy")
def return_range(mu, idx, lo, hi):
    """Lowest and highest return of the selection ``idx`` under the bounds (no caps): every asset
    at ``lo``, the rest of the budget to the best (worst) assets first, up to ``hi`` each."""
    n = len(idx)
    values = np.empty(n)
    for i in range(n):
        values[i] = mu[idx[i]]
    values.sort()
    spare = 1.0 - n * lo
    low = 0.0
    high = 0.0
    for r in range(n):
        extra = min(max(spare - r * (hi - lo), 0.0), hi - lo)
        low += values[r] * (lo + extra)
        high += values[n - 1 - r] * (lo + extra)
    return low, high


@njit(cache=True, error_model="numpy")
def out_of_reach(low, high, param):
    tol = REACH_RTOL * (1.0 + abs(low) + abs(high))
    return param < low - tol or param > high + tol


@njit(cache=True, error_model="numpy")
def is_definite(cov, idx):
    """Whether the selection's covariance is positive definite (a Cholesky factorisation)."""
    n = len(idx)
    factor = np.zeros((n, n))
    for j in range(n):
        acc = cov[idx[j], idx[j]]
        for k in range(j):
            acc -= factor[j, k] * factor[j, k]
        if not acc > 0.0:
            return False
        factor[j, j] = np.sqrt(acc)
        for i in range(j + 1, n):
            acc = cov[idx[i], idx[j]]
            for k in range(j):
                acc -= factor[i, k] * factor[j, k]
            factor[i, j] = acc / factor[j, j]
    return True


@njit(cache=True, error_model="numpy")
def lower_bound_usable(cov, mu, idx, target_kind):
    """The bound-free optimum is the unique minimiser of the equality-constrained QP (so a proven
    lower bound on the bounded one): a definite covariance and, for a target, distinct returns
    (the rule of :func:`geo.problem.bound_free.lower_bound_usable`, for one selection)."""
    if target_kind:
        smallest, largest, size = np.inf, -np.inf, 0.0
        for i in range(len(idx)):
            v = mu[idx[i]]
            smallest, largest, size = min(smallest, v), max(largest, v), max(size, abs(v))
        if not largest - smallest > LOWER_BOUND_MU_RTOL * (size + 1e-300):
            return False
    return is_definite(cov, idx)


@njit(cache=True, error_model="numpy")
def caps_hold(idx, weights, sector_of, caps):
    """Every sector's weight within its cap (no caps: ``caps`` empty)."""
    if len(caps) == 0:
        return True
    totals = np.zeros(len(caps))
    for i in range(len(idx)):
        totals[sector_of[idx[i]]] += weights[i]
    for s in range(len(caps)):
        if totals[s] > caps[s] + CAP_TOL:
            return False
    return True


@njit(cache=True, error_model="numpy")
def price_selection(cov, mu, idx, target_kind, params, needed, cutoff, lo, hi, sector_of, caps, start, cost_out,
                    code_out):
    """Classify and price the ``needed`` pairs of the selection ``idx`` (ascending) at ``params``:
    ``code_out`` gets PRICED (``cost_out`` set), SCREENED, DEFERRED or NOT_NEEDED. ``cutoff``
    NaN: no cutoff screen. ``start`` (N,): a first working-set guess per asset, or empty."""
    n = len(idx)
    n_par = len(params)
    hf, eq, e0, e1, g, lin_size, norm = form_of(cov, mu, idx, target_kind)
    free = np.zeros(n, dtype=np.int8)
    line = np.empty((6, n))
    solved_free = solve_line(cov, idx, hf, eq, e0, e1, g, free, lo, hi, line)
    low, high = return_range(mu, idx, lo, hi)
    equal_weights = abs(n * hi - 1.0) <= 1e-12 or abs(n * lo - 1.0) <= 1e-12
    usable = -1  # the lower bound's usability, computed once, when first needed
    nxt = np.empty(n, dtype=np.int8)
    weights = np.empty(n)
    guess = np.empty((n, n_par))
    walk = np.zeros(n_par, dtype=np.bool_)
    for j in range(n_par):
        code_out[j] = NOT_NEEDED
        if not needed[j]:
            continue
        param = params[j]
        linear = not target_kind and param <= 0.0  # risk aversion 0: a linear programme
        t = 0.0 if linear else line_parameter(param, norm, target_kind)
        if solved_free and not linear:
            for i in range(n):
                weights[i] = line[0, i] + t * line[1, i]
            if (check_point(line, free, t, eq, e0, e1, g, lin_size, lo, hi, nxt) == 0
                    and caps_hold(idx, weights, sector_of, caps)):
                cost_out[j] = point_cost(line, t, hf, idx, mu, param, target_kind, lo, hi)
                code_out[j] = PRICED
                continue
            if np.isfinite(cutoff):
                if usable < 0:
                    usable = 1 if lower_bound_usable(cov, mu, idx, target_kind) else 0
                if usable == 1 and stationary_and_balanced(line, free, t, eq, e0, e1,
                                                           gradient_scale(line, t, g, lin_size)):
                    bound = point_cost(line, t, hf, idx, mu, param, target_kind, -np.inf, np.inf)
                    if bound >= cutoff + LOWER_BOUND_MARGIN * abs(cutoff):
                        code_out[j] = SCREENED
                        continue
        code_out[j] = DEFERRED
        if linear or equal_weights:
            continue
        if target_kind:
            tol = REACH_RTOL * (1.0 + abs(low) + abs(high))
            if param >= high - tol or param <= low + tol:
                continue
        walk[j] = True
        for i in range(n):
            guess[i, j] = line[0, i] + t * line[1, i] if solved_free else 1.0 / n
    if len(start) and len(caps) == 0:
        status = np.empty(n, dtype=np.int8)
        settled = np.empty((6, n))
        for j in range(n_par):
            if walk[j]:
                all_free = solved_free
                for i in range(n):
                    status[i] = start[idx[i]]
                    all_free = all_free and status[i] == FREE
                t = line_parameter(params[j], norm, target_kind)
                if all_free:
                    # The first round from an all-free guess would solve the all-free set again:
                    # that is ``line``, already solved; the same round from it, then the rest.
                    code = check_point(line, free, t, eq, e0, e1, g, lin_size, lo, hi, nxt)
                    ok = code == DONE
                    if ok:
                        settled[:, :] = line
                    elif code == CHANGED:
                        status[:] = nxt
                        ok = settle_rounds(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, status, settled,
                                           MAX_ROUNDS - 1)
                else:
                    ok = settle(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, status, settled)
                if ok:
                    cost_out[j] = point_cost(settled, t, hf, idx, mu, params[j], target_kind, lo, hi)
                    code_out[j] = PRICED
                    walk[j] = False
    if walk.any():
        walked = np.full(n_par, np.nan)
        solved = np.zeros(n_par, dtype=np.bool_)
        walked_weights = np.zeros((n_par, n))
        walk_selection(cov, mu, idx, target_kind, params, walk, guess, 0.0, lo, hi, walked, solved, walked_weights)
        for j in range(n_par):
            if solved[j] and caps_hold(idx, walked_weights[j], sector_of, caps):
                cost_out[j] = walked[j]
                code_out[j] = PRICED


@njit(cache=True, error_model="numpy")
def price_group(cov, mu, index, target_kind, params, needed, cutoff, lo, hi, sector_of, caps):
    """:func:`price_selection` for each selection of ``index`` (M, K); returns cost (M, T) and the
    outcome codes (M, T)."""
    n_sel = index.shape[0]
    cost = np.full((n_sel, len(params)), np.nan)
    code = np.zeros((n_sel, len(params)), dtype=np.int8)
    no_start = np.zeros(0, dtype=np.int8)
    for s in range(n_sel):
        price_selection(cov, mu, index[s], target_kind, params, needed[s], cutoff, lo, hi, sector_of, caps, no_start,
                        cost[s], code[s])
    return cost, code


@njit(cache=True, error_model="numpy")
def return_ranges(mu, keys, size_ok, lo, hi):
    """Lowest and highest return of each selection given by its packed key (rows of ``keys``);
    NaN for a selection whose size ``size_ok`` does not allow."""
    n_sel = keys.shape[0]
    low = np.full(n_sel, np.nan)
    high = np.full(n_sel, np.nan)
    idx = np.empty(len(mu), dtype=np.int64)
    for s in range(n_sel):
        n = 0
        for w in range(keys.shape[1]):
            word = keys[s, w]
            bit = 0
            while word != 0:
                if word & np.uint64(1):
                    idx[n] = 64 * w + bit
                    n += 1
                word >>= np.uint64(1)
                bit += 1
        if size_ok[n]:
            low[s], high[s] = return_range(mu, idx[:n], lo, hi)
    return low, high
