"""Moves between selections shared by local search and simulated annealing.

In "exact" mode a move swaps one held asset for one not held, so the size stays K. In
"at-most" mode an asset may also be dropped or added, within the problem's feasible sizes.
With the holdings' ``max_changes`` (:mod:`geo.problem.holdings`) a move never leaves the
selections within M changes of the held names: from inside, every search stays inside.
"""

from __future__ import annotations

import numpy as np

from geo.problem.problem import Problem


def all_neighbours(problem: Problem, selection: np.ndarray) -> np.ndarray:
    """Every selection one move away (rows of a boolean array)."""
    held = np.flatnonzero(selection)
    free = np.flatnonzero(~selection)
    swaps = np.repeat(selection[None, :], len(held) * len(free), axis=0)
    rows = np.arange(len(swaps))
    swaps[rows, np.repeat(held, len(free))] = False
    swaps[rows, np.tile(free, len(held))] = True
    blocks = [swaps]
    if problem.cardinality == "at-most":
        size = len(held)
        if size - 1 in problem.feasible_sizes:
            drops = np.repeat(selection[None, :], size, axis=0)
            drops[np.arange(size), held] = False
            blocks.append(drops)
        if size + 1 in problem.feasible_sizes:
            adds = np.repeat(selection[None, :], len(free), axis=0)
            adds[np.arange(len(free)), free] = True
            blocks.append(adds)
    neighbours = np.concatenate(blocks)
    if problem.limits_changes:
        neighbours = neighbours[problem.holdings.allows(neighbours)]
    return neighbours


def random_neighbour(problem: Problem, selection: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One move drawn uniformly among the allowed kinds (swap, and drop/add in at-most mode)."""
    if problem.limits_changes:
        return _random_neighbour_within_changes(problem, selection, rng)
    held = np.flatnonzero(selection)
    free = np.flatnonzero(~selection)
    kinds = ["swap"] if len(free) else []
    if problem.cardinality == "at-most":
        if len(held) - 1 in problem.feasible_sizes:
            kinds.append("drop")
        if len(held) + 1 in problem.feasible_sizes and len(free):
            kinds.append("add")
    neighbour = selection.copy()
    if not kinds:
        return neighbour
    kind = kinds[rng.integers(len(kinds))]
    if kind in ("swap", "drop"):
        neighbour[held[rng.integers(len(held))]] = False
    if kind in ("swap", "add"):
        neighbour[free[rng.integers(len(free))]] = True
    return neighbour


def random_selections(problem: Problem, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` uniformly random selections of a feasible size (K in exact mode), each moved
    back within the holdings' ``max_changes`` when there is such a limit."""
    sizes = rng.choice(problem.feasible_sizes, size=count)
    keys = rng.random((count, problem.n_assets))
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    selections = ranks < sizes[:, None]
    if problem.limits_changes:
        selections = problem.holdings.repair_all(selections, problem.feasible_sizes, rng)
    return selections


def _random_neighbour_within_changes(problem: Problem, selection: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """:func:`random_neighbour` among the moves that stay within ``max_changes``.

    A name dropped costs a change if it is held (a sale) and gives one back if it was bought;
    a name added costs one unless it was sold. With ``slack`` changes left, a swap may not cost
    more than ``slack`` (0 or 2), a drop or an add not more than ``slack`` (1). Each allowed
    move is drawn uniformly within its kind.
    """
    holdings = problem.holdings
    slack = holdings.max_changes - int(holdings.changes(selection)[0])
    inside, outside = selection, ~selection
    kept, bought = np.flatnonzero(inside & holdings.held), np.flatnonzero(inside & ~holdings.held)
    sold, fresh = np.flatnonzero(outside & holdings.held), np.flatnonzero(outside & ~holdings.held)
    # swap classes (drop from, add from, change cost): allowed while the cost fits the slack
    swaps = [(d, a) for d, a, cost in ((bought, sold, -2), (bought, fresh, 0), (kept, sold, 0), (kept, fresh, 2))
             if cost <= slack and len(d) and len(a)]
    drops = [d for d, cost in ((bought, -1), (kept, 1)) if cost <= slack and len(d)]
    adds = [a for a, cost in ((sold, -1), (fresh, 1)) if cost <= slack and len(a)]
    kinds = ["swap"] if swaps else []
    if problem.cardinality == "at-most":
        if len(kept) + len(bought) - 1 in problem.feasible_sizes and drops:
            kinds.append("drop")
        if len(kept) + len(bought) + 1 in problem.feasible_sizes and adds:
            kinds.append("add")
    neighbour = selection.copy()
    if not kinds:
        return neighbour
    kind = kinds[rng.integers(len(kinds))]
    drop_from, add_from = None, None
    if kind == "swap":
        sizes = np.array([len(d) * len(a) for d, a in swaps], dtype=float)
        drop_from, add_from = swaps[rng.choice(len(swaps), p=sizes / sizes.sum())]
    elif kind == "drop":
        drop_from = np.concatenate(drops)
    else:
        add_from = np.concatenate(adds)
    if drop_from is not None:
        neighbour[drop_from[rng.integers(len(drop_from))]] = False
    if add_from is not None:
        neighbour[add_from[rng.integers(len(add_from))]] = True
    return neighbour

