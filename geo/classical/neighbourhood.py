"""Moves between selections shared by local search and simulated annealing.

In "exact" mode a move swaps one held asset for one not held, so the size stays K. In
"at-most" mode an asset may also be dropped or added, within the problem's feasible sizes.
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
    return np.concatenate(blocks)


def random_neighbour(problem: Problem, selection: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One move drawn uniformly among the allowed kinds (swap, and drop/add in at-most mode)."""
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
    """``count`` uniformly random selections of a feasible size (K in exact mode)."""
    sizes = rng.choice(problem.feasible_sizes, size=count)
    keys = rng.random((count, problem.n_assets))
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    return ranks < sizes[:, None]
