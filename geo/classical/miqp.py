"""The MIQP solvers behind ``--method exact`` and ``--certify --certify-seconds``: SCIP or Gurobi.

Both build the same problem once per frontier and re-solve it per grid value with
``solve(value, time_limit, start) -> MiqpOutcome``, in the problem's cost units, with SCIP's
status names (Gurobi's are mapped onto them), so that statuses, gaps and results fields are
the same whichever ran; the results record which one did (``solver``, ``solver_version``).

- ``scip`` (default, open source, always installed): :mod:`geo.classical.scip_model`.
- ``gurobi`` (``pip install geo[gurobi]``): :mod:`geo.classical.gurobi_model`, used when
  gurobipy is installed and licensed; otherwise, or when the model is larger than the licence
  allows (the size-limited licence that ships with gurobipy takes about 100 assets), a
  one-line error says so.

A solver's best bound is proven up to its tolerances only (neither runs in exact
arithmetic), so :func:`shaved_bound` lowers it by a tolerance before it is reported as a
proven ``lower_bound``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.core.errors import GeoError
from geo.problem.problem import Problem

SOLVERS = ("scip", "gurobi")
# A solver's dual bound is shaved by this, relative to the larger of |bound| and the smallest
# asset variance (the scale both models are solved in, ScaledMoments.var_scale). SCIP and Gurobi
# accept constraint violations up to 1e-6 (feasibility tolerance) and dual infeasibilities up
# to 1e-6-1e-7 in the LP relaxations whose values make the bound; with weights in [0, 1] and
# an O(1) scaled objective those errors move the bound by well under 1e-6 of that scale.
# This is a tolerance, not a proof: the Lagrangian certificates (geo.classical.certificate)
# are the rigorous bounds.
SOLVER_BOUND_SHAVE = 1e-6


@dataclass
class MiqpOutcome:
    """What one solve returned, in the problem's cost units; ``status`` uses SCIP's names
    ("optimal", "timelimit", "nodelimit", "infeasible", "userinterrupt", ...)."""

    status: str
    selection: np.ndarray | None
    objective: float
    bound: float
    seconds: float
    nodes: int
    warm_start_accepted: bool | None


def check_solver(solver: str) -> None:
    """A one-line error for an unknown solver name."""
    if solver not in SOLVERS:
        raise GeoError(f"unknown solver {solver!r}", f"use one of {', '.join(SOLVERS)}")


def make_model(solver: str, problem: Problem, kind: str, diagonal: np.ndarray | None = None,
               params: dict[str, Any] | None = None) -> Any:
    """The MIQP of ``problem`` for ``solver``; ``diagonal`` is SCIP's perspective d (scaled units),
    ``params`` the solver's own parameters."""
    check_solver(solver)
    if solver == "gurobi" and (kind == "max-sharpe" or problem.holdings is not None):
        what = "the max-Sharpe objective" if kind == "max-sharpe" else "holdings (--max-changes, --turnover-penalty)"
        raise GeoError(f"--solver gurobi does not take {what}", "use --solver scip")
    if kind == "max-sharpe":
        from geo.classical.scip_sharpe import ScipSharpeModel

        return ScipSharpeModel(problem, params)
    if solver == "gurobi":
        from geo.classical.gurobi_model import GurobiCardinalityModel

        return GurobiCardinalityModel(problem, kind, params)
    from geo.classical.scip_model import ScipCardinalityModel

    return ScipCardinalityModel(problem, kind, diagonal, params)


def shaved_bound(bound: float, var_scale: float) -> float:
    """A solver's dual bound lowered by its tolerance (see ``SOLVER_BOUND_SHAVE``)."""
    if not math.isfinite(bound):
        return bound
    return bound - SOLVER_BOUND_SHAVE * max(abs(bound), var_scale)
