"""Convex relaxations of the cardinality MIQP that hand back a Lagrangian certificate.

Two relaxations, both solved in scaled units (``ScaledMoments``) and read back as multipliers
of :class:`geo.classical.certificate.LagrangianCertificate` in the problem's own units, so that
the bound is computed, and its rounding paid, from the stored data:

- :class:`PerspectiveRelaxation`: the perspective reformulation with the SDP diagonal d of the
  exact method (w'(Sigma - D)w + sum d_i w_i^2 / z_i, z relaxed to [0, 1]); one second-order
  cone program per target, compiled once per frontier (Clarabel). Tight where the optimum
  holds few assets (the high-return end), loose where it spreads (the low-return end).
- :class:`ProductRelaxation`: the semidefinite relaxation W >= w w' with the perspective
  W_ii z_i >= w_i^2 and the products of the constraints with w (W 1 = w, W mu = r w: the
  reformulation-linearisation of sum(w) = 1 and mu'w = r; W >= 0 from w >= 0). Its dual gives
  a, b, N and a target-specific d, i.e. the best split of Sigma for that target (it contains
  the perspective bound with any diagonal: Zheng, Sun & Li 2014). One SDP per target (SCS):
  seconds at N ~ 100, too large beyond a few hundred assets.

Either way a solver that stops early, or returns slightly infeasible multipliers, only weakens
the bound: validity comes from the certificate, not from the solver.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from geo.classical.certificate import LagrangianCertificate, cost_coefficients
from geo.classical.unconstrained import CLARABEL_OPTIONS, ScaledMoments, scaled_risk_aversion
from geo.problem.problem import Problem
from geo.problem.sector_caps import sector_cap_rows

# The product relaxation's SDP has (N + 1)^2 / 2 unknowns: ~10 s a target at N = 98 with SCS,
# too slow beyond a few hundred assets; callers skip it above this size.
PRODUCT_MAX_ASSETS = 150
# SCS settings of the product relaxation: the certificate absorbs SCS's inaccuracy, so a
# moderate accuracy is enough (tighter costs time for ~1e-5 of bound).
SCS_OPTIONS: dict[str, Any] = {"eps_abs": 1e-5, "eps_rel": 1e-5, "max_iters": 20_000}


class ScaledUnits:
    """How the scaled model's multipliers map back to the problem's cost units."""

    def __init__(self, problem: Problem, kind: str) -> None:
        self.problem, self.kind = problem, kind
        self.scaled = ScaledMoments.of(problem)

    def objective_weights(self, value: float) -> tuple[float, float]:
        """(variance weight, return weight) of the scaled objective at ``value``."""
        if self.kind == "target-return":
            return 1.0, 0.0
        return scaled_risk_aversion(value, self.scaled)

    def cost_unit(self, value: float) -> float:
        """The problem's cost divided by the scaled objective."""
        if self.kind == "target-return":
            return self.scaled.var_scale
        coef, c_mu, _ = cost_coefficients(self.kind, value)
        return max(coef * self.scaled.var_scale, c_mu * self.scaled.mu_scale) or 1.0


def _constraints(cp: Any, problem: Problem, w: Any, z: Any, mu: np.ndarray, target: Any) -> tuple[list, list]:
    """(budget-and-target constraints, cap constraints) and the selection's; the first list is
    ``[sum(w) == 1]`` plus ``[mu'w == r]`` for a target."""
    coupling = [cp.sum(w) == 1]
    if target is not None:
        coupling.append(mu @ w == target)
    caps = [cp.sum(w[members]) <= cap for members, cap in sector_cap_rows(problem)]
    count = cp.sum(z)
    selection = [w >= problem.w_min * z, w <= problem.w_max * z, z >= 0, z <= 1,
                 count == problem.k if problem.cardinality == "exact" else count <= problem.k]
    return coupling + caps + selection, caps


def _duals(coupling: list, caps: list, kind: str) -> tuple[float, float, np.ndarray | None]:
    """(alpha, beta, pi) in scaled units: cvxpy's equality duals enter as nu (lhs - rhs)."""
    alpha = -float(coupling[0].dual_value)
    beta = -float(coupling[1].dual_value) if kind == "target-return" else 0.0
    pi = np.array([float(c.dual_value) for c in caps]) if caps else None
    return alpha, beta, pi


