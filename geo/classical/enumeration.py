"""Exhaustive enumeration: every allowed selection priced, so every point is proven optimal.

Only for small universes (C(N, K) selections: 15,504 for N = 20, K = 5). It is the ground
truth the heuristics are tested against, and a fine method for a 20-stock universe.

With the holdings' ``max_changes`` M only the selections within M changes of the H held names
are generated: d names sold and b bought with d + b <= M, C(H, d) C(N - H, b) of each, so a
small M makes a large universe enumerable.

Each point's ``lower_bound`` is its cost less ``PRICE_TOLERANCE`` of it: the optimum is the
least of the priced costs, each the exact solution of a K-variable QP in floating point (the
evaluator's prices agree with independent solvers to 1e-9 and better, see the tests), so the
bound is proven up to that pricing accuracy.
"""

from __future__ import annotations

import itertools
from math import comb
from typing import Iterator

import numpy as np

from geo.classical.certificate import attach_bound, point_cost
from geo.methods.base import Deadline, MethodRun, ProgressCallback, heuristic_points
from geo.core.errors import GeoError
from geo.core.checkpoint import Checkpoint, restore_snapshot, snapshot
from geo.problem.evaluator import SelectionEvaluator
from geo.problem.problem import Problem

MAX_SELECTIONS = 2_000_000
BATCH = 20_000
# Relative accuracy of a priced cost, shaved off the enumerated optimum to make its lower bound.
PRICE_TOLERANCE = 1e-9


def count_selections(problem: Problem) -> int:
    if problem.limits_changes:
        return sum(comb(held, sold) * comb(problem.n_assets - held, bought)
                   for held, sold, bought in _change_counts(problem))
    return sum(comb(problem.n_assets, size) for size in problem.feasible_sizes)


def all_selections(problem: Problem, batch: int = BATCH) -> Iterator[np.ndarray]:
    """Every selection of an allowed size (within ``max_changes`` of the holdings), in batches
    (boolean rows)."""
    rows: list[np.ndarray] = []
    for combo in _combinations(problem):
        selection = np.zeros(problem.n_assets, dtype=bool)
        selection[list(combo)] = True
        rows.append(selection)
        if len(rows) == batch:
            yield np.array(rows)
            rows = []
    if rows:
        yield np.array(rows)


def _combinations(problem: Problem) -> Iterator[tuple[int, ...]]:
    if not problem.limits_changes:
        for size in problem.feasible_sizes:
            yield from itertools.combinations(range(problem.n_assets), size)
        return
    held = np.flatnonzero(problem.holdings.held)
    others = np.flatnonzero(~problem.holdings.held)
    for _, sold, bought in _change_counts(problem):
        for gone in itertools.combinations(range(len(held)), sold):
            kept = np.delete(held, gone)
            for new in itertools.combinations(others, bought):
                yield (*kept, *new)


def _change_counts(problem: Problem) -> Iterator[tuple[int, int, int]]:
    """``(held, sold, bought)`` for every allowed size reachable within ``max_changes``."""
    held = problem.holdings.n_held
    limit = problem.holdings.max_changes
    for size in problem.feasible_sizes:
        for sold in range(max(0, held - size), min(held, limit) + 1):
            bought = size - held + sold
            if 0 <= bought <= problem.n_assets - held and sold + bought <= limit:
                yield held, sold, bought


class EnumerationMethod:
    """Price every selection (``--method enumeration``); refuses universes that are too large."""

    honours_budget = False

    name = "enumeration"

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        problem = evaluator.problem
        total = count_selections(problem)
        if total > MAX_SELECTIONS:
            raise GeoError(f"enumeration would price {total:,} selections (limit {MAX_SELECTIONS:,})",
                           "use --method exact or a heuristic for this universe")
        n_columns = len(evaluator.grid)
        best = np.full(n_columns, np.inf)
        chosen: list[np.ndarray | None] = [None] * n_columns
        done = 0
        saved = checkpoint.load() if checkpoint else None
        if saved is not None:
            state = restore_snapshot(saved, evaluator, rng)
            best, chosen, done = state["best"], state["chosen"], state["done"]
        for index, batch in enumerate(all_selections(problem)):
            if index * BATCH < done:
                continue  # priced before the interruption
            if deadline.expired():
                break
            costs = evaluator.costs(batch)
            rows = np.argmin(costs, axis=0)
            for j, row in enumerate(rows):
                if costs[row, j] < best[j]:
                    best[j], chosen[j] = costs[row, j], batch[row].copy()
            done += len(batch)
            if checkpoint:
                checkpoint.save(snapshot(evaluator, rng, best=best, chosen=chosen, done=done))
            if progress:
                progress(done, total)
        complete = done == total
        points = heuristic_points(evaluator, deadline)
        for point in points:
            if complete:
                # Every selection was priced: the best is optimal, an empty point is infeasible.
                point.status = "optimal" if point.feasible else "infeasible"
                if point.feasible:
                    cost = point_cost(evaluator.grid.kind, point)
                    scale = max(abs(cost), float(np.min(np.diag(problem.cov))))
                    attach_bound(point, evaluator.grid.kind, cost - PRICE_TOLERANCE * scale, "enumeration")
        return MethodRun(points, {"selections": total, "complete": complete})
