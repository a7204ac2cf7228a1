"""Continuous relaxation of the cardinality MIQP, rounded to selections and priced exactly.

Relaxation (per grid value, z relaxed from {0,1} to [0,1]):
    min risk  s.t.  sum(w) = 1,  w_min z <= w <= w_max z,  sum(z) <= K (or == K),  mu'w = r
(or the risk-aversion cost). It is compiled once with cvxpy as a parametrised problem and
re-solved per grid value with Clarabel. Its optimum is a lower bound on the cardinality-
constrained optimum at that value, reported as ``relaxation_bound`` in each point's extras.

Caveat: with z free in [0,1] the relaxation is weak: ``z = w / w_max`` satisfies the linking
constraints and ``sum(z) = 1/w_max <= K``, so for plain bounds it is the UEF. The relaxed
weights are still a good ranking of assets, which is all the rounding uses.

Rounding (candidates per grid value):
- the K largest relaxed weights, and the K largest relaxed z;
- in at-most mode with ``w_min > 0``: the s largest weights for every other feasible size s
  (a held-asset minimum can make a smaller support better; with ``w_min = 0`` adding assets
  never hurts, so size K dominates);
- ``roundings`` randomised ones: K assets drawn without replacement with probability
  proportional to the relaxed weights (a small floor lets zero-weight assets in).
Before any relaxation, every target gets a cheap first answer (one evaluation each, so a small
budget still answers the whole frontier). Every candidate is priced by the evaluator at *all*
grid columns (a candidate rounded for one target serves every other target), and each point
takes the cheapest selection priced for its column.

Holdings (:mod:`geo.problem.holdings`): ``max_changes`` is a linear row on the relaxed z
(``sum_{held}(1 - z_i) + sum_{not held} z_i <= M``) and the candidates are moved back within it;
a turnover penalty adds ``kappa * ||w - h||_1`` to the relaxed objective, so the bound stays one.
The max-Sharpe objective has no convex relaxation here (its homogenised bounds multiply z by
the scale variable), so it is refused.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from geo.classical.construction import answer_every_target
from geo.methods.base import Deadline, MethodRun, ProgressCallback, best_known_selections, point_from_selection
from geo.classical.unconstrained import CLARABEL_OPTIONS, ScaledMoments, scaled_risk_aversion
from geo.core.errors import GeoError
from geo.problem.evaluator import SelectionEvaluator, selection_keys
from geo.problem.problem import Problem
from geo.problem.sector_caps import sector_cap_rows

DEFAULT_ROUNDINGS = 8
# Share of the sampling probability spread evenly over all assets, so that a randomised
# rounding can pick assets the relaxation left at zero (and always has K to choose from).
SAMPLING_FLOOR = 0.02


class RelaxedProblem:
    """The relaxed MIQP for one problem and objective form, re-solved per grid value."""

    def __init__(self, problem: Problem, kind: str) -> None:
        import cvxpy as cp  # lazy: ~1 s import

        if kind == "max-sharpe":
            raise GeoError("the relaxation method has no convex relaxation of the max-Sharpe selection",
                           "use --method enumeration, exact, local-search, annealing or geo")
        self.problem, self.kind = problem, kind
        self.scaled = ScaledMoments.of(problem)
        n = problem.n_assets
        self.weights = cp.Variable(n)
        self.held = cp.Variable(n)  # the relaxed selection z
        risk = cp.sum_squares(self.scaled.factor.T @ self.weights)
        count = cp.sum(self.held)
        constraints = [cp.sum(self.weights) == 1, self.held >= 0, self.held <= 1,
                       self.weights >= problem.w_min * self.held, self.weights <= problem.w_max * self.held,
                       count == problem.k if problem.cardinality == "exact" else count <= problem.k]
        constraints += [cp.sum(self.weights[members]) <= cap for members, cap in sector_cap_rows(problem)]
        holdings = problem.holdings
        if problem.limits_changes:
            held = holdings.held.astype(float)
            constraints.append((1 - held) @ self.held + held @ (1 - self.held) <= holdings.max_changes)
        # kappa in the scaled objective's units: set per grid value (it depends on lambda)
        self.penalty_weight = cp.Parameter(nonneg=True)
        penalty = self.penalty_weight * cp.norm1(self.weights - holdings.weights) if problem.penalised else 0
        if kind == "target-return":
            self.parameter = cp.Parameter()
            constraints.append(self.scaled.mu @ self.weights == self.parameter)
            self.objective = risk + penalty
        else:
            self.parameter = cp.Parameter(nonneg=True)
            self.complement = cp.Parameter(nonneg=True)
            self.objective = self.parameter * risk - self.complement * (self.scaled.mu @ self.weights) + penalty
        self.cvx_problem = cp.Problem(cp.Minimize(self.objective), constraints)
        self.proven_infeasible = False  # set by solve(): was the last value certified infeasible?

    def solve(self, value: float) -> tuple[np.ndarray, np.ndarray, float] | None:
        """Relaxed ``(w, z, bound)`` at one grid value (bound in cost units), None if unsolved."""
        import cvxpy as cp

        if self.kind == "target-return":
            self.parameter.value = value / self.scaled.mu_scale
            unit = self.scaled.var_scale
        else:
            self.parameter.value, self.complement.value = scaled_risk_aversion(value, self.scaled)
            unit = max(value * self.scaled.var_scale, (1 - value) * self.scaled.mu_scale) or 1.0
        holdings = self.problem.holdings
        self.penalty_weight.value = holdings.turnover_penalty / unit if self.problem.penalised else 0.0
        self.proven_infeasible = False
        try:
            self.cvx_problem.solve(solver=cp.CLARABEL, **CLARABEL_OPTIONS)
        except cp.SolverError:
            return None
        if self.cvx_problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            # A certified infeasible relaxation proves the MIQP infeasible (it is a superset).
            self.proven_infeasible = self.cvx_problem.status == cp.INFEASIBLE
            return None
        weights = np.clip(np.asarray(self.weights.value, dtype=float), 0.0, None)
        held = np.clip(np.asarray(self.held.value, dtype=float), 0.0, 1.0)
        return weights, held, self._bound(weights, value)

    def _bound(self, weights: np.ndarray, value: float) -> float:
        """The relaxed optimum in the problem's own cost units (variance, or the lambda cost)."""
        variance = float(weights @ self.problem.cov @ weights)
        penalty = self.problem.holdings.penalty(weights) if self.problem.holdings is not None else 0.0
        if self.kind == "target-return":
            return variance + penalty
        return value * variance - (1 - value) * float(self.problem.mu @ weights) + penalty


