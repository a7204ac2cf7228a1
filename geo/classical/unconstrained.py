"""The unconstrained efficient frontier (UEF): the reference every cardinality frontier sits above.

No cardinality, long only, ``0 <= w <= w_max``, ``sum(w) = 1``. The held-asset minimum ``w_min``
is dropped on purpose: "``w_i = 0`` or ``w_i >= w_min``" is a disjunction, not a convex set, so
without the selection variables z it cannot be written in a convex problem. Dropping it (and K)
only enlarges the feasible set, so the UEF is a lower bound on the variance (on the cost) of
every cardinality-constrained portfolio at the same target.

The convex QP is built once with cvxpy as a parametrised problem (``cp.Parameter`` for the
target return or the risk aversion) and re-solved per grid value with Clarabel, so cvxpy's
canonicalisation is paid once per frontier, not once per point.

Numerics: weekly variances are ~1e-3 and returns ~1e-3, while interior-point tolerances are
absolute-ish (~1e-8). :class:`ScaledMoments` rescales both to O(1) before the solver sees them
and maps results back, so the solver's tolerance is a relative one on our numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.methods.base import Deadline, MethodRun, ProgressCallback
from geo.core.errors import GeoError
from geo.core.results import FrontierPoint
from geo.problem.sector_caps import sector_cap_rows
from geo.problem.evaluator import SelectionEvaluator
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem

# Tighter than Clarabel's defaults (1e-8): after scaling the objective is O(1), so these are
# relative accuracies of ~1e-10 on the variance, far below the 1e-4 we compare against.
CLARABEL_OPTIONS: dict[str, Any] = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
# Weights below this are solver noise of an interior-point method, not holdings.
WEIGHT_ZERO = 1e-8
# Eigenvalues below this fraction of the largest are treated as zero when factoring Sigma.
RANK_RTOL = 1e-12


@dataclass(frozen=True)
class ScaledMoments:
    """``mu`` and ``Sigma`` scaled to O(1) for solvers with absolute tolerances.

    ``cov_scaled = cov / var_scale``, ``mu_scaled = mu / mu_scale``; ``factor`` is ``F`` with
    ``cov_scaled = F F'`` (eigen-factorisation, so a singular but PSD covariance is fine).
    """

    mu: np.ndarray
    cov: np.ndarray
    factor: np.ndarray
    mu_scale: float
    var_scale: float

    @classmethod
    def of(cls, problem: Problem, diagonal_shift: float | np.ndarray = 0.0) -> "ScaledMoments":
        """Scaled moments; ``factor`` factors ``cov_scaled - diag(diagonal_shift)`` (must stay PSD;
        a scalar shift is the same on every asset)."""
        # The smallest asset variance: frontier variances lie within ~[0.1, 10] times it, so the
        # scaled objective is O(1) where it matters (SCIP's 1e-6 tolerance is then ~1e-6 relative).
        diagonal = np.diag(problem.cov)
        var_scale = float(np.min(diagonal[diagonal > 0])) if np.any(diagonal > 0) else 1.0
        mu_scale = float(np.max(np.abs(problem.mu))) or 1.0
        cov = problem.cov / var_scale
        shift = np.diag(np.broadcast_to(diagonal_shift, len(cov)))
        return cls(mu=problem.mu / mu_scale, cov=cov, factor=psd_factor(cov - shift),
                   mu_scale=mu_scale, var_scale=var_scale)

    def smallest_eigenvalue(self) -> float:
        return float(np.linalg.eigvalsh(self.cov)[0])


def psd_factor(matrix: np.ndarray) -> np.ndarray:
    """``F`` (N x rank) with ``matrix = F F'``; tiny negative eigenvalues are rounding, clipped."""
    eigenvalues, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    keep = eigenvalues > RANK_RTOL * max(float(eigenvalues[-1]), 1e-300)
    return vectors[:, keep] * np.sqrt(eigenvalues[keep])


