"""Compiled (numba) kernels of the selection QP: working-set KKT solves, their exact check and
the primal-dual active-set step (the walk along the critical line is :mod:`geo.problem.compiled_walk`).

Every selection QP of :mod:`geo.problem.selection_qp` is written here in one parametric form:

    min 0.5 w'Hw + t g'w   s.t.   E w = e0 + t e1,   lo <= w <= hi,

with ``H = 2 Sigma / s`` (``s`` the selection's largest variance) and, for
- target return r: ``E = [1; mu/|mu|]``, ``e0 = (1, 0)``, ``e1 = (0, 1)``, ``g = 0``, ``t = r/|mu|``;
- risk aversion lambda > 0: ``E = [1]``, ``e0 = 1``, ``e1 = 0``, ``g = -mu/s``, ``t = (1-lambda)/lambda``.

A *working set* says which weights sit at ``lo`` or ``hi`` (status 1 / 2) and which are free
(status 0). With it fixed, the KKT conditions are one linear system whose solution is affine in
t (the critical line): ``w = w0 + t w1``, gradient rest ``r = H w + t g - E'y = r0 + t r1``.
A pair is *settled* only when its point meets every KKT condition to the tolerances below
(bounds, equalities, stationarity of the free weights computed from the covariance itself, signs
of the bound multipliers): for a convex QP that point is the global optimum, however it was
found. A guess that fails is corrected by the primal-dual active-set step (Hintermueller, Ito &
Kunisch, SIAM J. Optim. 2002): free weights that cross a bound are fixed (the worst first, so
that enough stay free for the equalities), fixed ones with a wrong-signed multiplier are freed.

The QP is given by the full covariance ``cov`` (N x N), ``mu`` and the selection's asset indices
``idx``: nothing is gathered into a K x K copy outside the kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Tolerances of a settled point.
PRIMAL_TOL = 1e-11     # absolute, on weights (which lie in [0, 1])
DUAL_RTOL = 1e-9       # on bound multipliers, relative to the gradient's size
RESIDUAL_RTOL = 1e-9   # on the stationarity residual of the free weights
EQUALITY_ATOL = 1e-12  # on sum(w) = 1 and the (scaled) return row: a miss moves the cost at first order
ROUNDOFF_SLACK = 1e-7  # times the equality multipliers' size, added to the gradient's scale
MAX_AMPLIFICATION = 1e3  # of round-off in the affine weights w0 + t w1 (weights themselves are <= 1)
MAX_ROUNDS = 12        # primal-dual active-set rounds at one point (Hintermueller, Ito & Kunisch 2002)

FREE, LOW, UP = 0, 1, 2
# Below this relative size a pivot of the KKT elimination is taken as zero (a singular set).
PIVOT_RTOL = 1e-14
# Outcomes of the check of one point.
DONE, CHANGED, FAILED = 0, 1, 2


@njit(cache=True, error_model="numpy")
def lu_solve(a, b):
    """Solve ``a x = b`` in place (``b`` (n, r) gets x) by elimination with partial pivoting;
    False when a pivot vanishes (a singular working set). ``a`` is overwritten."""
    n = a.shape[0]
    r = b.shape[1]
    size = 0.0
    for i in range(n):
        for j in range(n):
            v = abs(a[i, j])
            if v > size:
                size = v
    if size == 0.0:
        return False
    for col in range(n):
        piv = col
        best = abs(a[col, col])
        for i in range(col + 1, n):
            v = abs(a[i, col])
            if v > best:
                best, piv = v, i
        if best <= PIVOT_RTOL * size:
            return False
        if piv != col:
            for j in range(n):
                a[col, j], a[piv, j] = a[piv, j], a[col, j]
            for j in range(r):
                b[col, j], b[piv, j] = b[piv, j], b[col, j]
        inv = 1.0 / a[col, col]
        for i in range(col + 1, n):
            f = a[i, col] * inv
            if f != 0.0:
                for j in range(col + 1, n):
                    a[i, j] -= f * a[col, j]
                for j in range(r):
                    b[i, j] -= f * b[col, j]
    for col in range(n - 1, -1, -1):
        inv = 1.0 / a[col, col]
        for j in range(r):
            acc = b[col, j]
            for k in range(col + 1, n):
                acc -= a[col, k] * b[k, j]
            b[col, j] = acc * inv
    return True


@njit(cache=True, error_model="numpy")
def form_of(cov, mu, idx, target_kind):
    """``(hess_factor, E, e0, e1, g, lin_size)`` of the selection ``idx`` (see the module docstring).

    ``H = hess_factor * cov[idx][:, idx]``; ``target_kind`` True for target return."""
    n = len(idx)
    scale = 0.0
    for i in range(n):
        v = abs(cov[idx[i], idx[i]])
        if v > scale:
            scale = v
    if scale <= 0.0:
        scale = 1.0
    hf = 2.0 / scale
    g = np.zeros(n)
    if target_kind:
        norm = 0.0
        for i in range(n):
            norm += mu[idx[i]] ** 2
        norm = np.sqrt(norm)
        if norm <= 0.0:
            norm = 1.0
        eq = np.empty((2, n))
        for i in range(n):
            eq[0, i] = 1.0
            eq[1, i] = mu[idx[i]] / norm
        e0 = np.array([1.0, 0.0])
        e1 = np.array([0.0, 1.0])
        lin_size = 0.0
        return hf, eq, e0, e1, g, lin_size, norm
    eq = np.ones((1, n))
    lin_size = 0.0
    for i in range(n):
        g[i] = -mu[idx[i]] / scale
        if abs(g[i]) > lin_size:
            lin_size = abs(g[i])
    return hf, eq, np.array([1.0]), np.array([0.0]), g, lin_size, 1.0


@njit(cache=True, error_model="numpy")
def solve_line(cov, idx, hf, eq, e0, e1, g, status, lo, hi, line):
    """The KKT solution of one working set, as constant and slope in t.

    ``line`` (6, n) receives the rows w0, w1 (weights), r0, r1 (gradient rest: 0 on free weights,
    the bound multiplier on fixed ones) and hw0, hw1 (H w). Returns False on a singular system."""
    n = len(idx)
    m = eq.shape[0]
    f = 0
    for i in range(n):
        if status[i] == FREE:
            f += 1
    if f < m:
        return False
    free = np.empty(f, dtype=np.int64)
    bound = np.zeros(n)
    f = 0
    for i in range(n):
        if status[i] == FREE:
            free[f] = i
            f += 1
        elif status[i] == LOW:
            bound[i] = lo
        else:
            bound[i] = hi
    size = f + m
    a = np.zeros((size, size))
    b = np.zeros((size, 2))
    for p in range(f):
        gi = idx[free[p]]
        for q in range(f):
            a[p, q] = hf * cov[gi, idx[free[q]]]
        for e in range(m):
            a[p, f + e] = -eq[e, free[p]]
            a[f + e, p] = eq[e, free[p]]
        acc = 0.0
        for j in range(n):
            if status[j] != FREE and bound[j] != 0.0:
                acc += cov[gi, idx[j]] * bound[j]
        b[p, 0] = -hf * acc
        b[p, 1] = -g[free[p]]
    for e in range(m):
        acc = 0.0
        for j in range(n):
            if status[j] != FREE:
                acc += eq[e, j] * bound[j]
        b[f + e, 0] = e0[e] - acc
        b[f + e, 1] = e1[e]
    if not lu_solve(a, b):
        return False
    for c in range(2):
        for e in range(m):
            if not np.isfinite(b[f + e, c]):
                return False
    w0, w1 = line[0], line[1]
    for i in range(n):
        w0[i] = bound[i]
        w1[i] = 0.0
    for p in range(f):
        if not (np.isfinite(b[p, 0]) and np.isfinite(b[p, 1])):
            return False
        w0[free[p]] = b[p, 0]
        w1[free[p]] = b[p, 1]
    # H w from the covariance itself (never from the solve), then the gradient rest.
    for i in range(n):
        gi = idx[i]
        h0 = 0.0
        h1 = 0.0
        for j in range(n):
            if w0[j] != 0.0 or w1[j] != 0.0:
                c = cov[gi, idx[j]]
                h0 += c * w0[j]
                h1 += c * w1[j]
        line[4, i] = hf * h0
        line[5, i] = hf * h1
        r0 = line[4, i]
        r1 = line[5, i] + g[i]
        for e in range(m):
            r0 -= eq[e, i] * b[f + e, 0]
            r1 -= eq[e, i] * b[f + e, 1]
        line[2, i] = r0
        line[3, i] = r1
    return True


@njit(cache=True, error_model="numpy")
def gradient_scale(line, t, g, lin_size):
    """The gradient's scale from the data alone, never from Hw (a garbage solve must not loosen
    its own test): |Hw| <= 2 for weights summing to one, plus the linear term and a fraction of
    the equality multipliers' size |E'y|."""
    hw0, hw1, r0, r1 = line[4], line[5], line[2], line[3]
    multiplier_size = 0.0
    for i in range(line.shape[1]):
        v = abs(hw0[i] + t * (hw1[i] + g[i]) - r0[i] - t * r1[i])
        if v > multiplier_size:
            multiplier_size = v
    return 2.0 + abs(t) * lin_size + ROUNDOFF_SLACK * multiplier_size


@njit(cache=True, error_model="numpy")
def stationary_and_balanced(line, status, t, eq, e0, e1, gscale):
    """The line's point at ``t`` solves its own working set's KKT system: the free weights are
    stationary, the equalities hold, and round-off is not amplified (bounds and multiplier signs
    are not looked at)."""
    n = len(status)
    w0, w1, r0, r1 = line[0], line[1], line[2], line[3]
    amp0 = 0.0
    amp1 = 0.0
    for i in range(n):
        if abs(w0[i]) > amp0:
            amp0 = abs(w0[i])
        if abs(w1[i]) > amp1:
            amp1 = abs(w1[i])
        if status[i] == FREE and abs(r0[i] + t * r1[i]) > RESIDUAL_RTOL * gscale:
            return False
    for e in range(eq.shape[0]):
        acc = -e0[e] - t * e1[e]
        for i in range(n):
            acc += eq[e, i] * (w0[i] + t * w1[i])
        if abs(acc) > EQUALITY_ATOL * (1.0 + abs(t)):
            return False
    return amp0 + abs(t) * amp1 <= MAX_AMPLIFICATION


@njit(cache=True, error_model="numpy")
def free_least_held(line, t, old_status, new_status, m):
    """Fewer free weights than the ``m`` equalities would make the next system singular: free the
    weights fixed in both ``old_status`` and ``new_status`` (never one just fixed) whose
    multipliers at ``t`` are smallest, the least firmly held, until ``m`` are free."""
    n = len(new_status)
    n_free = 0
    for i in range(n):
        if new_status[i] == FREE:
            n_free += 1
    while n_free < m:
        least = -1
        least_v = np.inf
        for i in range(n):
            if new_status[i] != FREE and old_status[i] != FREE:
                v = abs(line[2, i] + t * line[3, i])
                if v < least_v:
                    least, least_v = i, v
        if least < 0:
            break
        new_status[least] = FREE
        n_free += 1


@njit(cache=True, error_model="numpy")
def check_point(line, status, t, eq, e0, e1, g, lin_size, lo, hi, next_status):
    """The KKT conditions of the line at ``t``: DONE (settled), CHANGED (``next_status`` holds
    the next primal-dual active-set guess) or FAILED (not settled, no change to make)."""
    n = len(status)
    m = eq.shape[0]
    w0, w1, r0, r1 = line[0], line[1], line[2], line[3]
    gscale = gradient_scale(line, t, g, lin_size)
    dual_tol = DUAL_RTOL * gscale
    changed = False
    n_fixed_kept = 0
    n_cross = 0
    for i in range(n):
        w = w0[i] + t * w1[i]
        r = r0[i] + t * r1[i]
        s = status[i]
        next_status[i] = s
        if s == LOW:
            if r < -dual_tol:
                next_status[i] = FREE
                changed = True
            else:
                n_fixed_kept += 1
        elif s == UP:
            if r > dual_tol:
                next_status[i] = FREE
                changed = True
            else:
                n_fixed_kept += 1
        elif w < lo - PRIMAL_TOL or w > hi + PRIMAL_TOL:
            n_cross += 1
            changed = True
    if changed:
        # Fix the crossings, the worst first, leaving at least m weights free .
        room = n - m - n_fixed_kept
        allowed = room if room > 1 else 1
        for _ in range(min(n_cross, allowed)):
            worst = -1
            worst_v = 0.0
            for i in range(n):
                if status[i] == FREE and next_status[i] == FREE:
                    w = w0[i] + t * w1[i]
                    v = max(lo - w, w - hi)
                    if v > PRIMAL_TOL and (worst < 0 or v > worst_v):
                        worst, worst_v = i, v
            if worst < 0:
                break
            w = w0[worst] + t * w1[worst]
            next_status[worst] = LOW if w < lo else UP
        free_least_held(line, t, status, next_status, m)
        return CHANGED
    if stationary_and_balanced(line, status, t, eq, e0, e1, gscale):
        return DONE
    return FAILED


@njit(cache=True, error_model="numpy")
def settle(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, status, line):
    """Primal-dual active-set rounds at ``t`` from the guess ``status`` (updated in place; ``line``
    holds the final working set's solution). True when the point is settled."""
    return settle_rounds(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, status, line, MAX_ROUNDS)


@njit(cache=True, error_model="numpy")
def settle_rounds(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, status, line, rounds):
    """:func:`settle` with at most ``rounds`` rounds (a caller that made the first one itself)."""
    n = len(idx)
    m = eq.shape[0]
    nxt = np.empty(n, dtype=np.int8)
    for _ in range(rounds):
        n_free = 0
        for i in range(n):
            if status[i] == FREE:
                n_free += 1
        if n_free < m:  # fewer free weights than equalities: a singular system, start afresh
            status[:] = FREE
        if not solve_line(cov, idx, hf, eq, e0, e1, g, status, lo, hi, line):
            return False
        code = check_point(line, status, t, eq, e0, e1, g, lin_size, lo, hi, nxt)
        if code == DONE:
            return True
        if code == FAILED:
            return False
        status[:] = nxt
    return False


@njit(cache=True, error_model="numpy")
def point_cost(line, t, hf, idx, mu, param, target_kind, lo, hi):
    """Cost of the line's point at ``t`` (the variance, or lambda var - (1 - lambda) mu'w with the
    weights clipped to their bounds as the batched path reports them)."""
    n = len(idx)
    variance = 0.0
    ret = 0.0
    for i in range(n):
        w = line[0, i] + t * line[1, i]
        variance += w * (line[4, i] + t * line[5, i])
        ret += mu[idx[i]] * min(max(w, lo), hi)
    variance /= hf
    if target_kind:
        return variance
    return param * variance - (1.0 - param) * ret


@njit(cache=True, error_model="numpy")
def line_parameter(param, norm, target_kind):
    if target_kind:
        return param / norm
    return (1.0 - param) / param


@njit(cache=True, error_model="numpy")
def price_at_weights(cov, mu, index, target_kind, params, weights, lo, hi, atol):
    """Re-solve each pair's KKT system exactly at the working set of its given weights (a DAQP
    answer: weights within ``atol`` of a bound sit on it); cost and whether it verified."""
    n_pairs = index.shape[0]
    n = index.shape[1]
    cost = np.full(n_pairs, np.nan)
    solved = np.zeros(n_pairs, dtype=np.bool_)
    line = np.empty((6, n))
    status = np.empty(n, dtype=np.int8)
    nxt = np.empty(n, dtype=np.int8)
    for p in range(n_pairs):
        idx = index[p]
        hf, eq, e0, e1, g, lin_size, norm = form_of(cov, mu, idx, target_kind)
        t = line_parameter(params[p], norm, target_kind)
        for i in range(n):
            w = weights[p, i]
            status[i] = LOW if w <= lo + atol else (UP if w >= hi - atol else FREE)
        if solve_line(cov, idx, hf, eq, e0, e1, g, status, lo, hi, line):
            if check_point(line, status, t, eq, e0, e1, g, lin_size, lo, hi, nxt) == DONE:
                cost[p] = point_cost(line, t, hf, idx, mu, params[p], target_kind, lo, hi)
                solved[p] = True
    return cost, solved


@njit(cache=True, error_model="numpy")
def settle_pairs(cov, mu, index, target_kind, params, status, lo, hi):
    """:func:`settle` for each pair (row of ``index``, parameter, starting ``status``): cost and
    whether it settled. The one batched entry to :func:`settle` from Python: its property tests
    start it from arbitrary guesses (the package calls it inside other kernels)."""
    n_pairs, n = index.shape
    cost = np.full(n_pairs, np.nan)
    solved = np.zeros(n_pairs, dtype=np.bool_)
    line = np.empty((6, n))
    for p in range(n_pairs):
        idx = index[p]
        hf, eq, e0, e1, g, lin_size, norm = form_of(cov, mu, idx, target_kind)
        t = line_parameter(params[p], norm, target_kind)
        guess = status[p].copy()
        if settle(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, guess, line):
            cost[p] = point_cost(line, t, hf, idx, mu, params[p], target_kind, lo, hi)
            solved[p] = True
    return cost, solved
