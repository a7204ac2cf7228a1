"""Batched primal-dual active-set solves of many small selection QPs at once.

Each (selection, parameter) pair is the QP of :mod:`geo.problem.selection_qp` with box bounds.
Given a guess of which weights sit at ``w_min`` or ``w_max``, the optimum is the solution of
one linear KKT system (the free weights' stationarity rows, the fixed weights' ``w_i = bound``
rows, and the equality constraints). All pairs' systems are solved in one batched LAPACK call,
then the guess is corrected where a free weight crosses a bound or a fixed weight's bound
multiplier has the wrong sign (the primal-dual active-set step of Hintermueller, Ito &
Kunisch, SIAM J. Optim. 2002), a few rounds at most.

A pair is returned as solved only when its final point meets every KKT condition (bounds,
equalities, stationarity of free weights, signs of bound multipliers) to tight tolerances; for
a convex QP that point is a global optimum, found by the same kind of KKT solve that ends an
active-set method such as DAQP. Pairs that do not settle (degenerate or singular working sets)
are flagged, and the caller prices them with the sequential solver.
"""

from __future__ import annotations

import numpy as np

MAX_ROUNDS = 12
PRIMAL_TOL = 1e-11   # absolute, on weights (which lie in [0, 1])
DUAL_RTOL = 1e-9     # on bound multipliers, relative to the gradient's size
RESIDUAL_RTOL = 1e-9  # on the KKT residual of the free weights and the equalities
EQUALITY_ATOL = 1e-12  # on sum(w) = 1 and the (scaled) return row: a miss moves the cost at first order
ROUNDOFF_SLACK = 1e-7
MAX_AMPLIFICATION = 1e3  # of round-off in the affine weights w0 + t w1 (weights themselves are <= 1)  # times the equality multipliers' size, added to the gradient's scale


