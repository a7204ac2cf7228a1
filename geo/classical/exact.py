"""The exact cardinality-constrained frontier: the MIQP solved by SCIP, one model per frontier.

Formulation (scaled so that SCIP's absolute tolerances are relative ones on our numbers, see
``ScaledMoments``): binaries z, weights w, and
    min  t + delta * sum(s)            (target-return; the lambda cost likewise)
    s.t. y = F' w,  sum(y_k^2) <= t,    F F' = Sigma_scaled - delta I
         w_i^2 <= s_i z_i                (perspective term: exact for binary z, much tighter
                                          relaxation, since it forces w_i -> 0 as z_i -> 0)
         w_min z <= w <= w_max z,  sum(w) = 1,  sum(z) <= K (or == K),  mu'w = r.
delta is 95% of Sigma_scaled's smallest eigenvalue, so Sigma_scaled - delta I stays PSD; the
objective equals w' Sigma_scaled w at every binary z. Factoring Sigma into y = F'w (rather than
one dense quadratic w'Sigma w) lets SCIP see a second-order cone, which it separates far better:
on port3 it halves the gap left after 20 s.

Why pyscipopt directly rather than cvxpy's SCIP interface: cvxpy *does* expose the solver's
model (``problem.solver_stats.extra_stats["model"]``, an undocumented entry of its SCIP
interface) from which the gap, the dual bound and the node count can be read, and it maps
SCIP's "timelimit" to OPTIMAL_INACCURATE. But it cannot pass a starting solution (its SCIP
interface ignores ``warm_start``), it rebuilds the SCIP model on every solve, and it turns the
quadratic into its own cone form where the perspective term is out of reach. Here one SCIP
model is built per frontier and only the target constraint's sides (or the objective) change
between points (``freeTransform`` then ``chgLhs/chgRhs``); each point starts from the best
selection the evaluator has seen for that target (the memo, incl. earlier points' solutions).

Status of a point (never "optimal" unless SCIP proved it):
- ``optimal``: SCIP status "optimal" (gap closed to SCIP's tolerances);
- ``time_limit``: SCIP stopped on a limit (time, or an interrupt) with an incumbent; extras carry
  ``mip_gap`` (relative: (cost - best_bound) / cost, using the exact re-priced cost),
  ``best_bound`` (a proven lower bound on the cost at that target), ``solve_seconds``, ``nodes``;
- ``infeasible``: SCIP proved infeasibility (``proven``: True);
- no incumbent and no proof: ``time_limit`` (SCIP hit its limit) or ``not_found`` (another
  stop), without a portfolio and with a message;
- points not started because the command's deadline had passed take the best known selection
  from the evaluator's memo with status ``heuristic`` (or ``time_limit`` if there is none).
The reported portfolio is SCIP's selection re-priced exactly by the evaluator (the weights of
the selection's own small QP), so variance and weights are exact for that support.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.methods.base import Deadline, MethodRun, ProgressCallback, point_from_selection
from geo.classical.unconstrained import ScaledMoments, scaled_risk_aversion
from geo.core.checkpoint import Checkpoint, restore_snapshot, snapshot
from geo.core.results import FrontierPoint
from geo.problem.evaluator import SelectionEvaluator
from geo.problem.problem import Problem
from geo.problem.sector_caps import sector_cap_rows

# Share of the smallest eigenvalue moved into the perspective term; below 1 so that
# Sigma - delta I stays PSD despite rounding in the eigenvalue.
PERSPECTIVE_SHARE = 0.95
# SCIP solves shorter than this are not worth starting; the point falls back to the memo.
MIN_POINT_SECONDS = 0.01
# SCIP's "infinity": dual bounds at or beyond it mean "no bound".
SCIP_INFINITY = 1e19
# Slack added to t in a starting solution, so SCIP's feasibility check accepts it.
WARM_START_SLACK = 1e-9


@dataclass
class ScipOutcome:
    """What one SCIP solve returned, in the problem's cost units."""

    scip_status: str
    selection: np.ndarray | None
    objective: float
    bound: float
    seconds: float
    nodes: int
    warm_start_accepted: bool | None


