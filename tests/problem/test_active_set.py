"""The batched active-set step from arbitrary starting guesses against cold single solves."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_cases import SETTINGS, assert_costs_match, cold_cost, parameter_grid, problems

from geo.classical.neighbourhood import random_selections
from geo.problem.active_set import solve_pairs
from geo.problem.bound_pairs import pair_costs_from_variance


@settings(max_examples=50, **SETTINGS)
@given(problems(), st.sampled_from(["target-return", "risk-aversion"]), st.integers(0, 2**32 - 1))
def test_any_starting_guess_ends_at_the_optimum_or_is_flagged(problem, kind, seed):
    rng = np.random.default_rng(seed)
    size = problem.feasible_sizes[-1]
    selections = random_selections(problem, 8, rng)
    selections = selections[selections.sum(axis=1) == size]
    if not len(selections):
        return
    params = parameter_grid(problem, kind, 6)[1:-1]  # the ends (one feasible portfolio) go elsewhere
    index = np.nonzero(selections)[1].reshape(len(selections), size)
    cov = problem.cov[index[:, :, None], index[:, None, :]]
    mu = problem.mu[index]
    owner = np.repeat(np.arange(len(selections)), len(params))
    pair_params = np.tile(params, len(selections))
    lower = rng.random((len(owner), size)) < 0.3
    upper = ~lower & (rng.random((len(owner), size)) < 0.1)
    weights, variance, solved = solve_pairs(cov, mu, owner, kind, pair_params, problem.w_min, problem.w_max,
                                            lower, upper)
    reference = np.array([cold_cost(problem, selections[o], kind, p) for o, p in zip(owner, pair_params)])
    # An infeasible target has no KKT point: never reported solved.
    assert np.all(np.isfinite(reference[solved]))
    ours = pair_costs_from_variance(variance[solved], mu[owner[solved]], weights[solved], kind, pair_params[solved])
    assert_costs_match(problem, ours, reference[solved], selections[owner[solved]], kind, pair_params[solved])
    held = weights[solved]
    assert np.all(held >= problem.w_min) and np.all(held <= problem.w_max)
    assert np.allclose(held.sum(axis=1), 1.0, atol=1e-9)
