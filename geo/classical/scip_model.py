"""The cardinality-constrained MIQP as one SCIP model, built once per frontier, re-solved per point.

Formulation (scaled so that SCIP's absolute tolerances are relative ones on our numbers, see
``ScaledMoments``): binaries z, weights w, and
    min  t + sum(d_i s_i)              (target-return; the lambda cost likewise)
    s.t. y = F' w,  sum(y_k^2) <= t,    F F' = Sigma_scaled - diag(d)
         w_i^2 <= s_i z_i                (perspective term: exact for binary z, much tighter
                                          relaxation, since it forces w_i -> 0 as z_i -> 0)
         w_min z <= w <= w_max z,  sum(w) = 1,  sum(z) <= K (or == K),  mu'w = r.
d >= 0 with Sigma_scaled - diag(d) PSD, so the objective equals w' Sigma_scaled w at every
binary z. Holdings (:mod:`geo.problem.holdings`): ``max_changes`` M is the row
``sum_{held}(1 - z_i) + sum_{not held} z_i <= M``; a turnover penalty adds
``kappa * sum(v_i)`` with ``v_i >= |w_i - h_i|`` (two rows each), in the objective's units. The bigger d, the tighter the relaxation: ``geo.classical.sdp_diagonal`` gives the
d that maximises sum(d) (Zheng, Sun & Li 2014); the older choice is a uniform 95% of the
smallest eigenvalue. Factoring Sigma into y = F'w (rather than one dense quadratic w'Sigma w)
lets SCIP see a second-order cone, which it separates far better: on port3 it halves the gap
left after 20 s.

Why pyscipopt directly rather than cvxpy's SCIP interface: cvxpy cannot pass a starting
solution (its SCIP interface ignores ``warm_start``), it rebuilds the SCIP model on every
solve, and it turns the quadratic into its own cone form where the perspective term is out of
reach. Here only the target constraint's sides (or the objective) change between points
(``freeTransform`` then ``chgLhs/chgRhs``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from geo.classical.miqp import MiqpOutcome
from geo.classical.unconstrained import ScaledMoments, scaled_risk_aversion
from geo.problem.problem import Problem
from geo.problem.sector_caps import sector_cap_rows

# SCIP solves shorter than this are not worth starting (the caller falls back to the memo).
MIN_POINT_SECONDS = 0.01
# SCIP's "infinity": dual bounds at or beyond it mean "no bound".
SCIP_INFINITY = 1e19
# Slack added to t in a starting solution, so SCIP's feasibility check accepts it.
WARM_START_SLACK = 1e-9


class ScipCardinalityModel:
    """The MIQP of one problem and objective form, built once, re-solved per grid value."""

    def __init__(self, problem: Problem, kind: str, diagonal: np.ndarray | None = None,
                 scip_params: dict[str, Any] | None = None) -> None:
        """``diagonal``: d in the units of ``ScaledMoments.of(problem).cov`` (None: no perspective)."""
        from pyscipopt import Model, quicksum  # lazy: only the exact method needs SCIP

        self.problem, self.kind = problem, kind
        n = problem.n_assets
        self.diagonal = np.zeros(n) if diagonal is None else np.asarray(diagonal, dtype=float)
        self.scaled = ScaledMoments.of(problem, diagonal_shift=self.diagonal)
        factor = self.scaled.factor

        model = Model("cardinality-miqp")
        model.hideOutput()
        self.w = [model.addVar(f"w{i}", lb=0.0, ub=problem.w_max) for i in range(n)]
        self.z = [model.addVar(f"z{i}", vtype="B") for i in range(n)]
        self.y = [model.addVar(f"y{k}", lb=None, ub=None) for k in range(factor.shape[1])]
        self.t = model.addVar("t", lb=0.0)
        for i in range(n):
            model.addCons(self.w[i] <= problem.w_max * self.z[i])
            if problem.w_min > 0:
                model.addCons(self.w[i] >= problem.w_min * self.z[i])
        for k, y_k in enumerate(self.y):
            column = factor[:, k]
            model.addCons(quicksum(float(column[i]) * self.w[i] for i in np.flatnonzero(column)) == y_k)
        model.addCons(quicksum(y_k * y_k for y_k in self.y) <= self.t)
        self.s = []
        # Only assets with a positive d get a perspective term; the others stay in the cone.
        self.perspective_assets = [int(i) for i in np.flatnonzero(self.diagonal > 0)]
        self.s = {}
        for i in self.perspective_assets:
            self.s[i] = model.addVar(f"s{i}", lb=0.0)
            model.addCons(self.w[i] * self.w[i] <= self.s[i] * self.z[i])
        model.addCons(quicksum(self.w) == 1)
        for members, cap in sector_cap_rows(problem):
            model.addCons(quicksum(self.w[i] for i in members) <= cap)
        if problem.cardinality == "exact":
            model.addCons(quicksum(self.z) == problem.k)
        else:
            model.addCons(quicksum(self.z) <= problem.k)
        self.traded = self._holdings_rows(model, quicksum)
        self.risk = self.t + quicksum(float(self.diagonal[i]) * s_i for i, s_i in self.s.items())
        self.scaled_return = quicksum(float(self.scaled.mu[i]) * self.w[i] for i in range(n))
        self.target = model.addCons(self.scaled_return == 0.0) if kind == "target-return" else None
        if scip_params:
            model.setParams(scip_params)
        self.model = model
        self._unscale = 1.0
        self._side = 0.0  # current target side of the (scaled) return constraint
        self._cuts: list = []  # the cuts of the last solve, removed before the next

    name = "SCIP"

    def _holdings_rows(self, model, quicksum):
        """The max-changes row and the turnover variables; returns ``sum |w - h|`` (None: no penalty)."""
        problem = self.problem
        if problem.holdings is None:
            return None
        held = problem.holdings.held
        if problem.limits_changes:
            model.addCons(quicksum(1 - self.z[i] for i in np.flatnonzero(held))
                          + quicksum(self.z[i] for i in np.flatnonzero(~held)) <= problem.holdings.max_changes)
        if not problem.penalised:
            return None
        self.v = [model.addVar(f"v{i}", lb=0.0) for i in range(problem.n_assets)]
        for i, h_i in enumerate(problem.holdings.weights):
            model.addCons(self.v[i] >= self.w[i] - float(h_i))
            model.addCons(self.v[i] >= float(h_i) - self.w[i])
        return quicksum(self.v)

    @property
    def version(self) -> str:
        return str(self.model.version())

    def _set_parameter(self, value: float) -> None:
        if self.kind == "target-return":
            side = value / self.scaled.mu_scale
            # Keep lhs <= rhs at every step: move the side that leads first.
            if side > self._side:
                self.model.chgRhs(self.target, side)
                self.model.chgLhs(self.target, side)
            else:
                self.model.chgLhs(self.target, side)
                self.model.chgRhs(self.target, side)
            self._side = side
            self.objective = self.risk
            self._unscale = self.scaled.var_scale
        else:
            a, b = scaled_risk_aversion(value, self.scaled)
            self.objective = a * self.risk - b * self.scaled_return
            # cost = norm * (a var_s - b ret_s), norm = max(lam V, (1 - lam) M).
            self._unscale = max(value * self.scaled.var_scale, (1 - value) * self.scaled.mu_scale) or 1.0
        if self.traded is not None:  # kappa in the scaled objective's units
            self.objective = self.objective + (self.problem.holdings.turnover_penalty / self._unscale) * self.traded
        self.model.setObjective(self.objective, "minimize")

    def _add_start(self, selection: np.ndarray, weights: np.ndarray) -> bool:
        model = self.model
        start = model.createSol()
        y = self.scaled.factor.T @ weights
        for i in range(self.problem.n_assets):
            model.setSolVal(start, self.w[i], float(weights[i]))
            model.setSolVal(start, self.z[i], float(selection[i]))
            if i in self.s:
                model.setSolVal(start, self.s[i], float(weights[i] ** 2))
        for k, y_k in enumerate(self.y):
            model.setSolVal(start, y_k, float(y[k]))
        if self.traded is not None:
            for i, v_i in enumerate(self.v):
                model.setSolVal(start, v_i, float(abs(weights[i] - self.problem.holdings.weights[i])))
        model.setSolVal(start, self.t, float(y @ y) * (1 + WARM_START_SLACK) + WARM_START_SLACK)
        return bool(model.addSol(start, free=True))

    def solve(self, value: float, time_limit: float | None, start: tuple[np.ndarray, np.ndarray] | None = None,
              cut: Any = None) -> MiqpOutcome:
        """Solve at one target return / risk aversion; ``start`` = (selection, weights) or None;
        ``cut``: a proven :class:`geo.classical.certificate.LagrangianCut` at this value (cost >=
        constant + sum of per_asset over the held assets), added for this solve only."""
        model = self.model
        model.freeTransform()  # back to the problem stage, where sides and objective may change
        for old in self._cuts:
            model.delCons(old)
        self._cuts = []
        self._set_parameter(value)
        if cut is not None:
            from pyscipopt import quicksum

            held = quicksum(float(h) * z for h, z in zip(cut.per_asset, self.z))
            self._cuts.append(model.addCons(self.objective * self._unscale >= cut.constant + held))
        accepted = self._add_start(*start) if start is not None else None
        return run_scip(model, self.z, time_limit, accepted, lambda objective: objective * self._unscale)


def run_scip(model, z: list, time_limit: float | None, accepted: bool | None, to_cost) -> MiqpOutcome:
    """Optimise ``model`` within ``time_limit`` and read the outcome: the selection of binaries
    ``z``, and SCIP's objective and dual bound mapped to cost units by ``to_cost`` (monotone
    increasing, so that a dual bound stays a lower bound on the cost)."""
    model.setParam("limits/time", 1e20 if time_limit is None else max(float(time_limit), MIN_POINT_SECONDS))
    model.optimize()
    status = str(model.getStatus())
    selection, objective = None, math.inf
    if model.getNSols() > 0:
        best = model.getBestSol()
        selection = np.array([model.getSolVal(best, z_i) > 0.5 for z_i in z])
        objective = to_cost(model.getSolObjVal(best))
    dual = model.getDualbound()
    if abs(dual) < SCIP_INFINITY:
        bound = to_cost(dual)
    else:
        bound = math.inf if status == "infeasible" else -math.inf
    return MiqpOutcome(status=status, selection=selection, objective=objective, bound=bound,
                       seconds=float(model.getSolvingTime()), nodes=int(model.getNNodes()),
                       warm_start_accepted=accepted)
