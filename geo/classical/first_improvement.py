"""First-improvement swap descent in a given order, and the classical order: reduced costs.

Steepest descent (:func:`geo.classical.local_search.descend`) prices the whole neighbourhood
(K (N - K) swaps, 21,350 for 50 of 477 assets) before every move. First improvement prices the
neighbours in an order of promise and moves as soon as one improves; a good order finds an
improving move after a few prices, and the local optimum it stops at is a true one (at the end
the whole neighbourhood has been priced and none improves). The order is the caller's: a
learned model's ratios (GEO's guided descent), the QP's reduced costs (:func:`reduced_cost_scores`,
this module's classical order), or none (random order, the control).

Neighbours are priced in chunks of growing size (the evaluator prices a batch far faster than
one at a time); within a chunk already paid for, the best improving neighbour is taken.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from geo.classical.local_search import IMPROVEMENT_RTOL, descend
from geo.classical.neighbourhood import all_neighbours
from geo.methods.base import Deadline
from geo.problem.evaluator import SelectionEvaluator

NeighbourOrder = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``order(current, neighbours)`` -> a score per neighbour (higher: priced first)."""

FIRST_CHUNK = 16
CHUNK_GROWTH = 2


def ranked(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices by decreasing score, ties in random order: equal scores (a uniform model) then
    give a random order, a fair control, instead of the listing order."""
    shuffle = rng.permutation(len(scores))
    return shuffle[np.argsort(-np.asarray(scores, dtype=float)[shuffle], kind="stable")]


def chunks(count: int, first: int = FIRST_CHUNK, growth: int = CHUNK_GROWTH) -> list[slice]:
    """Consecutive slices of ``range(count)`` of growing size: a good order moves after the first."""
    parts, start, size = [], 0, first
    while start < count:
        parts.append(slice(start, min(count, start + size)))
        start, size = start + size, size * growth
    return parts


def first_improvement_descent(evaluator: SelectionEvaluator, selection: np.ndarray, column: int,
                              rng: np.random.Generator, order: NeighbourOrder | None = None,
                              stop_at: float = np.inf, deadline: Deadline | None = None,
                              stats: dict[str, int] | None = None) -> tuple[np.ndarray, float]:
    """Descend from ``selection`` at one target, moving to the first improving neighbour in
    ``order`` (random order when None); returns the local optimum and its cost.

    From an infeasible start it first walks to feasibility as steepest descent does. Stops at
    ``stop_at`` evaluations, the evaluator's limit or the deadline (then the selection may not
    be a local optimum). ``stats["moves"]`` counts the moves, ``stats["priced"]`` the
    neighbours priced (memo hits included).
    """
    stats = {} if stats is None else stats
    current = selection.copy()
    cost = float(evaluator.costs(current, [column])[0, 0])
    if not np.isfinite(cost):  # reach feasibility the plain way first
        current, cost = descend(evaluator, current, column, rng, stop_at, deadline, stats)
        if not np.isfinite(cost):
            return current, cost
    while _has_room(evaluator, stop_at, deadline):
        neighbours = all_neighbours(evaluator.problem, current)
        scores = np.zeros(len(neighbours)) if order is None else order(current, neighbours)
        queue = ranked(scores, rng)
        moved = False
        for part in chunks(len(queue)):
            if not _has_room(evaluator, stop_at, deadline):
                break
            batch = queue[part]
            left = stop_at - evaluator.n_evaluations
            if left < len(batch):
                batch = batch[: int(max(left, 1))]
            cutoff = cost - IMPROVEMENT_RTOL * abs(cost)
            costs = evaluator.neighbourhood_costs(current, neighbours[batch], column, cutoff=cutoff)
            stats["priced"] = stats.get("priced", 0) + len(batch)
            best = int(np.argmin(costs))
            if costs[best] < cutoff:
                current, cost, moved = neighbours[batch[best]].copy(), float(costs[best]), True
                stats["moves"] = stats.get("moves", 0) + 1
                break
        if not moved:
            break
    return current, cost


def _has_room(evaluator: SelectionEvaluator, stop_at: float, deadline: Deadline | None) -> bool:
    return (evaluator.n_evaluations < min(stop_at, evaluator.limit)
            and not (deadline is not None and deadline.expired()))


def reduced_cost_scores(evaluator: SelectionEvaluator, column: int) -> NeighbourOrder | None:
    """The classical order at one target: each move scored by a second-order estimate of the
    cost change it makes, from the gradient of the objective at the current weights.

    At the current optimum the held assets strictly inside their bounds satisfy
    ``g_i = nu + gamma mu_i`` (KKT; ``g`` the gradient, ``nu`` and ``gamma`` the multipliers of
    the budget and return constraints, fitted to them by least squares). The reduced cost
    ``d_j = g_j - nu - gamma mu_j`` of an asset says how much shifting weight onto it changes the
    cost at first order. A move's estimated change is what removing an asset costs,
    ``q (w_i^2 S_ii) - w_i d_i``, plus what adding one gains, ``-d_j^2 / (4 q S_jj)`` when
    ``d_j < 0``; the score is minus that (``q`` the weight of the variance in the cost).
    The max-Sharpe cost has no such linear multipliers: there the order is random (None). A
    turnover penalty is left out of the estimate; the order is then rougher, the descent as exact.
    """
    problem, grid = evaluator.problem, evaluator.grid
    if grid.kind == "max-sharpe":
        return None
    parameter = float(grid.values[column])
    variance_weight = 1.0 if grid.kind == "target-return" else max(parameter, 1e-12)
    diagonal = np.diag(problem.cov)

    def scores(current: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
        weights = evaluator.solve(current, column).weights
        reduced = _reduced_costs(problem, grid.kind, parameter, variance_weight, current, weights)
        removal = variance_weight * weights**2 * diagonal - weights * reduced
        gain = np.where(reduced < 0, reduced**2 / (4 * variance_weight * np.maximum(diagonal, 1e-300)), 0.0)
        left = current & ~neighbours  # the asset a move drops (none for an add)
        entered = neighbours & ~current  # the asset it adds (none for a drop)
        change = left @ removal - entered @ gain
        return -change

    return scores


def _reduced_costs(problem, kind: str, parameter: float, variance_weight: float, current: np.ndarray,
                   weights: np.ndarray) -> np.ndarray:
    gradient = 2.0 * variance_weight * (problem.cov @ weights)
    if kind != "target-return":
        gradient = gradient - (1.0 - parameter) * problem.mu
    held = np.flatnonzero(current)
    inside = held[(weights[held] > problem.w_min + 1e-12) & (weights[held] < problem.w_max - 1e-12)]
    fit_on = inside if len(inside) else held
    columns = [np.ones(len(fit_on))]
    if kind == "target-return" and len(fit_on) > 1:
        columns.append(problem.mu[fit_on])
    design = np.column_stack(columns)
    multipliers, *_ = np.linalg.lstsq(design, gradient[fit_on], rcond=None)
    reduced = gradient - multipliers[0]
    if len(multipliers) > 1:
        reduced = reduced - multipliers[1] * problem.mu
    return reduced
