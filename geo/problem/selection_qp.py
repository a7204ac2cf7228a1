"""The small QP that prices one asset selection: the hot path of every method.

For a selection S of K assets the weights solve, in the target-return form,
``min w' Sigma_S w  s.t.  mu_S' w = r, 1' w = 1, w_min <= w <= w_max`` and, in the
risk-aversion form, ``min lambda w' Sigma_S w - (1 - lambda) mu_S' w  s.t.  1' w = 1, bounds``.

Two exact routes, cheapest first:
1. Closed form, batched over selections and parameters. Without the bounds the optimum is
   affine in the parameter (two-fund separation): ``w(t) = a + t b``. Where that point
   satisfies the bounds it is the optimum of the bounded QP too (the QP is convex), so for
   the good selections every method cares about, a whole frontier costs a few K x K solves.
2. Otherwise a dense active-set QP (DAQP, microseconds at K = 10). An active-set method ends
   by solving the KKT system of its working set directly, so the answer is exact to linear-
   algebra precision; the primal tolerance only bounds how far an inactive bound may be crossed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import daqp
import numpy as np

from geo.problem.problem import best_first_allocation
from geo.problem.sector_caps import CAP_TOL, capped_greedy

# A selection whose returns are (nearly) all equal cannot be steered to a target return:
# the two-fund formula divides by D = AC - B^2, which vanishes then.
DEGENERACY_RTOL = 1e-12
DAQP_SETTINGS = {"primal_tol": 1e-10, "iter_limit": 1000}
RIDGE_RTOL = 1e-10
CLOSED_FORM_EQ_TOL = 1e-12
_DAQP_EQUALITY = 5
_DAQP_INF = 1e30
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SelectionQP:
    """Data of one selection's QP in a given objective form (the parameter comes per solve)."""

    cov: np.ndarray
    mu: np.ndarray
    kind: str
    w_min: float
    w_max: float
    # Sector caps (geo.problem.sector_caps): a local sector id per asset and a cap per id.
    sector_ids: np.ndarray | None = None
    sector_caps: np.ndarray | None = None

    def cap_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``sum_{i in s} w_i <= cap_s`` of the sectors whose cap can bind at ``w_max``."""
        if self.sector_ids is None:
            return np.zeros((0, len(self.mu))), np.zeros(0)
        rows = (self.sector_ids[None, :] == np.arange(len(self.sector_caps))[:, None]).astype(float)
        binding = rows.sum(axis=1) * self.w_max > self.sector_caps + CAP_TOL
        return rows[binding], self.sector_caps[binding]


def return_bounds(mu_sel: np.ndarray, w_min: float, w_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest attainable return of each selection (rows of ``mu_sel``)."""
    desc = -np.sort(-mu_sel, axis=-1)
    alloc = best_first_allocation(mu_sel.shape[-1], w_min, w_max)
    return desc[..., ::-1] @ alloc, desc @ alloc