def solve_pairs(cov: np.ndarray, mu: np.ndarray, owner: np.ndarray, kind: str, params: np.ndarray,
                w_min: float, w_max: float, lower: np.ndarray, upper: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal weights of the bounded QP of each pair, from a guess of its active set.

    ``cov`` (S, K, K) and ``mu`` (S, K) are the selections' data; pair p belongs to selection
    ``owner[p]`` at parameter ``params[p]`` (a target return, or a risk aversion > 0);
    ``lower`` / ``upper`` (P, K) mark the weights guessed at ``w_min`` / ``w_max``.
    Returns ``(weights (P, K), variance (P,), solved (P,))``; rows not solved hold NaN.

    Pairs of one selection that share a working set share one KKT factorisation: with the
    working set fixed, the solution is affine in the parameter (the critical-line property),
    so each distinct (selection, working set) is solved once, for a constant and a slope.
    """
    n_pairs, size = lower.shape
    form = _Form(cov, mu, kind)
    t_all = form.line_parameter(owner, params)
    weights = np.full((n_pairs, size), np.nan)
    variance = np.full(n_pairs, np.nan)
    solved = np.zeros(n_pairs, dtype=bool)
    lower, upper = lower.copy(), upper.copy() & ~lower
    todo = np.arange(n_pairs)
    for _ in range(MAX_ROUNDS):
        if not len(todo):
            break
        own, t = owner[todo], t_all[todo]
        low_t, up_t = lower[todo], upper[todo]
        # Fewer free weights than equality rows: a singular system; start that pair afresh.
        starved = (size - (low_t | up_t).sum(axis=1)) < form.n_eq
        low_t[starved] = up_t[starved] = False
        key = np.concatenate([own[:, None].view(np.uint8).reshape(len(todo), -1),
                              np.packbits(low_t, axis=1), np.packbits(up_t, axis=1)], axis=1)
        _, first, group = np.unique(key, axis=0, return_index=True, return_inverse=True)
        group = group.ravel()
        line = _solve_working_sets(form, own[first], low_t[first], up_t[first], w_min, w_max)
        check = _Check(line, group, form, own, t, low_t, up_t, w_min, w_max)
        done = check.done
        # Critical line: a working set stays optimal over an interval of t, so it may also
        # settle pairs of the same selection that started from another guess.
        shared_pair, shared_set = _pairs_in_intervals(line, own[first], own, t, ~done, w_min, w_max)
        if len(shared_pair):
            other = _Check(line, shared_set, form, own[shared_pair], t[shared_pair], low_t[first][shared_set],
                           up_t[first][shared_set], w_min, w_max)
            hit = other.done & ~done[shared_pair]
            pair_hit, first_hit = np.unique(shared_pair[hit], return_index=True)
            weights[todo[pair_hit]] = np.clip(other.w[hit][first_hit], w_min, w_max)
            variance[todo[pair_hit]] = form.variance(own[pair_hit], other.w[hit][first_hit], other.hw[hit][first_hit])
            solved[todo[pair_hit]] = True
            done_by_other = np.zeros(len(todo), dtype=bool)
            done_by_other[pair_hit] = True
        else:
            done_by_other = np.zeros(len(todo), dtype=bool)
        weights[todo[done]] = np.clip(check.w[done], w_min, w_max)
        variance[todo[done]] = form.variance(own[done], check.w[done], check.hw[done])
        solved[todo[done]] = True
        # Next guess: primal violations become fixed, wrong-signed multipliers are released.
        cross_low, cross_up = _limit_crossings(check, low_t, up_t, w_min, w_max, form.n_eq)
        lower[todo] = (low_t & ~check.release_low) | cross_low
        upper[todo] = ((up_t & ~check.release_up) | cross_up) & ~lower[todo]
        todo = todo[check.ok & ~done & ~done_by_other & check.changed]
    return weights, variance, solved


def _limit_crossings(check: "_Check", low: np.ndarray, up: np.ndarray, w_min: float, w_max: float,
                     n_eq: int) -> tuple[np.ndarray, np.ndarray]:
    """The crossings to fix next, the worst first, leaving at least ``n_eq`` weights free.

    Fixing every crossing at once can leave too few free weights to meet the equalities (then
    the next system is singular and the step cycles); the worst crossing is always fixed.
    """
    size = low.shape[1]
    kept = (low & ~check.release_low) | (up & ~check.release_up)
    room = size - n_eq - kept.sum(axis=1)
    crossing = check.cross_low | check.cross_up
    over = np.flatnonzero(crossing.sum(axis=1) > np.maximum(room, 1))
    if not len(over):
        return check.cross_low, check.cross_up
    cross_low, cross_up = check.cross_low.copy(), check.cross_up.copy()
    w = check.w[over]
    violation = np.where(crossing[over], np.maximum(w_min - w, w - w_max), -np.inf)
    rank = np.argsort(np.argsort(-violation, axis=1), axis=1)
    allowed = rank < np.maximum(room[over], 1)[:, None]
    cross_low[over] &= allowed
    cross_up[over] &= allowed
    return cross_low, cross_up


class _Check:
    """The KKT conditions of each pair at the solution of a given working set (``line[sets]``)."""

    def __init__(self, line: "_Lines", sets: np.ndarray, form: "_Form", own: np.ndarray, t: np.ndarray,
                 lower: np.ndarray, upper: np.ndarray, w_min: float, w_max: float) -> None:
        tc = t[:, None]
        self.w = w = line.w0[sets] + tc * line.w1[sets]
        grad_rest = line.g0[sets] + tc * line.g1[sets]
        self.hw = hw = line.hw0[sets] + tc * line.hw1[sets]
        self.ok = line.ok[sets]
        fixed = lower | upper
        # The gradient's scale, from the data alone: H has unit diagonal and feasible weights sum
        # to one, so |Hw| <= 2, plus the linear term. A fraction of the equality multipliers'
        # size leaves room for their round-off (they can be large for nearly equal returns).
        # Never from Hw itself: a garbage solve must not loosen its own test.
        multiplier_size = np.max(np.abs(hw + tc * form.lin_slope[own] - grad_rest), axis=1)
        gscale = 2.0 + np.abs(t) * form.lin_size[own] + ROUNDOFF_SLACK * multiplier_size
        dual_tol = (DUAL_RTOL * gscale)[:, None]
        self.release_low = lower & (grad_rest < -dual_tol)
        self.release_up = upper & (grad_rest > dual_tol)
        self.cross_low = ~fixed & (w < w_min - PRIMAL_TOL)
        self.cross_up = ~fixed & (w > w_max + PRIMAL_TOL)
        free_resid = np.max(np.where(fixed, 0.0, np.abs(grad_rest)), axis=1) <= RESIDUAL_RTOL * gscale
        eq_resid = np.max(np.abs(form.eq_residual(own, w, t)), axis=1) <= EQUALITY_ATOL * (1 + np.abs(t))
        self.changed = (self.release_low | self.release_up | self.cross_low | self.cross_up).any(axis=1)
        # w = w0 + t w1 cancels digits when the line's terms are large (a near-singular working
        # set): its round-off is about eps times their size, so large ones are not trusted.
        amplification = np.max(np.abs(line.w0[sets]), axis=1) + np.abs(t) * np.max(np.abs(line.w1[sets]), axis=1)
        self.done = self.ok & ~self.changed & free_resid & eq_resid & (amplification <= MAX_AMPLIFICATION)


def _pairs_in_intervals(line: "_Lines", set_owner: np.ndarray, own: np.ndarray, t: np.ndarray, pending: np.ndarray,
                        w_min: float, w_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidate (pair, working set) matches: same selection, t inside the set's interval.

    The interval is where the set's affine weights stay in bounds and its multipliers keep their
    signs (a loose slack: every candidate is checked exactly afterwards).
    """
    fixed_low = np.isclose(line.w0, w_min, rtol=0, atol=1e-12) & (line.w1 == 0)
    fixed_up = np.isclose(line.w0, w_max, rtol=0, atol=1e-12) & (line.w1 == 0) & ~fixed_low
    free = ~(fixed_low | fixed_up)
    slack = 1e-9 * (1 + np.abs(line.g0).max(axis=1, keepdims=True))
    # Conditions c0 + t * c1 >= 0, stacked per set.
    c0 = np.concatenate([np.where(free, line.w0 - w_min + PRIMAL_TOL, 1.0), np.where(free, w_max + PRIMAL_TOL - line.w0, 1.0),
                         np.where(fixed_low, line.g0 + slack, 1.0), np.where(fixed_up, slack - line.g0, 1.0)], axis=1)
    c1 = np.concatenate([np.where(free, line.w1, 0.0), np.where(free, -line.w1, 0.0),
                         np.where(fixed_low, line.g1, 0.0), np.where(fixed_up, -line.g1, 0.0)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = -c0 / c1
        lo = np.max(np.where(c1 > 0, bound, -np.inf), axis=1)
        hi = np.min(np.where(c1 < 0, bound, np.inf), axis=1)
    usable = line.ok & np.all((c1 != 0) | (c0 >= 0), axis=1) & (lo <= hi)
    candidates = np.flatnonzero(pending)
    if not usable.any() or not len(candidates):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    values = np.unique(t[candidates])
    key = own[candidates].astype(np.int64) * (len(values) + 1) + np.searchsorted(values, t[candidates])
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    sets = np.flatnonzero(usable)
    base = set_owner[sets].astype(np.int64) * (len(values) + 1)
    start = np.searchsorted(sorted_key, base + np.searchsorted(values, lo[sets], "left"), "left")
    end = np.searchsorted(sorted_key, base + np.searchsorted(values, hi[sets], "right"), "left")
    counts = end - start
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    offsets = np.repeat(start - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(total)
    return candidates[order[offsets]], np.repeat(sets, counts)


class _Form:
    """The scaled QP of each selection, written so that the parameter enters linearly.

    target-return: ``min 0.5 w'Hw  s.t.  1'w = 1, (mu/|mu|)'w = t`` with ``t = r/|mu|``;
    risk-aversion: ``min 0.5 w'Hw - t (mu/s)'w  s.t.  1'w = 1`` with ``t = (1-lambda)/lambda``
    (the objective divided by lambda > 0, which leaves the minimiser unchanged).
    ``H = 2 Sigma / s``, ``s`` the largest variance: unit-sized numbers whatever the data's units.
    """

    def __init__(self, cov: np.ndarray, mu: np.ndarray, kind: str) -> None:
        scale = np.max(np.abs(np.diagonal(cov, axis1=1, axis2=2)), axis=1)
        scale = np.where(scale > 0, scale, 1.0)
        self.kind = kind
        self.cov = cov
        self.hess_factor = 2 / scale
        ones = np.ones_like(mu)
        if kind == "target-return":
            norm = np.linalg.norm(mu, axis=1)
            self.mu_norm = np.where(norm > 0, norm, 1.0)
            self.eq = np.stack([ones, mu / self.mu_norm[:, None]], axis=1)
            self.lin_slope = np.zeros_like(mu)
        else:
            self.eq = ones[:, None, :]
            self.lin_slope = -mu / scale[:, None]
        self.n_eq = self.eq.shape[1]
        self.lin_size = np.max(np.abs(self.lin_slope), axis=1)

    def hess_rows(self, owner: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Rows ``rows`` (G, f) of each set's H (G, f, K), gathered without scaling every selection."""
        return self.cov[owner[:, None], rows] * self.hess_factor[owner, None, None]

    def variance(self, owner: np.ndarray, w: np.ndarray, hw: np.ndarray) -> np.ndarray:
        """``w' Sigma w`` from ``H w`` (no gather of the covariance)."""
        return np.einsum("pi,pi->p", w, hw) / self.hess_factor[owner]

    def line_parameter(self, owner: np.ndarray, params: np.ndarray) -> np.ndarray:
        if self.kind == "target-return":
            return params / self.mu_norm[owner]
        with np.errstate(divide="ignore"):
            return (1 - params) / params

    def eq_rhs(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Constant and slope (in t) of the equality right-hand sides."""
        if self.kind == "target-return":
            return np.array([1.0, 0.0]), np.array([0.0, 1.0])
        return np.array([1.0]), np.array([0.0])

    def eq_residual(self, owner: np.ndarray, w: np.ndarray, t: np.ndarray) -> np.ndarray:
        const, slope = self.eq_rhs(t)
        return np.einsum("pej,pj->pe", self.eq[owner], w) - const[None, :] - t[:, None] * slope[None, :]


class _Lines:
    """Per working set: weights, gradient rest and H w, each as constant + t * slope."""

    def __init__(self, w0, w1, g0, g1, hw0, hw1, ok) -> None:
        self.w0, self.w1, self.g0, self.g1, self.hw0, self.hw1, self.ok = w0, w1, g0, g1, hw0, hw1, ok


def _solve_working_sets(form: _Form, owner: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                        w_min: float, w_max: float) -> _Lines:
    """One KKT solve per (selection, working set), for the constant and the slope in t.

    Rows of free weights: ``H_i w - E_i' y = -lin_i``; rows of fixed weights: ``w_i = bound``;
    then the equalities ``E w = e``. ``g = H w + lin - E'y`` is 0 on free rows and the bound
    multiplier on fixed rows.
    """
    n_sets, size = lower.shape
    n_eq = form.n_eq
    fixed = lower | upper
    bound = np.where(lower, w_min, np.where(upper, w_max, 0.0))
    const, slope = form.eq_rhs(None)
    w = np.zeros((n_sets, size, 2))
    w[:, :, 0] = bound
    dual = np.zeros((n_sets, n_eq, 2))
    hw = np.zeros((n_sets, size, 2))
    ok = np.ones(n_sets, dtype=bool)
    n_free = size - fixed.sum(axis=1)
    # Only the free weights are unknowns: systems of (free + equalities) rows, by free count.
    for free_count in np.unique(n_free):
        sets = np.flatnonzero(n_free == free_count)
        own = owner[sets]
        free_idx = np.nonzero(~fixed[sets])[1].reshape(len(sets), free_count)
        hess_rows = form.hess_rows(own, free_idx)                              # (G, f, K)
        hess_ff = np.take_along_axis(hess_rows, free_idx[:, None, :], axis=2)  # (G, f, f)
        eq_f = np.take_along_axis(form.eq[own], free_idx[:, None, :], axis=2)  # (G, e, f)
        matrix = np.zeros((len(sets), free_count + n_eq, free_count + n_eq))
        matrix[:, :free_count, :free_count] = hess_ff
        matrix[:, :free_count, free_count:] = -np.swapaxes(eq_f, 1, 2)
        matrix[:, free_count:, :free_count] = eq_f
        rhs = np.zeros((len(sets), free_count + n_eq, 2))
        rhs[:, :free_count, 0] = -np.einsum("gfk,gk->gf", hess_rows, bound[sets])
        rhs[:, :free_count, 1] = -np.take_along_axis(form.lin_slope[own], free_idx, axis=1)
        rhs[:, free_count:, 0] = const[None, :] - np.einsum("gek,gk->ge", form.eq[own], bound[sets])
        rhs[:, free_count:, 1] = slope
        solution, solved = _batched_solve(matrix, rhs)
        w[sets[:, None], free_idx] = solution[:, :free_count]
        dual[sets] = solution[:, free_count:]
        # H w = H[:, F] w_F + H[:, X] b_X; H symmetric, so H[:, F] w_F = hess_rows' w_F.
        hw[sets] = np.matmul(np.swapaxes(hess_rows, 1, 2), np.nan_to_num(solution[:, :free_count]))
        ok[sets] = solved & np.all(np.isfinite(solution), axis=(1, 2))
    w, dual = np.nan_to_num(w), np.nan_to_num(dual)
    eq = form.eq[owner]
    pinned = np.flatnonzero(np.any(bound != 0, axis=1))
    if len(pinned):
        hw[pinned, :, 0] += np.einsum("gij,gj->gi", form.hess_rows(owner[pinned], np.broadcast_to(np.arange(size), (len(pinned), size))),
                                      bound[pinned])
    g = hw - np.einsum("sej,sec->sjc", eq, dual)
    g[:, :, 1] += form.lin_slope[owner]
    return _Lines(w[..., 0], w[..., 1], g[..., 0], g[..., 1], hw[..., 0], hw[..., 1], ok)


def _batched_solve(matrix: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    try:
        return np.linalg.solve(matrix, rhs), np.ones(len(matrix), dtype=bool)
    except np.linalg.LinAlgError:
        # One singular working set must not sink the batch: halve it until the culprits are alone.
        if len(matrix) == 1:
            return np.full(rhs.shape, np.nan), np.zeros(1, dtype=bool)
        half = len(matrix) // 2
        first, ok_first = _batched_solve(matrix[:half], rhs[:half])
        second, ok_second = _batched_solve(matrix[half:], rhs[half:])
        return np.concatenate([first, second]), np.concatenate([ok_first, ok_second])
