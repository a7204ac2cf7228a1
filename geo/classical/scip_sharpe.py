"""The max-Sharpe K-asset selection as one SCIP model (``--method exact`` with the max-Sharpe objective).

The tangency portfolio of the best selection solves, after ``y = w / (m' w)`` with
``m = (mu - rf) / s`` (s the largest |mu - rf|, so that y is O(1)):

    min  tau   s.t.  u = F' y,  sum(u_k^2) <= tau,     F F' = Sigma / V
         m' y = 1,  sum(y) = t,  0 <= y_i <= w_max t,  sum_{i in s} y_i <= cap_s t,
         z_i = 0  =>  y_i <= 0                 (indicator)
         z_i = 1  =>  y_i >= w_min t           (indicator, only when w_min > 0)
         sum(z) = K (or <= K),  max-changes row on z (geo.problem.holdings).

The bounds ``w_min z_i <= w_i <= w_max z_i`` become ``w_min z_i t <= y_i <= w_max z_i t``, a
product of a binary and the unbounded scale t. Big-M rows would need a proven bound on t
(1 / the smallest excess return of an optimal portfolio), which the data do not give, so the
links are SCIP indicator constraints: exact for binary z, no M. Every feasible (z, y) is a
long-only portfolio ``w = y / t`` with a positive excess return, and the optimum tau* is
``(s^2 / V) / Sharpe*^2``; so SCIP's dual bound on tau is an upper bound on the Sharpe ratio,
reported in cost units (``-Sharpe``). A selection with no positive excess return has no feasible
y: if no selection has one, SCIP proves the model infeasible.

The perspective strengthening of the variance model is not used here (the relaxation is the
plain cone): exact max-Sharpe proves small and medium universes; on hundreds of assets expect a
time limit with its gap, as for the frontier.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from geo.classical.miqp import MiqpOutcome
from geo.classical.scip_model import WARM_START_SLACK, run_scip
from geo.classical.unconstrained import ScaledMoments
from geo.problem.problem import Problem
from geo.problem.sector_caps import sector_cap_rows


class ScipSharpeModel:
    """The max-Sharpe MIQP of one problem, built once, re-solved per risk-free rate."""

    name = "SCIP"

    def __init__(self, problem: Problem, scip_params: dict[str, Any] | None = None) -> None:
        self.problem = problem
        self.scip_params = scip_params
        self.scaled = ScaledMoments.of(problem)
        self.model = None
        self._risk_free: float | None = None

    def _build(self, risk_free: float) -> None:
        from pyscipopt import Model, quicksum  # lazy: only the exact method needs SCIP

        problem = self.problem
        n = problem.n_assets
        excess = problem.mu - risk_free
        self.excess_scale = float(np.max(np.abs(excess))) or 1.0
        model = Model("max-sharpe-miqp")
        model.hideOutput()
        self.y = [model.addVar(f"y{i}", lb=0.0, ub=None) for i in range(n)]
        self.z = [model.addVar(f"z{i}", vtype="B") for i in range(n)]
        self.t = model.addVar("t", lb=0.0, ub=None)
        factor = self.scaled.factor
        self.u = [model.addVar(f"u{k}", lb=None, ub=None) for k in range(factor.shape[1])]
        self.tau = model.addVar("tau", lb=0.0, ub=None)
        for k, u_k in enumerate(self.u):
            column = factor[:, k]
            model.addCons(quicksum(float(column[i]) * self.y[i] for i in np.flatnonzero(column)) == u_k)
        model.addCons(quicksum(u_k * u_k for u_k in self.u) <= self.tau)
        scaled_excess = excess / self.excess_scale
        model.addCons(quicksum(float(scaled_excess[i]) * self.y[i] for i in range(n)) == 1)
        model.addCons(quicksum(self.y) == self.t)
        for i in range(n):
            model.addCons(self.y[i] <= problem.w_max * self.t)
            model.addConsIndicator(self.y[i] <= 0, binvar=self.z[i], activeone=False)
            if problem.w_min > 0:
                model.addConsIndicator(problem.w_min * self.t - self.y[i] <= 0, binvar=self.z[i])
        for members, cap in sector_cap_rows(problem):
            model.addCons(quicksum(self.y[i] for i in members) <= cap * self.t)
        if problem.cardinality == "exact":
            model.addCons(quicksum(self.z) == problem.k)
        else:
            model.addCons(quicksum(self.z) <= problem.k)
        if problem.limits_changes:
            held = problem.holdings.held
            model.addCons(quicksum(1 - self.z[i] for i in np.flatnonzero(held))
                          + quicksum(self.z[i] for i in np.flatnonzero(~held)) <= problem.holdings.max_changes)
        model.setObjective(self.tau, "minimize")
        if self.scip_params:
            model.setParams(self.scip_params)
        self.model, self._risk_free = model, risk_free

    @property
    def version(self) -> str:
        from pyscipopt import Model

        return str((self.model or Model()).version())

    def _sharpe_of(self, tau: float) -> float:
        """The Sharpe ratio of a solution of objective ``tau`` (inf for tau <= 0)."""
        if tau <= 0:
            return math.inf
        return self.excess_scale / math.sqrt(self.scaled.var_scale * tau)

    def _add_start(self, selection: np.ndarray, weights: np.ndarray) -> bool:
        model = self.model
        excess = float((self.problem.mu - self._risk_free) @ weights) / self.excess_scale
        if not excess > 0:
            return False
        y = weights / excess
        u = self.scaled.factor.T @ y
        start = model.createSol()
        for i in range(self.problem.n_assets):
            model.setSolVal(start, self.y[i], float(y[i]))
            model.setSolVal(start, self.z[i], float(selection[i]))
        model.setSolVal(start, self.t, float(y.sum()))
        for k, u_k in enumerate(self.u):
            model.setSolVal(start, u_k, float(u[k]))
        model.setSolVal(start, self.tau, float(u @ u) * (1 + WARM_START_SLACK) + WARM_START_SLACK)
        return bool(model.addSol(start, free=True))

    def solve(self, value: float, time_limit: float | None, start: tuple[np.ndarray, np.ndarray] | None = None,
              cut: Any = None) -> MiqpOutcome:
        """Solve at the risk-free rate ``value`` (per period); costs are ``-Sharpe``. ``cut`` (the
        product relaxation's, a bound on a variance cost) does not apply: it must be None."""
        if cut is not None:
            raise ValueError("the max-Sharpe model takes no cut")
        if self.model is None or value != self._risk_free:
            self._build(value)
        model = self.model
        model.freeTransform()
        accepted = self._add_start(*start) if start is not None else None
        return run_scip(model, self.z, time_limit, accepted, lambda tau: -self._sharpe_of(tau))