class ScipCardinalityModel:
    """The MIQP of one problem and objective form, built once, re-solved per grid value."""

    def __init__(self, problem: Problem, kind: str, perspective: bool = True,
                 scip_params: dict[str, Any] | None = None) -> None:
        from pyscipopt import Model, quicksum  # lazy: only the exact method needs SCIP

        self.problem, self.kind = problem, kind
        n = problem.n_assets
        smallest = ScaledMoments.of(problem).smallest_eigenvalue()
        self.delta = PERSPECTIVE_SHARE * smallest if perspective and smallest > 0 else 0.0
        self.scaled = ScaledMoments.of(problem, diagonal_shift=self.delta)
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
        if self.delta > 0:
            self.s = [model.addVar(f"s{i}", lb=0.0) for i in range(n)]
            for i in range(n):
                model.addCons(self.w[i] * self.w[i] <= self.s[i] * self.z[i])
        model.addCons(quicksum(self.w) == 1)
        for members, cap in sector_cap_rows(problem):
            model.addCons(quicksum(self.w[i] for i in members) <= cap)
        if problem.cardinality == "exact":
            model.addCons(quicksum(self.z) == problem.k)
        else:
            model.addCons(quicksum(self.z) <= problem.k)
        self.risk = self.t + self.delta * quicksum(self.s) if self.s else self.t + 0
        self.scaled_return = quicksum(float(self.scaled.mu[i]) * self.w[i] for i in range(n))
        self.target = model.addCons(self.scaled_return == 0.0) if kind == "target-return" else None
        if scip_params:
            model.setParams(scip_params)
        self.model = model
        self._unscale = 1.0
        self._side = 0.0  # current target side of the (scaled) return constraint

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
            self.model.setObjective(self.risk, "minimize")
            self._unscale = self.scaled.var_scale
        else:
            a, b = scaled_risk_aversion(value, self.scaled)
            self.model.setObjective(a * self.risk - b * self.scaled_return, "minimize")
            # cost = norm * (a var_s - b ret_s), norm = max(lam V, (1 - lam) M).
            self._unscale = max(value * self.scaled.var_scale, (1 - value) * self.scaled.mu_scale) or 1.0

    def _add_start(self, selection: np.ndarray, weights: np.ndarray) -> bool:
        model = self.model
        start = model.createSol()
        y = self.scaled.factor.T @ weights
        for i in range(self.problem.n_assets):
            model.setSolVal(start, self.w[i], float(weights[i]))
            model.setSolVal(start, self.z[i], float(selection[i]))
            if self.s:
                model.setSolVal(start, self.s[i], float(weights[i] ** 2))
        for k, y_k in enumerate(self.y):
            model.setSolVal(start, y_k, float(y[k]))
        model.setSolVal(start, self.t, float(y @ y) * (1 + WARM_START_SLACK) + WARM_START_SLACK)
        return bool(model.addSol(start, free=True))

    def solve(self, value: float, time_limit: float | None,
              start: tuple[np.ndarray, np.ndarray] | None = None) -> ScipOutcome:
        """Solve at one target return / risk aversion; ``start`` = (selection, weights) or None."""
        model = self.model
        model.freeTransform()  # back to the problem stage, where sides and objective may change
        self._set_parameter(value)
        model.setParam("limits/time", 1e20 if time_limit is None else max(float(time_limit), MIN_POINT_SECONDS))
        accepted = self._add_start(*start) if start is not None else None
        model.optimize()
        status = str(model.getStatus())
        selection, objective = None, math.inf
        if model.getNSols() > 0:
            best = model.getBestSol()
            selection = np.array([model.getSolVal(best, z) > 0.5 for z in self.z])
            objective = model.getSolObjVal(best) * self._unscale
        dual = model.getDualbound()
        bound = dual * self._unscale if abs(dual) < SCIP_INFINITY else (math.inf if status == "infeasible" else -math.inf)
        return ScipOutcome(scip_status=status, selection=selection, objective=objective, bound=bound,
                           seconds=float(model.getSolvingTime()), nodes=int(model.getNNodes()),
                           warm_start_accepted=accepted)


def relative_gap(cost: float, bound: float) -> float:
    """``(cost - bound) / |cost|`` clipped at 0 (a bound above the cost is SCIP's tolerance)."""
    if not (math.isfinite(cost) and math.isfinite(bound)):
        return math.inf
    return max(0.0, cost - bound) / max(abs(cost), 1e-300)