def _largest(scores: np.ndarray, size: int, n: int) -> np.ndarray:
    """Selection of the ``size`` largest scores (ties: lower index first, reproducible)."""
    selection = np.zeros(n, dtype=bool)
    selection[np.argsort(-scores, kind="stable")[:size]] = True
    return selection


def round_relaxed(problem: Problem, weights: np.ndarray, held: np.ndarray, rng: np.random.Generator,
                  roundings: int) -> list[np.ndarray]:
    """Candidate selections from one relaxed solution: deterministic ones first, then random."""
    n, k = problem.n_assets, problem.k
    # Ranking by weight, ties (e.g. many zeros in exact mode) broken by z: fills up to K assets.
    by_weight = weights + 1e-12 * held
    candidates = [_largest(by_weight, k, n), _largest(held + 1e-12 * weights, k, n)]
    if problem.cardinality == "at-most" and problem.w_min > 0:
        candidates += [_largest(by_weight, s, n) for s in problem.feasible_sizes if s != k]
    probability = (1 - SAMPLING_FLOOR) * weights / max(weights.sum(), 1e-300) + SAMPLING_FLOOR / n
    probability /= probability.sum()
    for _ in range(roundings):
        selection = np.zeros(n, dtype=bool)
        selection[rng.choice(n, size=k, replace=False, p=probability)] = True
        candidates.append(selection)
    if problem.limits_changes:
        candidates = [problem.holdings.repair(c, problem.feasible_sizes, keep=weights) for c in candidates]
    return [c for c in candidates if problem.valid_size(int(c.sum()))]


