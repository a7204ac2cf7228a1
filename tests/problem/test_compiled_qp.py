"""The compiled active-set step from arbitrary starting guesses against cold single solves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_cases import SETTINGS, assert_costs_match, cold_cost, parameter_grid, problems

from geo.classical.neighbourhood import random_selections
from geo.problem.compiled_qp import FREE, LOW, UP, settle_pairs


def settle_from_random_guesses(problem, kind, seed):
    rng = np.random.default_rng(seed)
    size = problem.feasible_sizes[-1]
    selections = random_selections(problem, 8, rng)
    selections = selections[selections.sum(axis=1) == size]
    params = parameter_grid(problem, kind, 6)[1:-1]  # the ends (one feasible portfolio) go elsewhere
    index = np.nonzero(selections)[1].reshape(len(selections), size)
    owner = np.repeat(np.arange(len(selections)), len(params))
    pair_params = np.tile(params, len(selections))
    draw = rng.random((len(owner), size))
    status = np.where(draw < 0.3, LOW, np.where(draw < 0.4, UP, FREE)).astype(np.int8)
    cost, solved = settle_pairs(problem.cov, problem.mu, index[owner], kind == "target-return", pair_params, status,
                                problem.w_min, problem.w_max)
    reference = np.array([cold_cost(problem, selections[o], kind, p) for o, p in zip(owner, pair_params)])
    return selections[owner], pair_params, cost, solved, reference


@settings(max_examples=50, **SETTINGS)
@given(problems(), st.sampled_from(["target-return", "risk-aversion"]), st.integers(0, 2**32 - 1))
def test_any_starting_guess_ends_at_the_optimum_or_is_flagged(problem, kind, seed):
    rows, params, cost, solved, reference = settle_from_random_guesses(problem, kind, seed)
    # An infeasible target has no KKT point: never reported solved.
    assert np.all(np.isfinite(reference[solved]))
    assert_costs_match(problem, cost[solved], reference[solved], rows[solved], kind, params[solved])


def test_an_injected_error_is_caught(port4):
    from geo.problem import Problem

    problem = Problem.from_dataset(port4, 10, w_max=0.3)
    rows, params, cost, solved, reference = settle_from_random_guesses(problem, "target-return", 1)
    assert solved.sum() >= 5
    assert_costs_match(problem, cost[solved], reference[solved])
    with pytest.raises(AssertionError):
        assert_costs_match(problem, cost[solved] * (1 + 1e-6), reference[solved])
