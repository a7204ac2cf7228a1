"""Starting selections for the search heuristics: a first answer for every target, and a
greedy start for one target's search."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from geo.problem.evaluator import SelectionEvaluator
from geo.problem.selection_qp import SelectionQP, solve_bounded
from geo.problem.sharpe_qp import tangency_weights

if TYPE_CHECKING:
    from geo.methods.base import Deadline


# Each evaluator's universe optima by column: a search asks for a target's more than once (its
# first answer, its start, the backward pass), and at N = 477 one costs 65 ms of DAQP.
_UNIVERSE_WEIGHTS: "weakref.WeakKeyDictionary[SelectionEvaluator, dict[int, np.ndarray | None]]" = \
    weakref.WeakKeyDictionary()


def universe_weights(evaluator: SelectionEvaluator, column: int) -> np.ndarray | None:
    """Long-only optimum over the whole universe (no cardinality) at one parameter (read-only).

    Its largest weights are where a K-asset portfolio is likely to live (the idea behind
    the relaxation seeds of the literature, without a cvxpy call on the hot path).
    """
    known = _UNIVERSE_WEIGHTS.setdefault(evaluator, {})
    if column not in known:
        known[column] = _universe_weights(evaluator, column)
        if known[column] is not None:
            known[column].flags.writeable = False
    return known[column]


def _universe_weights(evaluator: SelectionEvaluator, column: int) -> np.ndarray | None:
    problem = evaluator.problem
    w_max = max(problem.w_max, 1.0 / problem.n_assets)
    if evaluator.grid.kind == "max-sharpe":
        return tangency_weights(problem.cov, problem.mu, float(evaluator.grid.values[column]), 0.0, w_max)
    qp = SelectionQP(problem.cov, problem.mu, evaluator.grid.kind, 0.0, w_max)
    return solve_bounded(qp, float(evaluator.grid.values[column]))


def greedy_selection(evaluator: SelectionEvaluator, column: int) -> np.ndarray:
    """The cheapest of a few constructed selections at ``column``; if none is feasible, the
    one whose return range comes closest to the target (a search can walk on from there).

    Candidates: the K largest weights of the universe optimum, completed greedily (adding the
    asset that lowers the cost most) when that optimum holds fewer than K assets; and the K
    highest-return assets, which reach every attainable target. With holdings, the held names
    themselves (when their number is allowed), and every candidate moved back within
    ``max_changes`` (the universe optimum's smallest weights go first).
    """
    problem = evaluator.problem
    size = max(problem.feasible_sizes)
    candidates = []
    weights = universe_weights(evaluator, column)
    if weights is not None:
        order = np.argsort(-weights, kind="stable")
        held = order[: min(size, int(np.sum(weights > 1e-9)))]
        candidates.append(_complete_greedily(evaluator, column, held, size))
    top_return = np.zeros(problem.n_assets, dtype=bool)
    top_return[np.argsort(-problem.mu, kind="stable")[:size]] = True
    candidates.append(top_return)
    if problem.cardinality == "at-most" and candidates[0] is not None:
        for smaller in problem.feasible_sizes:
            if weights is not None and smaller < size:
                sel = np.zeros(problem.n_assets, dtype=bool)
                sel[np.argsort(-weights, kind="stable")[:smaller]] = True
                candidates.append(sel)
    if problem.holdings is not None:
        held = problem.holdings.held
        if problem.valid_size(int(held.sum())):
            candidates.append(held.copy())
        candidates = [None if c is None else problem.holdings.repair(c, problem.feasible_sizes, keep=weights)
                      for c in candidates]
    stack = np.array([c for c in candidates if c is not None])
    costs = evaluator.costs(stack, [column])[:, 0]
    if np.isfinite(costs).any():
        return stack[int(np.argmin(costs))].copy()
    return stack[int(np.argmin(evaluator.reach_gap(stack, column)))].copy()


def _complete_greedily(evaluator: SelectionEvaluator, column: int, held: np.ndarray, size: int) -> np.ndarray:
    problem = evaluator.problem
    selection = np.zeros(problem.n_assets, dtype=bool)
    selection[held] = True
    while selection.sum() < size:
        free = np.flatnonzero(~selection)
        trials = np.repeat(selection[None, :], len(free), axis=0)
        trials[np.arange(len(free)), free] = True
        if trials[0].sum() in problem.feasible_sizes:
            # under max_changes only the trials within it are priced (the others would be screened)
            inside = problem.within_changes(trials)
            costs = np.full(len(trials), np.inf)
            costs[inside] = evaluator.costs(trials[inside], [column])[:, 0]
        else:
            # Intermediate sizes are not priced (not allowed in exact mode): prefer low variance.
            costs = np.diag(problem.cov)[free]
        selection[free[int(np.argmin(costs))]] = True
    return selection


def starting_selection(evaluator: SelectionEvaluator, column: int,
                       previous: np.ndarray | None) -> tuple[np.ndarray, float]:
    """The better of the greedy construction and the previous target's answer, with its cost.

    Sweeping the frontier target by target, the previous answer is usually one or two swaps
    from the next optimum, so it is the natural warm start.
    """
    starts = np.array([s for s in (greedy_selection(evaluator, column), previous) if s is not None])
    costs = evaluator.costs(starts, [column])[:, 0]
    best = int(np.argmin(costs)) if np.isfinite(costs).any() else 0
    return starts[best].copy(), float(costs[best])


def answer_every_target(evaluator: SelectionEvaluator, deadline: "Deadline | None" = None) -> list[np.ndarray | None]:
    """A first answer at every target for one evaluation each, before any search improves on them.

    Target by target along the frontier, the previous target's answer re-priced where it still
    reaches the target; where it does not (or at the first target), the first of a few
    constructions (:func:`first_constructions`) that reaches it. Whether a selection reaches a
    target is read from its attainable returns, which costs no evaluation, so each target costs
    at most one: a budgeted method answers every target as soon as its budget allows one
    evaluation per target. None where the budget or the time ran out first, or nothing reaches.
    """
    answers: list[np.ndarray | None] = []
    previous: np.ndarray | None = None
    for column in range(len(evaluator.grid)):
        if evaluator.remaining < 1 or (deadline is not None and deadline.expired()):
            answers.extend([None] * (len(evaluator.grid) - column))
            break
        reaching = previous is not None and evaluator.reach_gap(previous, column)[0] == 0
        candidates = previous[None, :] if reaching else first_constructions(evaluator, column)
        gaps = evaluator.reach_gap(candidates, column)
        answer = None
        if np.any(gaps == 0):
            choice = candidates[int(np.flatnonzero(gaps == 0)[0])]
            if np.isfinite(evaluator.costs(choice, [column])[0, 0]):
                answer = previous = choice.copy()
        answers.append(answer)
    return answers


def first_constructions(evaluator: SelectionEvaluator, column: int) -> np.ndarray:
    """Cheap selections of the largest allowed size for one target, none of them priced: the
    largest weights of the universe optimum; the same with its last asset swapped for the
    lowest- and for the highest-return asset (to stretch its return range down or up); and the
    highest-return assets, which reach every attainable target."""
    problem = evaluator.problem
    size = max(problem.feasible_sizes)
    by_return = np.argsort(problem.mu, kind="stable")
    rows = []
    weights = universe_weights(evaluator, column)
    if weights is not None:
        held = np.argsort(-weights, kind="stable")[:size]
        rows.append(held)
        for extreme in (by_return[0], by_return[-1]):
            if extreme not in held:
                rows.append(np.append(held[:-1], extreme))
    rows.append(by_return[-size:])
    selections = np.zeros((len(rows), problem.n_assets), dtype=bool)
    for row, assets in enumerate(rows):
        selections[row, assets] = True
    return selections