def _relaxed_rounds(evaluator: SelectionEvaluator, rng: np.random.Generator, roundings: int,
                    deadline: Deadline | None) -> Iterator[tuple[int, float | None, bool, list[np.ndarray]]]:
    """Per grid column: ``(column, bound or None, proven infeasible, candidates)``; stops at the deadline."""
    relaxed = RelaxedProblem(evaluator.problem, evaluator.grid.kind)
    for column, value in enumerate(evaluator.grid.values):
        if deadline is not None and deadline.expired():
            return
        solution = relaxed.solve(float(value))
        if solution is None:
            yield column, None, relaxed.proven_infeasible, []
            continue
        weights, held, bound = solution
        yield column, bound, False, round_relaxed(evaluator.problem, weights, held, rng, roundings)


def _unique(selections: list[np.ndarray], n: int) -> np.ndarray:
    if not selections:
        return np.zeros((0, n), dtype=bool)
    return np.unique(np.array(selections, dtype=bool), axis=0)


def relaxation_candidates(evaluator: SelectionEvaluator, rng: np.random.Generator,
                          roundings: int = DEFAULT_ROUNDINGS, deadline: Deadline | None = None) -> np.ndarray:
    """The rounded candidate pool (unique boolean rows, valid sizes), not yet priced.

    GEO seeds its pool from this; the caller prices it (``evaluator.costs``) within its budget.
    """
    pool = [c for _, _, _, batch in _relaxed_rounds(evaluator, rng, roundings, deadline) for c in batch]
    return _unique(pool, evaluator.problem.n_assets)


class RelaxationMethod:
    """Relax, round, price exactly: a fast heuristic frontier (``--method relaxation``)."""

    name = "relaxation"

    def __init__(self, roundings: int = DEFAULT_ROUNDINGS) -> None:
        self.roundings = roundings

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: object = None) -> MethodRun:
        # Seconds of work: an interrupted run simply starts again, so no checkpoint is kept.
        n, n_columns = evaluator.problem.n_assets, len(evaluator.grid)
        spent_before = evaluator.n_evaluations
        bounds: list[float | None] = [None] * n_columns
        priced: set[bytes] = set()
        pool: list[np.ndarray] = []
        stopped_by = None
        reached: set[int] = set()  # columns whose relaxation was attempted
        infeasible: set[int] = set()  # columns whose relaxation was certified infeasible
        with evaluator.spending(budget):
            answer_every_target(evaluator, deadline)  # a first answer everywhere, one evaluation each
        for column, bound, proven_infeasible, batch in _relaxed_rounds(evaluator, rng, self.roundings, deadline):
            bounds[column] = bound
            reached.add(column)
            if proven_infeasible:
                infeasible.add(column)
            unique = _unique(batch, n)
            fresh = [c for c, key in zip(unique, selection_keys(unique)) if key not in priced]
            if budget is not None:
                # A new selection costs at most one evaluation per column: price only what fits.
                room = max(0, budget - (evaluator.n_evaluations - spent_before)) // n_columns
                if room < len(fresh):
                    fresh, stopped_by = fresh[:room], "budget"
            if fresh:
                evaluator.costs(np.array(fresh))
                priced.update(selection_keys(np.array(fresh)))
                pool.extend(fresh)
            if progress is not None:
                progress(column + 1, n_columns)
            if stopped_by:
                break
        if stopped_by is None and deadline.expired():
            stopped_by = "time_limit"
        candidates = _unique(pool, n)
        best = best_known_selections(evaluator)
        points = [point_from_selection(evaluator, selection, j,
                                       unsolved_status=_unsolved(j, reached, infeasible, stopped_by),
                                       **_bound_extras(bounds[j]))
                  for j, selection in enumerate(best)]
        details: dict[str, Any] = {"candidates": int(len(candidates)), "roundings": self.roundings,
                                   "solver": "CLARABEL"}
        if stopped_by:
            details["stopped_by"] = stopped_by
        return MethodRun(points, details=details)


def _unsolved(column: int, reached: set[int], infeasible: set[int], stopped_by: str | None) -> str:
    """Status of a column that no candidate serves.

    A certified infeasible relaxation proves the MIQP infeasible; a column never reached
    because time ran out is ``time_limit``; otherwise nothing feasible was found.
    """
    if column in infeasible:
        return "infeasible"
    if column not in reached and stopped_by == "time_limit":
        return "time_limit"
    return "not_found"


def _bound_extras(bound: float | None) -> dict[str, Any]:
    return {} if bound is None else {"relaxation_bound": bound}
