"""The unconstrained efficient frontier against the published OR-Library portef1 UEF."""

import numpy as np
import pytest

from geo.methods import Deadline
from geo.classical import UnconstrainedMethod, unconstrained_frontier
from geo.orchestration.frontier.targets import min_variance_return
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

# Rows of portef1.txt (2000 rows, by decreasing mean): the top end, the middle, the left end.
PUBLISHED_ROWS = [0, 150, 600, 1200, 1800, 1999]


@pytest.fixture(scope="module")
def port1_problem(port1):
    return Problem.from_dataset(port1, 10, cardinality="at-most")


@pytest.fixture(scope="module")
def portef1(shared_data):
    return np.loadtxt(shared_data / "orlib" / "portef1.txt")  # columns: mean, variance


def test_variances_match_the_published_uef(port1_problem, portef1):
    rows = portef1[PUBLISHED_ROWS]
    points = unconstrained_frontier(port1_problem, ObjectiveGrid.target_returns(rows[:, 0]))
    assert [p.status for p in points] == ["optimal"] * len(rows)
    np.testing.assert_allclose([p.variance for p in points], rows[:, 1], rtol=1e-4)
    np.testing.assert_allclose([p.expected_return for p in points], rows[:, 0], rtol=1e-7)
    for point in points:
        assert abs(sum(point.weights.values()) - 1) < 1e-9 and min(point.weights.values()) > 0


def test_min_variance_return_is_the_left_end(port1_problem, portef1):
    low_end = portef1[np.argmin(portef1[:, 1])]
    assert min_variance_return(port1_problem) == pytest.approx(low_end[0], rel=1e-3)


def test_method_protocol_ignores_k_and_flags_unreachable_targets(port1_problem, portef1):
    high = float(port1_problem.mu.max())
    grid = ObjectiveGrid.target_returns([portef1[600, 0], high * 1.01])
    run = UnconstrainedMethod().solve(SelectionEvaluator(port1_problem, grid), np.random.default_rng(0), None,
                                      Deadline(None))
    assert [p.status for p in run.points] == ["optimal", "infeasible"]
    assert len(run.points[0].weights) > 0
    assert "k" in run.details["ignores"]


def test_risk_aversion_one_is_the_minimum_variance_portfolio(port1_problem, portef1):
    var = portef1[:, 1].min()
    points = unconstrained_frontier(port1_problem, ObjectiveGrid.risk_aversions([1.0, 0.0]))
    assert points[0].variance == pytest.approx(var, rel=1e-5)
    # lambda = 0: pure return, all in the best asset.
    assert points[1].expected_return == pytest.approx(port1_problem.mu.max(), rel=1e-7)