class _UnconstrainedQP:
    """The UEF problem for one objective form, compiled once and re-solved per parameter."""

    def __init__(self, problem: Problem, kind: str) -> None:
        import cvxpy as cp  # lazy: importing cvxpy costs ~1 s, most commands never need it

        self.problem, self.kind = problem, kind
        self.scaled = ScaledMoments.of(problem)
        n = problem.n_assets
        self.weights = cp.Variable(n)
        risk = cp.sum_squares(self.scaled.factor.T @ self.weights)
        constraints = [cp.sum(self.weights) == 1, self.weights >= 0, self.weights <= problem.w_max]
        constraints += [cp.sum(self.weights[members]) <= cap for members, cap in sector_cap_rows(problem)]
        if kind == "target-return":
            self.parameter = cp.Parameter()
            constraints.append(self.scaled.mu @ self.weights == self.parameter)
            objective = risk
        else:
            # a * scaled variance - b * scaled return, with (a, b) chosen so that this is a
            # positive multiple of the true cost (see scaled_risk_aversion).
            self.parameter = cp.Parameter(nonneg=True)
            self.complement = cp.Parameter(nonneg=True)
            objective = self.parameter * risk - self.complement * (self.scaled.mu @ self.weights)
        self.cvx_problem = cp.Problem(cp.Minimize(objective), constraints)
        self.failure: str | None = None  # set by solve() when the solver failed (no proof)

    def solve(self, value: float) -> np.ndarray | None:
        """Optimal weights at this target return / risk aversion, None when infeasible."""
        import cvxpy as cp

        if self.kind == "target-return":
            self.parameter.value = value / self.scaled.mu_scale
        else:
            self.parameter.value, self.complement.value = scaled_risk_aversion(value, self.scaled)
        self.failure = None
        try:
            self.cvx_problem.solve(solver=cp.CLARABEL, **CLARABEL_OPTIONS)
        except cp.SolverError as exc:
            # Clarabel can give up on targets at the very edge of the return range instead of
            # certifying infeasibility: reported as an error, not as a proof.
            self.failure = f"Clarabel failed: {exc}"
            return None
        if self.cvx_problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            return None
        weights = np.clip(np.asarray(self.weights.value, dtype=float), 0.0, self.problem.w_max)
        weights[weights < WEIGHT_ZERO] = 0.0
        return weights / weights.sum()


def scaled_risk_aversion(lam: float, scaled: ScaledMoments) -> tuple[float, float]:
    """Coefficients ``(a, b)`` with ``a*var_s - b*ret_s`` a positive multiple of the true cost.

    True cost ``lam*var - (1-lam)*ret = lam*V*var_s - (1-lam)*M*ret_s`` (V, M the scales);
    dividing by ``max(lam*V, (1-lam)*M)`` keeps both coefficients in [0, 1].
    """
    a, b = lam * scaled.var_scale, (1.0 - lam) * scaled.mu_scale
    norm = max(a, b) or 1.0
    return a / norm, b / norm


def _point(problem: Problem, parameter: float, weights: np.ndarray | None, **extras: Any) -> FrontierPoint:
    if weights is None:
        return FrontierPoint(parameter=parameter, status="infeasible", extras=extras)
    held = np.flatnonzero(weights > 0)
    return FrontierPoint(parameter=parameter, status="optimal", expected_return=float(problem.mu @ weights),
                         variance=float(weights @ problem.cov @ weights),
                         weights={problem.tickers[i]: float(weights[i]) for i in held}, extras=extras)


def unconstrained_frontier(problem: Problem, grid: ObjectiveGrid, deadline: Deadline | None = None,
                           progress: ProgressCallback | None = None) -> list[FrontierPoint]:
    """UEF points at every grid value (status ``optimal``, ``infeasible``, or ``error`` if Clarabel
    fails; K and w_min ignored).

    When ``deadline`` expires, the remaining points are returned with status ``error`` and a
    message rather than silently dropped (each point is a millisecond solve, so this is rare).
    """
    qp = _UnconstrainedQP(problem, grid.kind)
    points = []
    for j, value in enumerate(grid.values):
        if deadline is not None and deadline.expired():
            points.append(FrontierPoint(parameter=float(value), status="error",
                                        extras={"message": "not solved: the time limit was reached"}))
        else:
            weights = qp.solve(float(value))
            if qp.failure is not None:
                points.append(FrontierPoint(parameter=float(value), status="error", extras={"message": qp.failure}))
            else:
                points.append(_point(problem, float(value), weights))
        if progress is not None:
            progress(j + 1, len(grid))
    return points


class UnconstrainedMethod:
    """The UEF as a frontier method (``--method unconstrained``).

    It ignores K, the cardinality mode and ``w_min`` (see the module docstring), and the
    evaluation budget (it prices no selections): its points are a lower bound, reported with
    status ``optimal`` because they are the proven optimum of the *unconstrained* problem.
    """

    honours_budget = False

    name = "unconstrained"

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: object = None) -> MethodRun:
        # Seconds of work: an interrupted run simply starts again, so no checkpoint is kept.
        if evaluator.grid.kind == "max-sharpe" or evaluator.problem.holdings is not None:
            what = "the max-Sharpe objective" if evaluator.grid.kind == "max-sharpe" else "holdings"
            raise GeoError(f"--method unconstrained ignores K and the selection, so it does not take {what}",
                           "use --method local-search, annealing, geo, exact or enumeration")
        points = unconstrained_frontier(evaluator.problem, evaluator.grid, deadline, progress)
        return MethodRun(points, details={"ignores": ["k", "cardinality", "w_min"], "solver": "CLARABEL"})
