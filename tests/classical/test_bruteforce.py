"""Heuristics and the exact solver against full enumeration on the bundled S&P 500 sample.

With N = 20 and K <= 5 every selection can be priced, so the optimum at each target is known.
"""

import math

import numpy as np
import pytest

from geo.methods.base import Deadline
from geo.classical.enumeration import all_selections
from geo.methods.registry import make_method
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

CASES = [("exact", 0.0, 3), ("exact", 0.0, 5), ("at-most", 0.05, 3), ("at-most", 0.05, 4), ("exact", 0.05, 4)]
# SCIP takes tens of seconds per case on a loaded machine: one case per cardinality mode here
# (tests/classical/test_exact.py covers every objective form, both modes and each diagonal).
SCIP_CASES = [("exact", 0.05, 4), ("at-most", 0.05, 3)]


def enumerated_optimum(problem, grid):
    return SelectionEvaluator(problem, grid).costs(np.concatenate(list(all_selections(problem)))).min(axis=0)


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-wmin{c[1]}-K{c[2]}")
def enumerated(request, sp500_sample):
    cardinality, w_min, k = request.param
    problem = Problem.from_dataset(sp500_sample, k, cardinality=cardinality, w_min=w_min, w_max=1.0)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 10))
    return problem, grid, enumerated_optimum(problem, grid)


@pytest.mark.parametrize("method_name, status", [("local-search", "heuristic"), ("annealing", "heuristic"),
                                                 ("enumeration", "optimal")])
def test_methods_reach_the_enumerated_optimum(enumerated, method_name, status):
    assert_reaches_the_optimum(enumerated, make_method(method_name), status)


@pytest.mark.parametrize("case", SCIP_CASES, ids=lambda c: f"{c[0]}-wmin{c[1]}-K{c[2]}")
def test_the_exact_solver_reaches_the_enumerated_optimum(case, sp500_sample):
    cardinality, w_min, k = case
    problem = Problem.from_dataset(sp500_sample, k, cardinality=cardinality, w_min=w_min, w_max=1.0)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 10))
    to_proof = make_method("exact", point_time_limit=math.inf)  # no time limit: a proof whatever the load
    assert_reaches_the_optimum((problem, grid, enumerated_optimum(problem, grid)), to_proof, "optimal")


def assert_reaches_the_optimum(enumerated, method, status):
    problem, grid, optimum = enumerated
    assert np.all(np.isfinite(optimum))
    run = method.solve(SelectionEvaluator(problem, grid), np.random.default_rng(1), None, Deadline(None))
    variances = np.array([p.variance for p in run.points])
    np.testing.assert_allclose(variances, optimum, rtol=1e-7)
    assert all(p.status == status for p in run.points)
