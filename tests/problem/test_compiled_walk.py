"""The walk along a selection's critical line, on its own: every interior target of a selection
from one crude first guess (equal weights), against cold single solves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_cases import SETTINGS, assert_costs_match, cold_cost, parameter_grid, problems

from geo.classical.neighbourhood import random_selections
from geo.problem import Problem
from geo.problem.compiled_walk import walk_selection
from geo.problem.selection_qp import return_bounds


def walk_frontier(problem, kind, selection, params):
    index = np.flatnonzero(selection).astype(np.int64)
    n, t = len(index), len(params)
    cost, solved, weights = np.full(t, np.nan), np.zeros(t, dtype=bool), np.zeros((t, n))
    walk_selection(problem.cov, problem.mu, index, kind == "target-return", params, np.ones(t, dtype=bool),
                   np.full((n, t), 1.0 / n), 0.0, problem.w_min, problem.w_max, cost, solved, weights)
    reference = np.array([cold_cost(problem, selection, kind, p) for p in params])
    return cost, solved, weights, reference


@settings(max_examples=40, **SETTINGS)
@given(problems(), st.sampled_from(["target-return", "risk-aversion"]), st.integers(0, 2**32 - 1))
def test_settled_points_are_optimal_and_within_the_bounds(problem, kind, seed):
    selection = random_selections(problem, 1, np.random.default_rng(seed))[0]
    params = parameter_grid(problem, kind, 9)[1:-1]  # the ends (one feasible portfolio) are not walked
    cost, solved, weights, reference = walk_frontier(problem, kind, selection, params)
    assert np.all(np.isfinite(reference[solved]))  # an unreachable target is never settled
    rows = np.repeat(selection[None, :], solved.sum(), axis=0)
    assert_costs_match(problem, cost[solved], reference[solved], rows, kind, params[solved])
    held = weights[solved]
    assert np.all(held >= problem.w_min) and np.all(held <= problem.w_max)
    assert np.allclose(held.sum(axis=1), 1.0, atol=1e-10)


def test_a_real_frontier_is_walked_whole_and_an_injected_error_is_caught(port4):
    problem = Problem.from_dataset(port4, 10, w_min=0.02, w_max=0.3)
    selection = random_selections(problem, 1, np.random.default_rng(5))[0]
    low, high = (float(v[0]) for v in return_bounds(problem.mu[selection][None], problem.w_min, problem.w_max))
    params = np.linspace(low, high, 14)[1:-1]  # the selection's interior targets
    cost, solved, _, reference = walk_frontier(problem, "target-return", selection, params)
    assert solved.all()
    assert_costs_match(problem, cost, reference)
    with pytest.raises(AssertionError):
        assert_costs_match(problem, cost * (1 + 1e-6), reference)