class PerspectiveRelaxation:
    """The perspective relaxation with a fixed diagonal, compiled once, solved per grid value."""

    def __init__(self, problem: Problem, kind: str, diagonal: np.ndarray) -> None:
        """``diagonal``: d in the units of ``ScaledMoments.of(problem).cov`` (PSD-safe, e.g. the SDP diagonal)."""
        import cvxpy as cp  # lazy: ~1 s import

        self.units = ScaledUnits(problem, kind)
        self.diagonal = np.asarray(diagonal, dtype=float)
        scaled = ScaledMoments.of(problem, diagonal_shift=self.diagonal)
        n = problem.n_assets
        self.w, self.z, self.s = cp.Variable(n), cp.Variable(n), cp.Variable(n)
        self.target = cp.Parameter() if kind == "target-return" else None
        self.weights = cp.Parameter(2, nonneg=True)
        constraints, self.caps = _constraints(cp, problem, self.w, self.z, scaled.mu, self.target)
        self.coupling = constraints[:1 + (self.target is not None)]
        constraints.append(cp.hstack([cp.quad_over_lin(self.w[i], self.z[i]) for i in range(n)]) <= self.s)
        risk = cp.sum_squares(scaled.factor.T @ self.w) + self.diagonal @ self.s
        objective = self.weights[0] * risk - self.weights[1] * (scaled.mu @ self.w)
        self.problem = cp.Problem(cp.Minimize(objective), constraints)

    def certificate(self, value: float) -> LagrangianCertificate | None:
        """The multipliers at ``value`` (None when Clarabel fails or finds the relaxation infeasible)."""
        import cvxpy as cp

        units = self.units
        if self.target is not None:
            self.target.value = value / units.scaled.mu_scale
        self.weights.value = np.array(units.objective_weights(value))
        try:
            with warnings.catch_warnings():
                # an inaccurate solution only weakens the certificate's bound, never invalidates it
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                self.problem.solve(solver=cp.CLARABEL, **CLARABEL_OPTIONS)
        except cp.SolverError:
            return None
        if self.problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or self.w.value is None:
            return None
        return _certificate(units, value, self.w.value, self.weights.value[0] * self.diagonal,
                            *_duals(self.coupling, self.caps, units.kind))


class ProductRelaxation:
    """The SDP relaxation with the perspective and the constraints' products, one SDP per value."""

    def __init__(self, problem: Problem, kind: str) -> None:
        self.units = ScaledUnits(problem, kind)
        self.problem = problem

    def certificate(self, value: float, seconds: float | None = None) -> LagrangianCertificate | None:
        """The multipliers at ``value`` (None when SCS fails); SCS stops after ``seconds``."""
        import cvxpy as cp

        units, problem = self.units, self.problem
        scaled = units.scaled
        n = problem.n_assets
        moment = cp.Variable((n + 1, n + 1), PSD=True)
        w, products = moment[0, 1:], moment[1:, 1:]
        z = cp.Variable(n)
        target = value / scaled.mu_scale if units.kind == "target-return" else None
        constraints, caps = _constraints(cp, problem, w, z, scaled.mu, target)
        coupling = constraints[:1 + (target is not None)]
        perspective = cp.hstack([cp.quad_over_lin(w[i], z[i]) for i in range(n)]) <= cp.diag(products)
        budget_products = cp.sum(products, axis=1) - w == 0
        nonnegative = products >= 0
        extra = [moment[0, 0] == 1, perspective, budget_products, nonnegative]
        if target is not None:
            # Written as expr == 0: with a numpy float on the left, '==' would be built reversed.
            target_products = products @ scaled.mu - float(target) * w == 0
            extra.append(target_products)
        a_var, a_ret = units.objective_weights(value)
        objective = a_var * cp.trace(scaled.cov @ products) - a_ret * (scaled.mu @ w)
        relaxation = cp.Problem(cp.Minimize(objective), constraints + extra)
        limit = {} if seconds is None else {"time_limit_secs": max(float(seconds), 1e-3)}
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                relaxation.solve(solver=cp.SCS, **SCS_OPTIONS, **limit)
        except cp.SolverError:
            return None
        if w.value is None or perspective.dual_value is None:
            return None
        alpha, beta, pi = _duals(coupling, caps, units.kind)
        b = -np.asarray(target_products.dual_value, dtype=float) if target is not None else None
        return _certificate(units, value, w.value, np.asarray(perspective.dual_value, dtype=float), alpha, beta, pi,
                            budget=-np.asarray(budget_products.dual_value, dtype=float), target=b,
                            products=np.asarray(nonnegative.dual_value, dtype=float))


def _certificate(units: ScaledUnits, value: float, weights: np.ndarray, diagonal: np.ndarray, alpha: float,
                 beta: float, pi: np.ndarray | None, budget: np.ndarray | None = None,
                 target: np.ndarray | None = None, products: np.ndarray | None = None) -> LagrangianCertificate:
    """Scaled multipliers (of the scaled objective) in the problem's cost units.

    The scaled objective is the cost divided by ``cost_unit``; mu_scaled = mu / mu_scale, so a
    multiplier of a product with mu (beta, b) is also divided by mu_scale.
    """
    unit = units.cost_unit(value)
    mu_scale = units.scaled.mu_scale
    return LagrangianCertificate(
        v=np.asarray(weights, dtype=float), diagonal=unit * np.asarray(diagonal, dtype=float),
        alpha=unit * alpha, beta=unit * beta / mu_scale,
        budget_products=None if budget is None else unit * budget,
        target_products=None if target is None else unit * target / mu_scale,
        products=None if products is None else unit * products,
        caps=None if pi is None else unit * pi)