def closed_form(cov_sel: np.ndarray, mu_sel: np.ndarray, kind: str, params: np.ndarray,
                w_min: float, w_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bound-free optimum for M selections at T parameters.

    Returns ``(weights (M, K, T), cost (M, T), exact (M, T))`` where ``exact`` marks the
    pairs whose bound-free optimum satisfies the bounds, i.e. is the true optimum.
    """
    m, size = mu_sel.shape
    t = len(params)
    rhs = np.stack([np.ones_like(mu_sel), mu_sel], axis=-1)
    try:
        solved = np.linalg.solve(cov_sel, rhs)
    except np.linalg.LinAlgError:
        solved = np.full((m, size, 2), np.nan)
        for i in range(m):
            try:
                solved[i] = np.linalg.solve(cov_sel[i], rhs[i])
            except np.linalg.LinAlgError:
                pass
    x1, xm = solved[..., 0], solved[..., 1]
    a_ = x1.sum(-1)
    b_ = xm.sum(-1)
    c_ = np.einsum("mk,mk->m", mu_sel, xm)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "target-return":
            d_ = a_ * c_ - b_ * b_
            usable = np.isfinite(d_) & (d_ > DEGENERACY_RTOL * np.abs(a_ * c_)) & (a_ > 0)
            base = (c_[:, None] * x1 - b_[:, None] * xm) / d_[:, None]
            slope = (a_[:, None] * xm - b_[:, None] * x1) / d_[:, None]
            weights = base[:, :, None] + slope[:, :, None] * params[None, None, :]
            cost = (a_[:, None] * params**2 - 2 * b_[:, None] * params + c_[:, None]) / d_[:, None]
            usable_pairs = np.broadcast_to(usable[:, None], (m, t))
        else:
            lam = params
            rho = np.where(lam > 0, (1 - lam) / (2 * np.where(lam > 0, lam, 1)), np.nan)
            gmv = x1 / a_[:, None]
            tilt = xm - (b_ / a_)[:, None] * x1
            weights = gmv[:, :, None] + tilt[:, :, None] * rho[None, None, :]
            # Cost from the weights, not from 1/A + rho^2 (C - B^2/A): as lambda -> 0, rho grows
            # like 1/lambda and would amplify the rounding of C - B^2/A without bound.
            variance = np.einsum("mkt,mkl,mlt->mt", weights, cov_sel, weights)
            ret = np.einsum("mk,mkt->mt", mu_sel, weights)
            cost = lam[None, :] * variance - (1 - lam[None, :]) * ret
            usable_pairs = (np.isfinite(a_) & (a_ > 0))[:, None] & (lam > 0)[None, :]
    inside = np.all((weights >= w_min - 1e-12) & (weights <= w_max + 1e-12), axis=1)
    # A near-singular covariance makes Sigma^-1 amplify round-off: where the weights miss the
    # equalities, the two-fund answer is not trusted (the KKT solve of the bounded path is).
    with np.errstate(invalid="ignore"):
        balanced = np.abs(weights.sum(axis=1) - 1) <= CLOSED_FORM_EQ_TOL
        if kind == "target-return":
            balanced &= np.abs(np.einsum("mk,mkt->mt", mu_sel, weights) - params[None, :]) <= CLOSED_FORM_EQ_TOL * (
                1 + np.abs(params)[None, :] + np.abs(mu_sel).max(axis=1)[:, None])
    exact = usable_pairs & inside & balanced & np.isfinite(cost)
    return weights, cost, exact


def selection_cost(weights: np.ndarray, cov_sel: np.ndarray, mu_sel: np.ndarray, kind: str, parameter: float) -> float:
    variance = float(weights @ cov_sel @ weights)
    if kind == "target-return":
        return variance
    return parameter * variance - (1 - parameter) * float(mu_sel @ weights)


class SolverFailures:
    """QPs DAQP could not solve even with the ridge: the pair is left as +inf (never taken for a
    good price) and counted apart from the screened pairs (``SelectionEvaluator.n_solver_failures``).
    Each is logged once, at ``-v``."""

    def __init__(self) -> None:
        self.count = 0

    def note(self, size: int, kind: str, parameter: float, exitflag: int) -> None:
        self.count += 1
        log.info("DAQP could not solve a %d-asset selection at %s %.6g (exit flag %d, with and without a ridge): "
                 "the pair is left unpriced", size, kind, parameter, exitflag)


SOLVER_FAILURES = SolverFailures()


class _DaqpForm:
    """``min 0.5 w'Hw + f'w  s.t.  E w = e, bounds``, built once per selection.

    Scaled so that DAQP's absolute tolerances fit: the Hessian to unit diagonal size and the
    return row to unit norm (weekly variances near 1e-3 would otherwise look like zero).
    """

    def __init__(self, qp: SelectionQP) -> None:
        size = len(qp.mu)
        self.qp = qp
        self.scale = float(np.max(np.abs(np.diag(qp.cov)))) or 1.0
        self.mu_norm = float(np.linalg.norm(qp.mu)) or 1.0
        if qp.kind == "target-return":
            self.hess = np.ascontiguousarray(2 * qp.cov / self.scale)
            self.eq = np.ascontiguousarray(np.vstack([qp.mu / self.mu_norm, np.ones(size)]))
        else:
            self.hess = None
            self.eq = np.ones((1, size))
        n_eq = len(self.eq)
        cap_rows, caps = qp.cap_rows()
        # DAQP orders general rows after the simple bounds; equalities first, then the caps.
        self.eq = np.ascontiguousarray(np.vstack([self.eq, cap_rows]))
        self.sense = np.concatenate([np.zeros(size, dtype=np.int32), np.full(n_eq, _DAQP_EQUALITY, dtype=np.int32),
                                     np.zeros(len(caps), dtype=np.int32)])
        self.upper = np.concatenate([np.full(size, qp.w_max), np.zeros(n_eq), caps])
        self.lower = np.concatenate([np.full(size, qp.w_min), np.zeros(n_eq), np.full(len(caps), -_DAQP_INF)])
        self.n_eq = n_eq
        self.zeros = np.zeros(size)

    def solve(self, parameter: float, start: np.ndarray | None) -> np.ndarray | None:
        qp = self.qp
        size = len(qp.mu)
        if qp.kind == "target-return":
            hess, lin = self.hess, self.zeros
            self.upper[size:size + 2] = self.lower[size:size + 2] = (parameter / self.mu_norm, 1.0)
        else:
            hess = np.ascontiguousarray(2 * parameter * qp.cov / self.scale)
            lin = -(1 - parameter) * qp.mu / self.scale
            self.upper[size] = self.lower[size] = 1.0
        w, _, exitflag, _ = daqp.solve(hess, lin, self.eq, self.upper, self.lower, self.sense,
                                       primal_start=start, **DAQP_SETTINGS)
        if exitflag < 1:
            # A singular Hessian (rank-deficient covariance, or lambda -> 0) can stall DAQP.
            # The screen upstream proved the QP feasible, so retry with a ridge far below the
            # data's scale: the cost moves by at most RIDGE_RTOL of that scale.
            ridge = RIDGE_RTOL * max(float(np.max(np.abs(np.diag(hess)))), float(np.max(np.abs(lin))), 1e-300)
            w, _, exitflag, _ = daqp.solve(hess + ridge * np.eye(size), lin, self.eq, self.upper, self.lower,
                                           self.sense, **DAQP_SETTINGS)
            if exitflag < 1:
                SOLVER_FAILURES.note(size, qp.kind, parameter, exitflag)
                return None
        # DAQP solves the KKT system of its final working set directly, so the answer is exact
        # to linear-algebra precision; the clip only removes the <= primal_tol slack of
        # inactive bounds.
        return np.clip(np.asarray(w, dtype=float), qp.w_min, qp.w_max)


def solve_bounded(qp: SelectionQP, parameter: float) -> np.ndarray | None:
    """Optimal weights of the bounded QP, or None when no weights meet the constraints."""
    return solve_bounded_many(qp, [parameter])[0]


def solve_bounded_many(qp: SelectionQP, parameters) -> list[np.ndarray | None]:
    """:func:`solve_bounded` at several parameters of one selection, each solve warm-started
    from the previous answer (neighbouring targets share most of their active set)."""
    size = len(qp.mu)
    if qp.sector_ids is not None and capped_greedy(qp.mu, qp.sector_ids, qp.sector_caps, qp.w_min, qp.w_max) is None:
        return [None for _ in parameters]
    if abs(size * qp.w_max - 1) <= 1e-12 or abs(size * qp.w_min - 1) <= 1e-12:
        # The bounds leave one portfolio, equal weights: nothing to optimise (and a degenerate
        # active set for DAQP). Feasible under caps, as just checked.
        equal = np.full(size, 1.0 / size)
        if qp.kind == "risk-aversion":
            return [equal.copy() for _ in parameters]
    form: _DaqpForm | None = None
    low, high = qp_return_bounds(qp)
    tol = 1e-12 * (1 + abs(high) + abs(low))
    answers: list[np.ndarray | None] = []
    previous = None
    for parameter in parameters:
        parameter = float(parameter)
        if qp.kind == "risk-aversion" and parameter == 0:
            answers.append(_extreme_weights(qp, qp.mu))
            continue
        if qp.kind == "target-return":
            # At either end of the selection's return range the feasible set is one point.
            if not (low - tol <= parameter <= high + tol):
                answers.append(None)
                continue
            if parameter >= high - tol:
                answers.append(_extreme_weights(qp, qp.mu))
                continue
            if parameter <= low + tol:
                answers.append(_extreme_weights(qp, -qp.mu))
                continue
        form = form or _DaqpForm(qp)
        weights = form.solve(parameter, previous)
        previous = weights if weights is not None else previous
        answers.append(weights)
    return answers


def problem_selection_qp(problem, index: np.ndarray, kind: str, cov_sel: np.ndarray | None = None,
                         mu_sel: np.ndarray | None = None) -> SelectionQP:
    """The QP of the selection ``index`` of ``problem``, with its sector caps when it has some."""
    cov_sel = problem.cov[np.ix_(index, index)] if cov_sel is None else cov_sel
    mu_sel = problem.mu[index] if mu_sel is None else mu_sel
    ids, caps = (None, None) if problem.sector_caps is None else problem.sector_caps.local(index)
    return SelectionQP(cov_sel, mu_sel, kind, problem.w_min, problem.w_max, ids, caps)


def problem_return_bounds(problem, index: np.ndarray, mu_sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`return_bounds` of selections ``index`` (M, K) of ``problem``, caps included (NaN: no weights)."""
    if problem.sector_caps is None:
        return return_bounds(mu_sel, problem.w_min, problem.w_max)
    return problem.sector_caps.return_bounds(index, mu_sel, problem.w_min, problem.w_max)


def qp_return_bounds(qp: SelectionQP) -> tuple[float, float]:
    """Lowest and highest return of one selection under its bounds (and caps, if any)."""
    if qp.sector_ids is None:
        low, high = return_bounds(qp.mu[None, :], qp.w_min, qp.w_max)
        return float(low[0]), float(high[0])
    best = capped_greedy(qp.mu, qp.sector_ids, qp.sector_caps, qp.w_min, qp.w_max)
    worst = capped_greedy(-qp.mu, qp.sector_ids, qp.sector_caps, qp.w_min, qp.w_max)
    return float(qp.mu @ worst), float(qp.mu @ best)


def _extreme_weights(qp: SelectionQP, score: np.ndarray) -> np.ndarray:
    """The allocation maximising ``score'w`` (the max- or min-return end of the selection)."""
    if qp.sector_ids is None:
        return _max_return_weights(score, qp.w_min, qp.w_max)
    return capped_greedy(score, qp.sector_ids, qp.sector_caps, qp.w_min, qp.w_max)


def _max_return_weights(mu_sel: np.ndarray, w_min: float, w_max: float) -> np.ndarray:
    """The max-return allocation (fractional knapsack); ties broken by asset order."""
    order = np.argsort(-mu_sel, kind="stable")
    weights = np.empty(len(mu_sel))
    weights[order] = best_first_allocation(len(mu_sel), w_min, w_max)
    return weights

