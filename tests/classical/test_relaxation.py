"""Relax-and-round: valid candidates, bounded by the relaxation, no worse than top-K rounding."""

import numpy as np
import pytest

from geo.methods import Deadline
from geo.classical import RelaxationMethod, relaxation_candidates
from geo.classical.relaxation import RelaxedProblem, round_relaxed
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


def spread_targets(problem, n):
    low, high = problem.return_range()
    return ObjectiveGrid.target_returns(np.linspace(low + 0.4 * (high - low), high - 0.05 * (high - low), n))


@pytest.fixture(scope="module", params=[("exact", 0.0, 5), ("at-most", 0.05, 6)], ids=["exact-K5", "at-most-K6-wmin"])
def case(request, port1):
    cardinality, w_min, k = request.param
    problem = Problem.from_dataset(port1, k, cardinality=cardinality, w_min=w_min, w_max=1.0)
    return problem, spread_targets(problem, 6)


def run(problem, grid, seed, budget=None):
    evaluator = SelectionEvaluator(problem, grid)
    result = RelaxationMethod(roundings=6).solve(evaluator, np.random.default_rng(seed), budget, Deadline(None))
    return evaluator, result


def test_candidates_have_a_valid_cardinality(case):
    problem, grid = case
    pool = relaxation_candidates(SelectionEvaluator(problem, grid), np.random.default_rng(3), roundings=6)
    sizes = pool.sum(axis=1)
    assert len(pool) > len(grid) and len(np.unique(pool, axis=0)) == len(pool)
    assert np.all(problem.valid_size(sizes))
    if problem.cardinality == "at-most":  # w_min > 0: smaller supports are tried as well
        assert sizes.min() < problem.k


def test_points_lie_between_the_bound_and_the_top_k_rounding(case):
    problem, grid = case
    evaluator, result = run(problem, grid, seed=0)
    relaxed = RelaxedProblem(problem, grid.kind)
    for column, point in enumerate(result.points):
        weights, held, bound = relaxed.solve(float(grid.values[column]))
        top_k = round_relaxed(problem, weights, held, np.random.default_rng(0), roundings=0)[0]
        top_k_cost = evaluator.costs(top_k, [column])[0, 0]
        assert point.status == "heuristic"
        assert point.variance <= top_k_cost * (1 + 1e-12)
        assert point.variance >= bound * (1 - 1e-6)
        assert point.extras["relaxation_bound"] == pytest.approx(bound, rel=1e-6)
        assert len(point.weights) <= problem.k


def test_deterministic_with_a_seed(case):
    problem, grid = case
    first = [p.weights for p in run(problem, grid, seed=11)[1].points]
    again = [p.weights for p in run(problem, grid, seed=11)[1].points]
    assert first == again
    pool_a = relaxation_candidates(SelectionEvaluator(problem, grid), np.random.default_rng(5))
    pool_b = relaxation_candidates(SelectionEvaluator(problem, grid), np.random.default_rng(5))
    np.testing.assert_array_equal(pool_a, pool_b)


def test_respects_the_evaluation_budget(case):
    problem, grid = case
    budget = 3 * len(grid) + 2
    evaluator, result = run(problem, grid, seed=0, budget=budget)
    assert evaluator.n_evaluations <= budget
    assert result.details["stopped_by"] == "budget"
    assert all(p.status in ("heuristic", "not_found") for p in result.points)


def test_unreachable_targets_are_proven_infeasible_by_the_relaxation(port1):
    problem = Problem.from_dataset(port1, 5, cardinality="exact")
    high = problem.return_range()[1]
    grid = ObjectiveGrid.target_returns([0.6 * high, 1.05 * high])
    _, result = run(problem, grid, seed=0)
    assert [p.status for p in result.points] == ["heuristic", "infeasible"]
