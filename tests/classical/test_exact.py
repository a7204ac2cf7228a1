"""SCIP's exact frontier: published CCEF, full enumeration, and honest time-limit statuses."""

import numpy as np
import pytest

from geo.methods import Deadline
from geo.classical import ExactMethod, relaxation_candidates
from geo.classical.enumeration import all_selections
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

# Rows of RetRisk31_SolVal.txt spread over port1's frontier (the steep top end, where the
# published 5-digit values drift beyond 0.05%, is left out; see the data README).
CCEF_ROWS = [150, 250, 330, 400, 480]
K10_COLUMN = 9  # 0-based: target, then K = 2..10, then the unconstrained variance


def run_exact(problem, grid, seed=0, deadline=None, **settings):
    evaluator = SelectionEvaluator(problem, grid)
    result = ExactMethod(**settings).solve(evaluator, np.random.default_rng(seed), None, Deadline(deadline))
    return evaluator, result


def test_matches_the_published_ccef_on_port1(port1, shared_data):
    published = np.loadtxt(shared_data / "orlib" / "ccef" / "RetRisk31_SolVal.txt", delimiter="\t")[CCEF_ROWS]
    problem = Problem.from_dataset(port1, 10, cardinality="at-most", w_min=0.0, w_max=1.0)
    _, result = run_exact(problem, ObjectiveGrid.target_returns(published[:, 0]), point_time_limit=30)
    assert [p.status for p in result.points] == ["optimal"] * len(CCEF_ROWS)
    gaps = np.array([p.variance for p in result.points]) / published[:, K10_COLUMN] - 1
    assert np.all(np.abs(gaps) < 5e-4), gaps
    for point in result.points:
        assert len(point.weights) <= 10
        assert point.extras["mip_gap"] < 1e-5 and point.extras["best_bound"] <= point.variance * (1 + 1e-5)


def enumerate_optimum(problem, grid):
    return SelectionEvaluator(problem, grid).costs(np.concatenate(list(all_selections(problem)))).min(axis=0)


def tiny_problem(cardinality):
    rng = np.random.default_rng(2024)
    loadings = rng.normal(size=(8, 3)) * 0.02
    cov = loadings @ loadings.T + np.diag(rng.uniform(1e-4, 9e-4, 8))
    mu = rng.normal(0.002, 0.002, 8)
    return Problem(mu, cov, 3, cardinality=cardinality, w_min=0.05, w_max=1.0)


@pytest.mark.parametrize("cardinality", ["exact", "at-most"])
@pytest.mark.parametrize("kind", ["target-return", "risk-aversion"])
def test_matches_enumeration_on_a_tiny_problem(cardinality, kind):
    problem = tiny_problem(cardinality)
    if kind == "target-return":
        low, high = problem.return_range()
        grid = ObjectiveGrid.target_returns(np.linspace(low, high, 9)[1:-1])
    else:
        grid = ObjectiveGrid.risk_aversions([0.0, 0.2, 0.5, 0.9, 1.0])
    optimum = enumerate_optimum(problem, grid)
    _, result = run_exact(problem, grid)
    costs = []
    for point, value in zip(result.points, grid.values):
        weights = np.array([point.weights.get(t, 0.0) for t in problem.tickers])
        costs.append(point.variance if kind == "target-return"
                     else value * point.variance - (1 - value) * float(problem.mu @ weights))
    finite = np.isfinite(optimum)
    assert [p.status for p in result.points] == ["optimal" if f else "infeasible" for f in finite]
    np.testing.assert_allclose(np.array(costs)[finite], optimum[finite], rtol=1e-7, atol=1e-12)


@pytest.fixture(scope="module")
def port4_hard(port4, shared_data):
    """port4, K = 10, at most K, at two mid-low targets where SCIP needs far more than a second."""
    published = np.loadtxt(shared_data / "orlib" / "ccef" / "RetRisk98_SolVal.txt", delimiter="\t")
    problem = Problem.from_dataset(port4, 10, cardinality="at-most")
    return problem, ObjectiveGrid.target_returns(published[[380, 430], 0]), published[[380, 430], K10_COLUMN]


def assert_honest(point, limit):
    extras = point.extras
    assert extras["solve_seconds"] <= limit + 0.5
    if point.status == "optimal":  # only if SCIP proved it
        assert extras["scip_status"] == "optimal" and extras["mip_gap"] < 1e-5
    else:
        assert point.status == "time_limit" and extras["scip_status"] == "timelimit"
        assert 0 < extras["mip_gap"] < 1 and extras["best_bound"] < point.variance


def test_a_tiny_time_limit_is_reported_as_such(port4_hard):
    problem, grid, published = port4_hard
    evaluator = SelectionEvaluator(problem, grid)
    seeds = relaxation_candidates(evaluator, np.random.default_rng(0), roundings=4)
    evaluator.costs(seeds)  # the memo's best selection becomes SCIP's starting solution
    result = ExactMethod(point_time_limit=0.5).solve(evaluator, np.random.default_rng(0), None, Deadline(None))
    for point, reference in zip(result.points, published):
        assert_honest(point, 0.5)
        assert point.extras["warm_start"] is True
        assert point.extras["best_bound"] <= reference * (1 + 1e-4)  # a valid lower bound
    assert any(p.status == "time_limit" for p in result.points)


def test_the_deadline_is_shared_between_points(port4_hard):
    problem, grid, _ = port4_hard
    _, result = run_exact(problem, grid, deadline=1.2)
    assert result.points[0].extras["time_limit_s"] <= 0.6 + 1e-6
    for point in result.points:
        if point.status in ("optimal", "time_limit") and "scip_status" in point.extras and point.feasible:
            assert_honest(point, 1.2)
        else:  # no time left (memo fallback), or no incumbent in time: never claimed as solved
            assert point.status in ("heuristic", "time_limit", "not_found") and not point.extras.get("proven")


def test_an_unreachable_target_is_proven_infeasible():
    problem = tiny_problem("exact")
    high = problem.return_range()[1]
    _, result = run_exact(problem, ObjectiveGrid.target_returns([high + 0.1 * abs(high)]))
    point = result.points[0]
    assert point.status == "infeasible" and point.extras["proven"] is True and not point.weights
