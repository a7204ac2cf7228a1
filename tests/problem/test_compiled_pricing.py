"""Whole-frontier pricing (every selection at every parameter, batched) against cold single solves.

``SelectionEvaluator.costs`` prices every pair by :func:`geo.problem.compiled_pricing.price_group`
(closed form, then the walk along each selection's critical line, DAQP for the deferred pairs);
each pair must equal the pair priced alone. An injected error of 1e-6 must be caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_cases import (SETTINGS, assert_costs_match, capped_problems, cold_capped_cost, cold_cost, parameter_grid,
                           problems)

import geo.problem.evaluator as evaluator_module
from geo.classical.neighbourhood import random_selections
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


def check_frontier(problem: Problem, kind: str, selections: np.ndarray, params: np.ndarray) -> None:
    ours = SelectionEvaluator(problem, ObjectiveGrid(kind, params)).costs(selections)
    reference = np.array([[cold_cost(problem, row, kind, p) for p in params] for row in selections])
    rows = np.repeat(selections, len(params), axis=0)
    assert_costs_match(problem, ours.ravel(), reference.ravel(), rows, kind, np.tile(params, len(selections)))


@settings(max_examples=40, **SETTINGS)
@given(problems(), st.integers(0, 2**32 - 1))
def test_whole_frontier_equals_cold_single_solves(problem, seed):
    selections = random_selections(problem, 6, np.random.default_rng(seed))
    check_frontier(problem, "target-return", selections, parameter_grid(problem, "target-return", 9))


# Risk aversion on an exactly singular covariance is left out: pairs the batched step cannot
# settle there fall back to DAQP, whose ridge retry can miss by ~4e-9 relative (a known gap of
# the sequential solver, not of the batched one); near-singular covariances (1e-9) stay in.
@settings(max_examples=30, **SETTINGS)
@given(problems(singular=False), st.integers(0, 2**32 - 1))
def test_whole_risk_aversion_frontier_equals_cold_single_solves(problem, seed):
    selections = random_selections(problem, 6, np.random.default_rng(seed))
    check_frontier(problem, "risk-aversion", selections, parameter_grid(problem, "risk-aversion", 9))


def test_port4_frontier_with_binding_bounds(port4):
    problem = Problem.from_dataset(port4, 10, w_min=0.02, w_max=0.3)
    selections = random_selections(problem, 15, np.random.default_rng(2))
    check_frontier(problem, "target-return", selections, parameter_grid(problem, "target-return", 12))


def test_an_injected_error_of_1e_6_is_caught(port4, monkeypatch):
    problem = Problem.from_dataset(port4, 10)
    selections = random_selections(problem, 10, np.random.default_rng(3))
    params = parameter_grid(problem, "target-return", 10)
    check_frontier(problem, "target-return", selections, params)
    original = evaluator_module.price_group

    def off_by_1e_6(*args):
        cost, code = original(*args)
        return cost * (1 + 1e-6), code

    monkeypatch.setattr(evaluator_module, "price_group", off_by_1e_6)
    with pytest.raises(AssertionError):
        check_frontier(problem, "target-return", selections, params)


@settings(max_examples=30, **SETTINGS)
@given(capped_problems(), st.sampled_from(["target-return", "risk-aversion"]), st.integers(0, 2**32 - 1))
def test_whole_frontier_with_sector_caps_equals_cold_daqp(problem, kind, seed):
    selections = random_selections(problem, 6, np.random.default_rng(seed))
    params = parameter_grid(problem, kind, 9)
    ours = SelectionEvaluator(problem, ObjectiveGrid(kind, params)).costs(selections)
    reference = np.array([[cold_capped_cost(problem, row, kind, p) for p in params] for row in selections])
    assert_costs_match(problem, ours.ravel(), reference.ravel())
