"""The exact solver's starting solution: never worse than the best known, within its budget."""

import math

import numpy as np
import pytest

from geo.classical.enumeration import all_selections
from geo.classical.exact_start import find_warm_start
from geo.classical.neighbourhood import random_selections
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


@pytest.fixture()
def evaluator(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 4, cardinality="at-most", w_min=0.0, w_max=1.0)
    low, high = problem.return_range()
    return SelectionEvaluator(problem, ObjectiveGrid.target_returns(np.linspace(low, high, 5)[1:-1]))


def test_local_search_improves_a_poor_start_and_the_start_is_feasible(evaluator):
    rng = np.random.default_rng(0)
    column = 1
    known = random_selections(evaluator.problem, 1, rng)[0]
    known_cost = float(evaluator.costs(known, [column])[0, 0])
    warm = find_warm_start(evaluator, column, known, "local-search", rng, seconds=30)
    assert warm.selection is not None and math.isfinite(warm.cost)
    assert warm.cost == float(evaluator.costs(warm.selection, [column])[0, 0])  # its exact price
    assert warm.cost <= known_cost
    optimum = evaluator.costs(np.concatenate(list(all_selections(evaluator.problem))), [column]).min()
    assert warm.cost <= optimum * (1 + 0.05)  # a descent lands near the optimum on 20 assets


def test_memo_start_is_the_known_selection_as_it_is(evaluator):
    known = random_selections(evaluator.problem, 1, np.random.default_rng(1))[0]
    warm = find_warm_start(evaluator, 0, known, "memo", np.random.default_rng(0), seconds=30)
    if math.isfinite(float(evaluator.costs(known, [0])[0, 0])):
        assert warm.source == "memo" and np.array_equal(warm.selection, known)
    else:
        assert warm.selection is None


def test_no_start_and_no_known_selection(evaluator):
    assert find_warm_start(evaluator, 0, None, "none", np.random.default_rng(0), 30).selection is None
    assert find_warm_start(evaluator, 0, None, "memo", np.random.default_rng(0), 30).selection is None


def test_the_descent_stops_at_its_evaluation_allowance(evaluator):
    before = evaluator.n_evaluations
    find_warm_start(evaluator, 2, None, "local-search", np.random.default_rng(0), seconds=30, stop_at=before + 50)
    # The greedy construction prices its candidates before the descent checks the allowance.
    construction = evaluator.problem.n_assets * evaluator.problem.k
    assert evaluator.n_evaluations - before <= 50 + construction
