"""Compile every pricing kernel once, into numba's on-disk cache (``make install`` runs this).

Compiling them from nothing takes tens of seconds of CPU; with the cache filled, a process only
loads them (under a second). The evaluator's kernels are compiled by running the evaluator on a
tiny problem, so the cache holds exactly the argument types the package passes; the kernels
called from Python elsewhere (the critical line's walk, the polish of DAQP answers, the batched
active-set step) are called here directly, with the types their callers pass.
tests/problem/test_warm_up.py checks that a varied workload compiles nothing more.
"""

from __future__ import annotations

import numpy as np

from geo.problem.compiled_qp import price_at_weights, settle_pairs
from geo.problem.compiled_walk import walk_selection
from geo.problem.evaluator import SelectionEvaluator
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem

N_ASSETS = 70  # more than 64: two-word memo keys, and enough selections to grow the memo's table


def warm_up() -> None:
    _compile_evaluator()
    _compile_direct_calls()


def _compile_evaluator() -> None:
    rng = np.random.default_rng(0)
    factor = rng.normal(size=(N_ASSETS, 4))
    problem = Problem(mu=np.linspace(0.01, 0.02, N_ASSETS), cov=factor @ factor.T / 4 + 0.1 * np.eye(N_ASSETS), k=3,
                      w_max=0.6)
    low, high = problem.return_range()
    selections = np.zeros((40, N_ASSETS), dtype=bool)
    for row in range(len(selections)):
        selections[row, rng.choice(N_ASSETS, 3, replace=False)] = True
    current = selections[0]
    outside = np.flatnonzero(~current)[:4]
    drops = np.array([np.flatnonzero(current)[0]] * 3 + [-1], dtype=np.int64)  # three swaps and an add
    for grid in (ObjectiveGrid.target_returns(np.linspace(low, high, 4)), ObjectiveGrid("risk-aversion", [0.3, 0.7])):
        evaluator = SelectionEvaluator(problem, grid)
        evaluator.costs(selections, cutoff=1.0)
        evaluator.move_costs(current, drops, outside, 1, cutoff=1.0)
        evaluator.descent_steps(current, float(evaluator.costs(current, [1])[0, 0]), 1, 1e-12, np.inf, 3)
        evaluator.return_ranges(selections)


def _compile_direct_calls() -> None:
    n, t = 4, 3
    cov = np.eye(n) + 0.1
    mu = np.linspace(0.01, 0.02, n)
    index = np.arange(n, dtype=np.int64)
    pairs = np.repeat(index[None, :], t, axis=0)
    for target_kind, values in ((True, np.array([0.012, 0.015, 0.018])), (False, np.array([0.2, 0.5, 0.9]))):
        walk_selection(cov, mu, index, target_kind, values, np.ones(t, dtype=bool), np.full((n, t), 1.0 / n), 1e-9,
                       0.0, 1.0, np.zeros(t), np.zeros(t, dtype=bool), np.zeros((t, n)))
        price_at_weights(cov, mu, pairs, target_kind, values, np.full((t, n), 1.0 / n), 0.0, 1.0, 1e-9)
        settle_pairs(cov, mu, pairs, target_kind, values, np.zeros((t, n), dtype=np.int8), 0.0, 1.0)