class ExactMethod:
    """Exact frontier by SCIP (``--method exact``); see the module docstring for statuses.

    ``point_time_limit`` caps each point's solve; otherwise each point gets its fair share of
    the command's remaining time (``Deadline.share``). The evaluation budget is ignored (the
    method is bounded by time); the evaluations it does spend are the re-pricing of SCIP's
    selections at every column, so each solution also warm-starts the other targets.
    """

    name = "exact"

    def __init__(self, point_time_limit: float | None = None, perspective: bool = True,
                 scip_params: dict[str, Any] | None = None) -> None:
        self.point_time_limit = point_time_limit
        self.perspective = perspective
        self.scip_params = scip_params

    def _time_limit(self, deadline: Deadline, points_left: int) -> float | None:
        share = deadline.share(points_left)
        limits = [x for x in (share, self.point_time_limit) if x is not None]
        return min(limits) if limits else None

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        model = ScipCardinalityModel(evaluator.problem, evaluator.grid.kind, self.perspective, self.scip_params)
        n_columns = len(evaluator.grid)
        points: list[FrontierPoint] = []
        saved = checkpoint.load() if checkpoint else None
        if saved is not None:
            points = restore_snapshot(saved, evaluator, rng)["points"]
        known_best = _BestKnown(evaluator)
        for column in range(len(points), n_columns):
            limit = self._time_limit(deadline, n_columns - column)
            if deadline.expired() or (limit is not None and limit < MIN_POINT_SECONDS):
                points.append(point_from_selection(evaluator, known_best.selection(column), column,
                                                   unsolved_status="time_limit",
                                                   message="not solved by SCIP: the time limit was reached"))
            else:
                points.append(self._solve_point(model, evaluator, known_best, column, limit))
            if checkpoint:
                # Each point is a SCIP solve of up to its time limit: always worth saving.
                checkpoint.save(snapshot(evaluator, rng, points=points), force=True)
            if progress is not None:
                progress(column + 1, n_columns)
        counts = {s: sum(p.status == s for p in points)
                  for s in ("optimal", "time_limit", "heuristic", "infeasible", "not_found")}
        return MethodRun(points, details={"solver": "SCIP", "scip_version": model.version,
                                          "perspective": model.delta > 0, "point_time_limit": self.point_time_limit,
                                          "points": counts})

    def _solve_point(self, model: ScipCardinalityModel, evaluator: SelectionEvaluator, known_best: "_BestKnown",
                     column: int, limit: float | None) -> FrontierPoint:
        value = float(evaluator.grid.values[column])
        start_selection = known_best.selection(column)
        start = None
        if start_selection is not None:
            start = (start_selection, evaluator.solve(start_selection, column).weights)
        outcome = model.solve(value, limit, start)
        extras: dict[str, Any] = {"solver": "SCIP", "scip_status": outcome.scip_status,
                                  "solve_seconds": round(outcome.seconds, 4), "nodes": outcome.nodes,
                                  "time_limit_s": limit}
        if outcome.warm_start_accepted is not None:
            extras["warm_start"] = outcome.warm_start_accepted
        if outcome.selection is not None:
            known_best.offer(outcome.selection)
        # The better of SCIP's incumbent and the start, by exact cost (SCIP's incumbent is at
        # least as good up to its tolerances; the exact re-pricing settles near-ties).
        candidates = [s for s in (outcome.selection, start_selection) if s is not None]
        costs = [float(evaluator.costs(s, [column])[0, 0]) for s in candidates]
        if not candidates or not math.isfinite(min(costs)):
            if outcome.scip_status == "infeasible":
                return FrontierPoint(parameter=value, status="infeasible", extras={**extras, "proven": True})
            extras["message"] = f"SCIP found no portfolio (status {outcome.scip_status}); infeasibility is not proven"
            unsolved = "time_limit" if outcome.scip_status == "timelimit" else "not_found"
            return FrontierPoint(parameter=value, status=unsolved, extras=extras)
        chosen = candidates[int(np.argmin(costs))]
        cost = min(costs)
        if math.isfinite(outcome.bound):
            extras["best_bound"] = outcome.bound
        extras["mip_gap"] = relative_gap(cost, outcome.bound)
        status = "optimal" if outcome.scip_status == "optimal" else "time_limit"
        return point_from_selection(evaluator, chosen, column, status=status, **extras)


class _BestKnown:
    """The cheapest selection seen per column: the evaluator's memo plus this run's solutions.

    A SCIP solution is priced at every column (closed form, cheap), so it becomes the start of
    neighbouring targets when it beats what the memo had.
    """

    def __init__(self, evaluator: SelectionEvaluator) -> None:
        self.evaluator = evaluator
        selections, costs = evaluator.known()
        n_columns = len(evaluator.grid)
        self.best: list[np.ndarray | None] = [None] * n_columns
        self.best_cost = np.full(n_columns, math.inf)
        if len(selections):
            costs = np.where(np.isnan(costs), math.inf, costs)
            rows = np.argmin(costs, axis=0)
            for j, row in enumerate(rows):
                if math.isfinite(costs[row, j]):
                    self.best[j], self.best_cost[j] = selections[row].copy(), costs[row, j]

    def offer(self, selection: np.ndarray) -> None:
        costs = self.evaluator.costs(selection)[0]
        for j in np.flatnonzero(costs < self.best_cost):
            self.best[j], self.best_cost[j] = selection.copy(), costs[j]

    def selection(self, column: int) -> np.ndarray | None:
        return self.best[column]
