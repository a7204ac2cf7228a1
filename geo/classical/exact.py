"""The exact cardinality-constrained frontier: the MIQP solved by SCIP (or Gurobi), one model per frontier.

The model is :class:`geo.classical.scip_model.ScipCardinalityModel` (perspective reformulation
with a second-order cone), or with ``solver="gurobi"`` :mod:`geo.classical.gurobi_model`
(``--solver gurobi``; same statuses and fields, see :mod:`geo.classical.miqp`). Three things
make SCIP prove more points in its time:
- the perspective diagonal d (``diagonal``): "sdp" (default) moves the largest diagonal
  allowed, max sum(d) s.t. Sigma - diag(d) PSD (``geo.classical.sdp_diagonal``), solved once
  per covariance and cached; "eigenvalue" is a uniform 95% of Sigma's smallest eigenvalue (the
  earlier model); "none" leaves the perspective term out;
- a starting solution per point (``warm_start``): "local-search" (default) polishes the best
  known selection by swap descent within a share of the point's limit
  (``geo.classical.exact_start``); "memo" hands over the best known selection as it is;
- each solution is priced at every target and becomes the start of the targets after it.
  ``geo frontier`` gives each target its own task (:meth:`ExactMethod.for_tasks`), so that the
  answer is the same in-process and on Dask: there a task's grid is its one target and nothing
  is handed over. Measured at 60 s a point on port3 and port4 (RESULTS section 18b), the
  hand-over of the lower-level grid solve proved nothing more than the split run, so
  ``geo frontier`` offers no option for it.
- ``cuts="product"`` (SCIP, at most ``PRODUCT_MAX_ASSETS`` assets): a point SCIP has not
  settled within ``UNCUT_SHARE`` of its time gets the product relaxation's proven cut
  (:class:`geo.classical.bounds.ProductRelaxation`, an SDP, within ``PRODUCT_SHARE`` of what
  is left), cost >= c + sum of h_i over the held assets, added to SCIP's model for the rest of
  its time: SCIP's bound starts at the SDP's, and each branching on z tightens it. On port4's
  low-return end it cut the proven gaps left at 60 s from 4.5-5.5 % to 0.2-1.1 %. The cut's
  bound also counts as the point's ``lower_bound`` (source "product").

The max-Sharpe objective has its own model (:mod:`geo.classical.scip_sharpe`: the homogenised
tangency QP with indicator links, SCIP only, no perspective diagonal and no product cut);
holdings' ``max_changes`` and a turnover penalty are rows and terms of the SCIP models (a bound
on the plain cost, such as the product cut, stays one on the penalised cost).

Time: each point gets ``point_time_limit`` seconds (warm start included), or its fair share of
the command's remaining time (``Deadline.share``) when that is smaller. With neither a
per-point limit nor a command deadline, each point gets ``DEFAULT_POINT_SECONDS`` (announced
once on the "geo" logger, i.e. one line on stderr), so a run always ends. Pass
``point_time_limit=math.inf`` to let SCIP run to proof.

Every point with a portfolio carries ``lower_bound`` (the solver's best bound, shaved by its
tolerance: :func:`geo.classical.miqp.shaved_bound`, or the product cut's when higher),
``bound_source`` and ``certified_gap``.

Status of a point (never "optimal" unless SCIP proved it):
- ``optimal``: SCIP status "optimal" (gap closed to SCIP's tolerances);
- ``time_limit``: SCIP stopped on a limit (time, or a node limit given in ``scip_params``, or
  an interrupt) with an incumbent; extras carry
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

import copy
import logging
import math
import time
from typing import Any

import numpy as np

from geo.classical.bounds import PRODUCT_MAX_ASSETS, ProductRelaxation
from geo.classical.budget import ColumnBudget
from geo.classical.certificate import attach_bound, lagrangian_cut
from geo.classical.exact_start import WARM_START_KINDS, WARM_START_SHARE, WarmStart, find_warm_start
from geo.classical.miqp import MiqpOutcome, check_solver, make_model, shaved_bound
from geo.classical.scip_model import MIN_POINT_SECONDS
from geo.classical.sdp_diagonal import remove_cached, sdp_diagonal
from geo.classical.unconstrained import ScaledMoments
from geo.core.checkpoint import Checkpoint, restore_snapshot, snapshot
from geo.core.errors import GeoError
from geo.core.results import FrontierPoint
from geo.methods.base import Deadline, MethodRun, ProgressCallback, point_from_selection
from geo.problem.evaluator import SelectionEvaluator

log = logging.getLogger("geo")

# Seconds per point when neither a per-point limit nor a command time limit is given.
DEFAULT_POINT_SECONDS = 60.0
# The SDP diagonal may take at most this share of the command's time limit (without one, one
# point's time): at N ~ 480 SCS can run for an hour, and the points would get nothing.
SDP_TIME_SHARE = 0.1
DIAGONALS = ("sdp", "eigenvalue", "none")
CUTS = ("product", "none")
# With cuts="product": the share of a point's time the solver first gets without the cut, and
# the share of what is then left that the product relaxation (an SDP) may take.
UNCUT_SHARE = 0.2
PRODUCT_SHARE = 0.3
# Share of the smallest eigenvalue moved into the perspective term by the "eigenvalue"
# diagonal; below 1 so that Sigma - delta I stays PSD despite rounding in the eigenvalue.
PERSPECTIVE_SHARE = 0.95


def stopped_at_a_limit(scip_status: str) -> bool:
    """SCIP stopped on a limit it was given (time, nodes, memory, ...) or on an interrupt."""
    return scip_status.endswith("limit") or scip_status == "userinterrupt"


def relative_gap(cost: float, bound: float) -> float:
    """``(cost - bound) / |cost|`` clipped at 0 (a bound above the cost is SCIP's tolerance)."""
    if not (math.isfinite(cost) and math.isfinite(bound)):
        return math.inf
    return max(0.0, cost - bound) / max(abs(cost), 1e-300)


class ExactMethod:
    """Exact frontier by SCIP (``--method exact``); see the module docstring for time and statuses.

    ``diagonal``: "sdp", "eigenvalue" or "none" (the perspective strengthening of SCIP's model);
    ``warm_start``: "local-search", "memo" or "none" (SCIP's starting solution per point);
    ``solver``: "scip" or "gurobi"; ``cuts``: "product" adds the product relaxation's cut to
    SCIP's model (see the module docstring).
    The evaluation budget bounds only the warm start's local search (a fair share per point);
    the other evaluations are the re-pricing of each solution at every column, so that it can
    also start the other targets.
    """

    honours_budget = False
    # ``geo frontier`` solves each target as its own task (geo.orchestration.frontier.spread), in-process as on
    # Dask: a target's answer then never depends on which targets were solved before it, nor where.
    splits_by_target = True
    # The SDP diagonal solved once by the command and carried by the copy each task gets
    # (:meth:`for_tasks`), so that no worker solves it again; None: solve (or look up) here.
    _shared_diagonal = None

    name = "exact"

    def __init__(self, point_time_limit: float | None = None, diagonal: str = "sdp",
                 warm_start: str = "local-search", scip_params: dict[str, Any] | None = None,
                 solver: str = "scip", gurobi_params: dict[str, Any] | None = None,
                 cuts: str = "product") -> None:
        if diagonal not in DIAGONALS:
            raise GeoError(f"unknown perspective diagonal {diagonal!r}", f"use one of {', '.join(DIAGONALS)}")
        if warm_start not in WARM_START_KINDS:
            raise GeoError(f"unknown warm start {warm_start!r}", f"use one of {', '.join(WARM_START_KINDS)}")
        if point_time_limit is not None and not point_time_limit > 0:
            raise GeoError(f"the time limit per point must be positive (got {point_time_limit})",
                           "give seconds, e.g. 60")
        check_solver(solver)
        if cuts not in CUTS:
            raise GeoError(f"unknown cuts {cuts!r}", f"use one of {', '.join(CUTS)}")
        self.point_time_limit = point_time_limit
        self.diagonal = diagonal
        self.warm_start = warm_start
        self.scip_params = scip_params
        self.solver = solver
        self.gurobi_params = gurobi_params
        self.cuts = cuts

    def per_point_limit(self, deadline: Deadline) -> float | None:
        """The cap on each point: the one given, else the default when the command has no deadline."""
        if self.point_time_limit is None and deadline.seconds is None:
            return DEFAULT_POINT_SECONDS
        return self.point_time_limit

    def for_tasks(self, problem: Any, time_limit: float | None, cache_dir: Any = None,
                  kind: str | None = None) -> "ExactMethod":
        """The copy that solves single targets as independent tasks.

        Its cap per point is fixed here (the default is announced once, not once per task) and
        it carries the SDP diagonal, solved once for the command (cached in ``cache_dir``).
        """
        tasks = copy.copy(self)
        if self.point_time_limit is None and time_limit is None:
            _announce_default_limit(self.solver)
            tasks.point_time_limit = DEFAULT_POINT_SECONDS
        if self.diagonal == "sdp" and self.solver == "scip" and kind != "max-sharpe":
            tasks._shared_diagonal = sdp_diagonal(ScaledMoments.of(problem).cov, cache_dir,
                                                  self._sdp_seconds(time_limit))
        return tasks

    def tasks_finished(self, problem: Any, cache_dir: Any) -> None:
        """The command is done: its checkpoint folder goes, and the diagonal cached there with it."""
        if cache_dir is not None:
            remove_cached(ScaledMoments.of(problem).cov, cache_dir)

    def _time_limit(self, deadline: Deadline, points_left: int) -> float | None:
        limits = [x for x in (deadline.share(points_left), self.per_point_limit(deadline))
                  if x is not None and math.isfinite(x)]
        return min(limits) if limits else None

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        if self.point_time_limit is None and deadline.seconds is None:
            _announce_default_limit(self.solver)
        cache_dir = checkpoint.directory if checkpoint else None
        plain = self.solver == "scip" and evaluator.grid.kind != "max-sharpe"  # the models that take a diagonal
        diagonal, diagonal_details = (self._diagonal(evaluator, cache_dir, self._sdp_seconds(deadline.remaining()))
                                      if plain else (None, {}))
        model = make_model(self.solver, evaluator.problem, evaluator.grid.kind, diagonal,
                           self.gurobi_params if self.solver == "gurobi" else self.scip_params)
        n_columns = len(evaluator.grid)
        points: list[FrontierPoint] = []
        saved = checkpoint.load() if checkpoint else None
        if saved is not None:
            points = restore_snapshot(saved, evaluator, rng)["points"]
        known_best = _BestKnown(evaluator)
        column_budget = ColumnBudget(evaluator, budget, n_columns)
        for column in range(len(points), n_columns):
            limit = self._time_limit(deadline, n_columns - column)
            if deadline.expired() or (limit is not None and limit < MIN_POINT_SECONDS):
                points.append(point_from_selection(evaluator, known_best.selection(column), column,
                                                   unsolved_status="time_limit",
                                                   message=f"not solved by {model.name}: the time limit was reached"))
            else:
                points.append(self._solve_point(model, evaluator, known_best, column, limit, rng,
                                                column_budget.start_column(column)))
            log.info("exact: point %d/%d: %s", column + 1, n_columns, _summary(points[-1]))
            if checkpoint:
                # Each point is a SCIP solve of up to its time limit: always worth saving.
                checkpoint.save(snapshot(evaluator, rng, points=points), force=True)
            if progress is not None:
                progress(column + 1, n_columns)
        if cache_dir is not None:  # finished: the checkpoint folder goes, and its cache with it
            remove_cached(ScaledMoments.of(evaluator.problem).cov, cache_dir)
        counts = {s: sum(p.status == s for p in points)
                  for s in ("optimal", "time_limit", "heuristic", "infeasible", "not_found")}
        return MethodRun(points, details={"solver": model.name, "solver_version": model.version,
                                          "point_time_limit": self.per_point_limit(deadline),
                                          "warm_start": self.warm_start,
                                          **diagonal_details, "points": counts})

    def _sdp_seconds(self, time_left: float | None) -> float:
        """What the SDP diagonal may take: a share of the time left, else one point's time."""
        if time_left is not None and math.isfinite(time_left):
            return SDP_TIME_SHARE * time_left
        return self.point_time_limit or DEFAULT_POINT_SECONDS

    def _diagonal(self, evaluator: SelectionEvaluator, cache_dir: Any,
                  seconds: float | None = None) -> tuple[np.ndarray | None, dict[str, Any]]:
        """The perspective diagonal in scaled units, and what to record about it."""
        details: dict[str, Any] = {"diagonal": self.diagonal}
        if self.diagonal == "none":
            return None, details
        cov = ScaledMoments.of(evaluator.problem).cov
        if self.diagonal == "eigenvalue":
            smallest = float(np.linalg.eigvalsh(cov)[0])
            return np.full(len(cov), PERSPECTIVE_SHARE * smallest if smallest > 0 else 0.0), details
        found = self._shared_diagonal or sdp_diagonal(cov, cache_dir, seconds)
        # sdp_seconds is 0 when the diagonal came from the memo or the checkpoint folder.
        details.update({"sdp_status": found.status, "sdp_seconds": round(found.seconds, 3),
                        "diagonal_share": float(found.d.sum() / np.trace(cov))})
        return found.d, details

    def _solve_point(self, model: Any, evaluator: SelectionEvaluator, known_best: "_BestKnown",
                     column: int, limit: float | None, rng: np.random.Generator, stop_at: float) -> FrontierPoint:
        started = time.perf_counter()
        value = float(evaluator.grid.values[column])
        warm = find_warm_start(evaluator, column, known_best.selection(column), self.warm_start, rng,
                               None if limit is None else WARM_START_SHARE * limit, stop_at)
        start = None
        if warm.selection is not None:
            start = (warm.selection, evaluator.solve(warm.selection, column).weights)
        outcome, cut, cut_seconds = self._solve_with_cut(model, evaluator, column, limit, start, started)
        extras: dict[str, Any] = {"solver": model.name, "solver_status": outcome.status,
                                  "solve_seconds": round(outcome.seconds, 4), "nodes": outcome.nodes,
                                  "time_limit_s": limit}
        if cut is not None:
            extras["cut_seconds"] = round(cut_seconds, 4)
        if outcome.warm_start_accepted is not None:
            extras.update(warm_start=outcome.warm_start_accepted, warm_start_source=warm.source,
                          warm_start_seconds=round(warm.seconds, 4))
        for found in (outcome.selection, warm.selection):
            if found is not None:
                known_best.offer(found)
        point = _point_of(evaluator, column, value, outcome, warm, extras, model.scaled.var_scale)
        if cut is not None:
            attach_bound(point, evaluator.grid.kind, cut.bound(), "product")
        return point

    def _solve_with_cut(self, model: Any, evaluator: SelectionEvaluator, column: int, limit: float | None,
                        start: Any, started: float) -> tuple[MiqpOutcome, Any, float]:
        """The solver's outcome at ``column``'s value, the product cut if one was used, and the
        seconds its relaxation took.

        With ``cuts="product"`` the solver first gets ``UNCUT_SHARE`` of what is left (most points
        are proven at once); a point it has not settled by then gets the cut and the rest of
        the time, started from the best portfolio so far. The outcome sums both solves.
        """
        value = float(evaluator.grid.values[column])

        def left() -> float | None:
            return None if limit is None else limit - (time.perf_counter() - started)

        if not self._cuts_apply(evaluator):
            return model.solve(value, left(), start), None, 0.0
        remaining = left()
        first = model.solve(value, None if remaining is None else UNCUT_SHARE * remaining, start)
        if first.status in ("optimal", "infeasible"):
            return first, None, 0.0
        remaining = left()
        relaxation_started = time.perf_counter()
        found = ProductRelaxation(evaluator.problem, evaluator.grid.kind).certificate(
            value, None if remaining is None else PRODUCT_SHARE * remaining)
        cut = None if found is None else lagrangian_cut(evaluator.problem, evaluator.grid.kind, value, found)
        cut_seconds = time.perf_counter() - relaxation_started
        if cut is None:
            return model.solve(value, left(), start), None, cut_seconds
        if first.selection is not None and first.objective < math.inf:
            start = (first.selection, evaluator.solve(first.selection, column).weights)
        second = model.solve(value, left(), start, cut=cut)
        better = second if second.objective <= first.objective else first
        combined = MiqpOutcome(status=second.status, selection=better.selection, objective=better.objective,
                               bound=max(first.bound, second.bound), seconds=first.seconds + second.seconds,
                               nodes=first.nodes + second.nodes, warm_start_accepted=first.warm_start_accepted)
        return combined, cut, cut_seconds

    def _cuts_apply(self, evaluator: SelectionEvaluator) -> bool:
        return (self.cuts == "product" and self.solver == "scip" and evaluator.grid.kind != "max-sharpe"
                and evaluator.problem.n_assets <= PRODUCT_MAX_ASSETS)


def _announce_default_limit(solver: str) -> None:
    log.warning("exact: no time limit given: each target gets at most %g s of %s (a point stopped there is "
                "reported as time_limit with its proven gap); set --time-limit for the whole run",
                DEFAULT_POINT_SECONDS, "Gurobi" if solver == "gurobi" else "SCIP")


def _summary(point: FrontierPoint) -> str:
    """One line about a solved point, for the log (``geo -v``)."""
    extras = point.extras
    text = point.status
    if point.status == "time_limit" and math.isfinite(extras.get("mip_gap", math.inf)):
        text += f" (proven gap {100 * extras['mip_gap']:.3f}%)"
    if "solve_seconds" in extras:
        text += f", {extras['solver']} {extras['solve_seconds']:.1f} s, {extras['nodes']} nodes"
    if "warm_start_seconds" in extras:
        text += f", warm start {extras['warm_start_source']} {extras['warm_start_seconds']:.1f} s"
    if point.feasible:
        text += f", variance {point.variance:.6g}"
    return text


def _point_of(evaluator: SelectionEvaluator, column: int, value: float, outcome: Any, warm: WarmStart,
              extras: dict[str, Any], var_scale: float) -> FrontierPoint:
    """The better of the solver's incumbent and the start, by exact cost, with an honest status.

    The solver's incumbent is at least as good up to its tolerances; the exact re-pricing
    settles near-ties. The solver's bound, shaved by its tolerance, is the point's proven
    ``lower_bound``.
    """
    candidates = [s for s in (outcome.selection, warm.selection) if s is not None]
    costs = [float(evaluator.costs(s, [column])[0, 0]) for s in candidates]
    if not candidates or not math.isfinite(min(costs)):
        if outcome.status == "infeasible":
            return FrontierPoint(parameter=value, status="infeasible", extras={**extras, "proven": True})
        extras["message"] = (f"{extras['solver']} found no portfolio (status {outcome.status}); "
                             "infeasibility is not proven")
        unsolved = "time_limit" if stopped_at_a_limit(outcome.status) else "not_found"
        return FrontierPoint(parameter=value, status=unsolved, extras=extras)
    chosen = candidates[int(np.argmin(costs))]
    cost = min(costs)
    if math.isfinite(outcome.bound):
        extras["best_bound"] = outcome.bound
    extras["mip_gap"] = relative_gap(cost, outcome.bound)
    status = "optimal" if outcome.status == "optimal" else "time_limit"
    point = point_from_selection(evaluator, chosen, column, status=status, **extras)
    if math.isfinite(outcome.bound):
        attach_bound(point, evaluator.grid.kind, shaved_bound(outcome.bound, var_scale), extras["solver"].lower())
    return point


class _BestKnown:
    """The cheapest selection seen per column: the evaluator's memo plus this run's solutions.

    A SCIP solution is priced at every column (closed form, cheap), so it becomes the start of
    neighbouring targets when it beats what the memo had.
    """

    def __init__(self, evaluator: SelectionEvaluator) -> None:
        self.evaluator = evaluator
        rows, self.best_cost = evaluator.best_known()
        self.best: list[np.ndarray | None] = [evaluator.selection_at(row) if math.isfinite(cost) else None
                                              for row, cost in zip(rows, self.best_cost)]

    def offer(self, selection: np.ndarray) -> None:
        costs = self.evaluator.costs(selection)[0]
        for j in np.flatnonzero(costs < self.best_cost):
            self.best[j], self.best_cost[j] = selection.copy(), costs[j]

    def selection(self, column: int) -> np.ndarray | None:
        return self.best[column]
