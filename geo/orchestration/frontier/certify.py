"""``--certify``: a proven lower bound and gap for every point of a frontier, whichever method found it.

Sources, cheapest first; each point keeps the highest bound it gets (all are proven, see
:mod:`geo.classical.certificate`), and a point already within ``CERTIFIED_GAP`` stops there:
1. what the method proved itself (enumeration; the exact method's solver bound);
2. the perspective relaxation with the SDP diagonal (one cone program per target, the diagonal
   solved once per covariance and shared with the exact method);
3. the product relaxation (an SDP per target) at the points still above ``COSTLY_STEP_GAP``,
   largest gap first, when the universe has at most ``PRODUCT_MAX_ASSETS`` assets;
4. with ``solver_seconds``: the MIQP solver (``solver``, SCIP or Gurobi) on each point still
   above the threshold, started from the point's portfolio; its best bound, shaved by its
   tolerance. If the solver cannot run (Gurobi not installed, or its licence too small), the
   step is skipped with a warning and ``details["certify"]["solver_error"]``: the run and its
   other bounds are kept.

The portfolios and statuses are left as the method gave them. ``time_limit`` bounds the whole
certification: once spent, the remaining steps are skipped, never a point half-certified.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from typing import Any

import numpy as np

from geo.classical.bounds import PRODUCT_MAX_ASSETS, PerspectiveRelaxation, ProductRelaxation
from geo.classical.certificate import attach_bound, certified_bound
from geo.classical.miqp import check_solver, make_model, shaved_bound
from geo.classical.sdp_diagonal import sdp_diagonal
from geo.classical.unconstrained import ScaledMoments
from geo.core.errors import GeoError
from geo.core.results import FrontierResult
from geo.methods.base import Deadline
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem

log = logging.getLogger("geo")

# SCS's time per product relaxation at most.
PRODUCT_SECONDS = 120.0
# The costly steps (product relaxation, solver) only try points whose gap is still above this:
# a solver's "optimal" point sits at ~1e-5 (its tolerance), where an SDP cannot help.
COSTLY_STEP_GAP = 1e-4


def certify_result(result: FrontierResult, problem: Problem, grid: ObjectiveGrid, *, time_limit: float | None = None,
                   solver: str = "scip", solver_seconds: float | None = None, product: bool = True) -> None:
    """Give each feasible point of ``result`` its best proven ``lower_bound`` and ``certified_gap``
    (in place); the seconds go to ``result.timing["certify_s"]``, the tally to ``details["certify"]``."""
    check_solver(solver)
    check_certifiable(grid.kind)
    started = time.perf_counter()
    deadline = Deadline(time_limit)
    kind, points = grid.kind, result.points
    open_points = [j for j, p in enumerate(points) if p.feasible and not p.certified_optimal]
    scaled = ScaledMoments.of(problem)
    diagonal = sdp_diagonal(scaled.cov, seconds=None if time_limit is None else 0.1 * time_limit)
    record: dict[str, Any] = {"diagonal_status": diagonal.status, "diagonal_share": float(
        diagonal.d.sum() / np.trace(scaled.cov)), "steps": {}}
    steps = [("perspective", _perspective_bounds(problem, kind, diagonal.d))]
    if product and problem.n_assets <= PRODUCT_MAX_ASSETS:
        steps.append(("product", _product_bounds(problem, kind)))
    if solver_seconds:
        try:
            steps.append((solver, _solver_bounds(problem, kind, solver, solver_seconds, scaled.var_scale)))
        except GeoError as error:
            _skip(record, solver, error)
    for name, bound_at in steps:
        step_started, tried = time.perf_counter(), 0
        # Largest gap first: if time runs out, it is spent where the bound is weakest.
        threshold = -1.0 if name == "perspective" else COSTLY_STEP_GAP
        for j in sorted(open_points, key=lambda j: -_gap_or_inf(points[j])):
            if points[j].certified_optimal or _gap_or_inf(points[j]) <= threshold:
                continue
            if deadline.expired():
                record["stopped_by"] = "time_limit"
                break
            try:
                bound = bound_at(points[j], float(grid.values[j]))
            except GeoError as error:
                _skip(record, name, error)
                break
            tried += 1
            if bound is not None:
                attach_bound(points[j], kind, bound, name)
        record["steps"][name] = {"points": tried, "seconds": round(time.perf_counter() - step_started, 3)}
    sources = Counter(p.extras.get("bound_source") for p in points if p.feasible)
    record["sources"] = {str(k): v for k, v in sources.items()}
    gaps = [p.certified_gap for p in points if p.certified_gap is not None]
    if gaps:
        record.update(certified_optimal=sum(p.certified_optimal for p in points),
                      median_gap=float(np.median(gaps)), max_gap=float(np.max(gaps)))
    result.details["certify"] = record
    result.timing["certify_s"] = time.perf_counter() - started


def check_certifiable(kind: str) -> None:
    """The relaxations bound variance costs: the max-Sharpe objective has none of them."""
    if kind == "max-sharpe":
        raise GeoError("--certify bounds variance costs and has no bound for the max-Sharpe selection",
                       "prove it with --method enumeration or --method exact, or drop --certify")


def _gap_or_inf(point) -> float:
    return math.inf if point.certified_gap is None else point.certified_gap


def _skip(record: dict[str, Any], step: str, error: GeoError) -> None:
    """A solver that cannot run (not installed, licence too small): the run is done, so keep it
    and its other bounds, and say why this step is missing."""
    log.warning("certify: the %s step is skipped: %s", step, error.one_line())
    record["solver_error"] = error.one_line()


def _perspective_bounds(problem: Problem, kind: str, diagonal: np.ndarray):
    relaxation = PerspectiveRelaxation(problem, kind, diagonal)

    def bound_at(point, value: float) -> float | None:
        certificate = relaxation.certificate(value)
        return None if certificate is None else certified_bound(problem, kind, value, certificate)
    return bound_at


def _product_bounds(problem: Problem, kind: str):
    relaxation = ProductRelaxation(problem, kind)

    def bound_at(point, value: float) -> float | None:
        certificate = relaxation.certificate(value, PRODUCT_SECONDS)
        return None if certificate is None else certified_bound(problem, kind, value, certificate)
    return bound_at


def _solver_bounds(problem: Problem, kind: str, solver: str, seconds: float, var_scale: float):
    """The MIQP solver's shaved bound at a point, started from the point's own portfolio."""
    diagonal = sdp_diagonal(ScaledMoments.of(problem).cov).d if solver == "scip" else None
    model = make_model(solver, problem, kind, diagonal)
    index = {ticker: i for i, ticker in enumerate(problem.tickers)}

    def bound_at(point, value: float) -> float | None:
        weights = np.zeros(problem.n_assets)
        for ticker, weight in point.weights.items():
            weights[index[ticker]] = weight
        outcome = model.solve(value, seconds, (weights > 0, weights))
        return shaved_bound(outcome.bound, var_scale) if math.isfinite(outcome.bound) else None
    return bound_at
