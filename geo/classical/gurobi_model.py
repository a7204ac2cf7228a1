"""The cardinality MIQP in Gurobi (``--solver gurobi``): built once per frontier, re-solved per point.

Same problem as :mod:`geo.classical.scip_model`, scaled the same way (``ScaledMoments``), but
with the plain quadratic objective w'Sigma w: Gurobi applies its own perspective strengthening
and cuts to a convex MIQP, and this form also keeps the model within the size-limited licence
that ships with gurobipy (about 100 assets; a dense covariance counts N^2 quadratic terms).

Statuses are mapped onto SCIP's names, and "optimal" means the same: Gurobi's relative gap
tolerance is set to ``MIP_GAP`` (its default, 1e-4, would call a 0.01 % gap optimal).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from geo.classical.bounds import ScaledUnits
from geo.classical.miqp import MiqpOutcome
from geo.core.errors import GeoError
from geo.problem.problem import Problem
from geo.problem.sector_caps import sector_cap_rows

# Gurobi's relative MIP gap at which it stops with "optimal" (SCIP's default stops at 0 gap,
# up to its tolerances; SCIP's optimal points re-price within ~5e-6).
MIP_GAP = 1e-6
# Gurobi's status codes (gurobipy.GRB.Status) as SCIP names them.
STATUS_NAMES = {2: "optimal", 3: "infeasible", 4: "infeasible", 7: "iterlimit", 8: "nodelimit", 9: "timelimit",
                10: "sollimit", 11: "userinterrupt", 13: "suboptimal", 16: "memlimit"}
LICENCE_ERRORS = {10009: "no Gurobi licence was found", 10010: "the model is larger than the Gurobi licence allows"}
SIZE_LIMIT_NOTE = "the size-limited licence that ships with gurobipy takes about 100 assets"


def _gurobipy() -> Any:
    try:
        import gurobipy
    except ImportError:
        raise GeoError("--solver gurobi needs the gurobipy package, which is not installed",
                       "pip install 'geo[gurobi]' (and a Gurobi licence for large models), or use --solver scip"
                       ) from None
    return gurobipy


def licence_error(error: Exception, problem: Problem) -> GeoError:
    """The one-line error for a Gurobi licence failure (none found, or a model too large for it)."""
    code = getattr(error, "errno", None)
    if code == 10010:
        return GeoError(f"the MIQP of {problem.n_assets} assets is larger than the Gurobi licence allows "
                        f"({SIZE_LIMIT_NOTE})", "use a full Gurobi licence, or --solver scip")
    return GeoError(f"Gurobi could not start: {LICENCE_ERRORS.get(code, error)}",
                    "install a Gurobi licence (gurobi.lic), or use --solver scip")


class GurobiCardinalityModel:
    """The MIQP of one problem and objective form in Gurobi, re-solved per grid value."""

    name = "Gurobi"

    def __init__(self, problem: Problem, kind: str, params: dict[str, Any] | None = None) -> None:
        gp = _gurobipy()
        self.problem, self.kind = problem, kind
        self.units = ScaledUnits(problem, kind)
        self.scaled = scaled = self.units.scaled
        n = problem.n_assets
        try:
            env = gp.Env(params={"OutputFlag": 0})
            model = gp.Model("cardinality-miqp", env=env)
        except gp.GurobiError as error:
            raise licence_error(error, problem) from None
        grb = gp.GRB
        self.w = model.addMVar(n, lb=0.0, ub=problem.w_max, name="w")
        self.z = model.addMVar(n, vtype=grb.BINARY, name="z")
        model.addConstr(self.w <= problem.w_max * self.z)
        if problem.w_min > 0:
            model.addConstr(self.w >= problem.w_min * self.z)
        model.addConstr(self.w.sum() == 1)
        for members, cap in sector_cap_rows(problem):
            model.addConstr(self.w[members].sum() <= cap)
        if problem.cardinality == "exact":
            model.addConstr(self.z.sum() == problem.k)
        else:
            model.addConstr(self.z.sum() <= problem.k)
        self.scaled_return = scaled.mu @ self.w
        self.risk = self.w @ scaled.cov @ self.w
        self.target = model.addConstr(self.scaled_return == 0.0) if kind == "target-return" else None
        model.Params.MIPGap = MIP_GAP
        for key, value in (params or {}).items():
            model.setParam(key, value)
        self.model, self.grb = model, grb
        self._gp = gp

    @property
    def version(self) -> str:
        return ".".join(str(part) for part in self._gp.gurobi.version())

    def solve(self, value: float, time_limit: float | None, start: tuple[np.ndarray, np.ndarray] | None = None,
              cut: Any = None) -> MiqpOutcome:
        """Solve at one target return / risk aversion; ``start`` = (selection, weights) or None.

        ``cut`` must be None: a cut on a quadratic objective would make the model non-convex in
        Gurobi's eyes (its own bounds are strong enough; the exact method gives cuts to SCIP only).
        """
        if cut is not None:
            raise ValueError("the Gurobi model takes no cut")
        model, units = self.model, self.units
        if self.target is not None:
            self.target.RHS = value / units.scaled.mu_scale
            objective = self.risk
        else:
            a, b = units.objective_weights(value)
            objective = a * self.risk - b * self.scaled_return
        model.setObjective(objective, self.grb.MINIMIZE)
        model.Params.TimeLimit = self.grb.INFINITY if time_limit is None else max(float(time_limit), 0.0)
        model.reset()
        if start is not None:
            selection, weights = start
            self.z.Start = np.asarray(selection, dtype=float)
            self.w.Start = np.asarray(weights, dtype=float)
        try:
            model.optimize()
        except self._gp.GurobiError as error:
            if getattr(error, "errno", None) in LICENCE_ERRORS:
                raise licence_error(error, self.problem) from None
            raise
        status = STATUS_NAMES.get(model.Status, f"gurobi status {model.Status}")
        unit = units.cost_unit(value)
        selection, objective = None, math.inf
        if model.SolCount > 0:
            selection = np.asarray(self.z.X) > 0.5
            objective = float(model.ObjVal) * unit
        bound = float(model.ObjBound) * unit if model.SolCount > 0 or status == "optimal" else -math.inf
        if status == "infeasible":
            bound = math.inf
        return MiqpOutcome(status=status, selection=selection, objective=objective, bound=bound,
                           seconds=float(model.Runtime), nodes=int(model.NodeCount),
                           warm_start_accepted=None if start is None else True)
