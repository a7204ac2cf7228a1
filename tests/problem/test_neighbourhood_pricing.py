"""Neighbourhood pricing by updates against cold single solves (hypothesis, derandomized).

Every neighbour of a selection (swaps; drops and adds in at-most mode) priced by
``SelectionEvaluator.neighbourhood_costs`` must equal that neighbour priced alone, with the same
memo and evaluation count as ``costs``. The updated prices themselves (before the cold path
fills what they leave) are checked too, and an injected error of 1e-6 must be caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_cases import SETTINGS, assert_costs_match, cold_cost, parameter_grid, problems

import geo.problem.evaluator as evaluator_module
from geo.classical.neighbourhood import all_neighbours
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.neighbourhood_pricing import price_neighbours


@st.composite
def neighbourhoods(draw):
    problem = draw(problems())
    kind = draw(st.sampled_from(["target-return", "risk-aversion"]))
    size = draw(st.sampled_from(problem.feasible_sizes))
    order = draw(st.permutations(range(problem.n_assets)))
    current = np.zeros(problem.n_assets, dtype=bool)
    current[list(order[:size])] = True
    grid = parameter_grid(problem, kind, 7)
    return problem, kind, current, float(draw(st.sampled_from(list(grid))))


def check_neighbourhood(problem: Problem, kind: str, current: np.ndarray, parameter: float) -> None:
    grid = ObjectiveGrid(kind, [parameter])
    neighbours = all_neighbours(problem, current)
    updated = SelectionEvaluator(problem, grid)
    ours = updated.neighbourhood_costs(current, neighbours, 0)
    reference = np.array([cold_cost(problem, row, kind, parameter) for row in neighbours])
    params = np.full(len(neighbours), parameter)
    assert_costs_match(problem, ours, reference, neighbours, kind, params)
    plain = SelectionEvaluator(problem, grid)
    np.testing.assert_array_equal(np.isfinite(plain.costs(neighbours, [0])[:, 0]), np.isfinite(ours))
    # the same counting: each pair priced (an evaluation) or ruled out by a proven bound (screened)
    assert updated.n_evaluations == plain.n_evaluations
    assert updated.n_evaluations + updated.n_screened == len(neighbours)
    spent = updated.n_evaluations
    again = updated.neighbourhood_costs(current, neighbours, 0)  # memo hits are free
    assert updated.n_evaluations == spent
    np.testing.assert_array_equal(again, ours)
    # The updated prices alone, where they settle, are exact too.
    start = SelectionEvaluator(problem, grid).solve(current, 0)
    if start.feasible:
        direct = price_neighbours(problem, kind, parameter, current, start.weights, neighbours)
        settled = ~np.isnan(direct)
        assert_costs_match(problem, direct[settled], reference[settled], neighbours[settled], kind, params[settled])


@settings(max_examples=60, **SETTINGS)
@given(neighbourhoods())
def test_neighbourhood_costs_equal_cold_single_solves(case):
    check_neighbourhood(*case)


def port4_case(port4, k=10, column=3):
    problem = Problem.from_dataset(port4, k)
    low, high = problem.return_range()
    target = low + (high - low) * column / 10
    rng = np.random.default_rng(5)
    current = np.zeros(problem.n_assets, dtype=bool)
    current[rng.choice(problem.n_assets, k, replace=False)] = True
    return problem, target, current


def test_updates_settle_most_neighbours_of_a_real_selection(port4):
    problem, target, current = port4_case(port4)
    start = SelectionEvaluator(problem, ObjectiveGrid.target_returns([target])).solve(current, 0)
    neighbours = all_neighbours(problem, current)
    prices = price_neighbours(problem, "target-return", target, current, start.weights, neighbours)
    assert np.mean(~np.isnan(prices)) > 0.5  # the update path does the work, not the fallback
    check_neighbourhood(problem, "target-return", current, target)


def test_an_injected_error_of_1e_6_is_caught(port4, monkeypatch):
    problem, target, current = port4_case(port4)
    check_neighbourhood(problem, "target-return", current, target)
    monkeypatch.setattr(evaluator_module, "price_neighbours", lambda *args: price_neighbours(*args) * (1 + 1e-6))
    with pytest.raises(AssertionError):
        check_neighbourhood(problem, "target-return", current, target)
