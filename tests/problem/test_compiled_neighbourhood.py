"""Neighbourhood pricing against cold single solves and against ``costs`` (hypothesis, derandomized).

Every neighbour of a selection (swaps; drops and adds in at-most mode) priced by
``SelectionEvaluator.neighbourhood_costs`` must equal that neighbour priced alone, and the call
must be indistinguishable from ``costs(neighbours, [column], cutoff)`` on a fresh evaluator: the
same prices bit for bit, the same evaluation and screened counts, with a cutoff and under a
budget limit. The warm start (the current optimum's working set) decides how a pair is priced,
never whether it is counted. An injected error of 1e-6 in the kernel's prices must be caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_cases import SETTINGS, assert_costs_match, cold_cost, parameter_grid, problems

import geo.problem.evaluator as evaluator_module
import geo.problem.neighbourhood_pricing as neighbourhood_module
from geo.classical.neighbourhood import all_neighbours
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


@st.composite
def neighbourhoods(draw):
    problem = draw(problems())
    kind = draw(st.sampled_from(["target-return", "risk-aversion"]))
    size = draw(st.sampled_from(problem.feasible_sizes))
    order = draw(st.permutations(range(problem.n_assets)))
    current = np.zeros(problem.n_assets, dtype=bool)
    current[list(order[:size])] = True
    grid = parameter_grid(problem, kind, 7)
    return problem, kind, current, float(draw(st.sampled_from(list(grid)))), draw(st.booleans())


def check_neighbourhood(problem: Problem, kind: str, current: np.ndarray, parameter: float, with_cutoff: bool = True,
                        budget: int | None = None) -> None:
    grid = ObjectiveGrid(kind, [parameter])
    neighbours = all_neighbours(problem, current)
    warm, plain = SelectionEvaluator(problem, grid), SelectionEvaluator(problem, grid)
    own = float(warm.costs(current, [0])[0, 0])
    plain.costs(current, [0])
    # the cutoff a descent passes: its current cost, less a hair
    cutoff = own - 1e-12 * abs(own) if with_cutoff and np.isfinite(own) else None
    warm.set_budget(budget)
    plain.set_budget(budget)
    ours = warm.neighbourhood_costs(current, neighbours, 0, cutoff=cutoff)
    theirs = plain.costs(neighbours, [0], cutoff)[:, 0]
    np.testing.assert_array_equal(ours, theirs)
    assert (warm.n_evaluations, warm.n_screened) == (plain.n_evaluations, plain.n_screened)
    np.testing.assert_array_equal(warm.best_known()[1], plain.best_known()[1])
    spent = warm.n_evaluations
    again = warm.neighbourhood_costs(current, neighbours, 0, cutoff=cutoff)  # memo hits are free
    assert warm.n_evaluations == spent or cutoff is not None  # (screened pairs stay unpriced)
    np.testing.assert_array_equal(again[np.isfinite(ours)], ours[np.isfinite(ours)])
    # Every priced neighbour is exact; a screened one is no better than the cutoff.
    reference = np.array([cold_cost(problem, row, kind, parameter) for row in neighbours])
    priced = np.isfinite(ours) | ~np.isfinite(reference)
    if budget is None and cutoff is None:
        assert priced.all()
    params = np.full(len(neighbours), parameter)
    assert_costs_match(problem, ours[priced], reference[priced], neighbours[priced], kind, params[priced])
    if budget is None and cutoff is not None:
        assert np.all(reference[~priced] >= cutoff - 1e-9 * abs(cutoff))


@settings(max_examples=60, **SETTINGS)
@given(neighbourhoods())
def test_neighbourhood_costs_equal_costs_and_cold_single_solves(case):
    problem, kind, current, parameter, with_cutoff = case
    check_neighbourhood(problem, kind, current, parameter, with_cutoff)


def port4_case(port4, k=10, column=3, **constraints):
    problem = Problem.from_dataset(port4, k, **constraints)
    low, high = problem.return_range()
    target = low + (high - low) * column / 10
    rng = np.random.default_rng(5)
    current = np.zeros(problem.n_assets, dtype=bool)
    current[rng.choice(problem.n_assets, k, replace=False)] = True
    return problem, target, current


@pytest.mark.parametrize("constraints", [{}, {"w_min": 0.02, "w_max": 0.2}, {"cardinality": "at-most", "w_max": 0.3}])
def test_the_kernel_settles_almost_every_pair_of_a_real_neighbourhood(port4, monkeypatch, constraints):
    problem, target, current = port4_case(port4, **constraints)
    deferred = []
    original = evaluator_module.SelectionEvaluator._price_deferred

    def spy(self, rows, column):
        deferred.append(len(rows))
        return original(self, rows, column)

    monkeypatch.setattr(evaluator_module.SelectionEvaluator, "_price_deferred", spy)
    check_neighbourhood(problem, "target-return", current, target, with_cutoff=False)
    assert sum(deferred) < 0.01 * len(all_neighbours(problem, current))  # DAQP is the exception


def test_a_budget_limit_is_spent_as_costs_spends_it(port4):
    problem, target, current = port4_case(port4, w_max=0.3)
    for budget in (0, 1, 37, 500):
        check_neighbourhood(problem, "target-return", current, target, budget=budget)


def test_an_injected_error_of_1e_6_is_caught(port4, monkeypatch):
    problem, target, current = port4_case(port4, w_max=0.2)
    check_neighbourhood(problem, "target-return", current, target, with_cutoff=False)
    original = neighbourhood_module.price_neighbourhood

    def off_by_1e_6(*args):
        rows, deferred = original(*args)
        costs, column = args[15], args[4]
        costs[rows, column] *= 1 + 1e-6  # what the kernel wrote
        return rows, deferred

    monkeypatch.setattr(neighbourhood_module, "price_neighbourhood", off_by_1e_6)
    with pytest.raises(AssertionError):
        check_neighbourhood(problem, "target-return", current, target, with_cutoff=False)
