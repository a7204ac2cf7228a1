"""--solver gurobi: one-line errors without gurobipy or beyond its licence; same answers as enumeration with it."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from geo.classical import ExactMethod
from geo.classical.enumeration import all_selections
from geo.classical.gurobi_model import licence_error
from geo.core.errors import GeoError
from geo.methods import Deadline
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


def small_problem(n: int = 8, k: int = 3, cardinality: str = "exact") -> Problem:
    rng = np.random.default_rng(5)
    loadings = rng.normal(size=(n, 3)) * 0.02
    cov = loadings @ loadings.T + np.diag(rng.uniform(1e-4, 9e-4, n))
    return Problem(rng.normal(0.002, 0.002, n), cov, k, cardinality=cardinality, w_min=0.05, w_max=1.0)


def test_without_gurobipy_the_cli_says_so_in_one_line(run_cli, one_line_error, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "gurobipy", None)  # "import gurobipy" raises ImportError
    output = tmp_path / "out.json"
    one_line_error(run_cli("frontier", "sp500-sample", "-k", "3", "--points", "2", "--method", "exact",
                           "--solver", "gurobi", "--quiet", "--output", output),
                   "--solver gurobi needs the gurobipy package", "geo[gurobi]")
    assert not output.exists()


def test_an_unknown_solver_is_refused():
    with pytest.raises(GeoError, match="unknown solver"):
        ExactMethod(solver="cplex")


@pytest.mark.parametrize("code, fragment", [(10010, "larger than the Gurobi licence allows"),
                                            (10009, "no Gurobi licence was found")])
def test_licence_failures_become_one_line_errors(code, fragment):
    error = type("GurobiError", (Exception,), {"errno": code})("licence")
    message = licence_error(error, small_problem()).one_line()
    assert fragment in message and "--solver scip" in message


gurobipy = pytest.importorskip("gurobipy", reason="gurobipy is an optional extra (pip install 'geo[gurobi]')")


@pytest.mark.parametrize("kind", ["target-return", "risk-aversion"])
def test_gurobi_matches_enumeration_with_the_same_fields_as_scip(kind):
    problem = small_problem()
    if kind == "target-return":
        low, high = problem.return_range()
        grid = ObjectiveGrid.target_returns(np.linspace(low, high, 6)[1:-1])
    else:
        grid = ObjectiveGrid.risk_aversions([0.0, 0.3, 0.9])
    evaluator = SelectionEvaluator(problem, grid)
    # no time limit: a proof whatever the machine's load
    run = ExactMethod(solver="gurobi", point_time_limit=math.inf).solve(evaluator, np.random.default_rng(0), None,
                                                                        Deadline(None))
    optimum = evaluator.costs(np.concatenate(list(all_selections(problem)))).min(axis=0)
    scip = ExactMethod(point_time_limit=math.inf).solve(SelectionEvaluator(problem, grid), np.random.default_rng(0),
                                                        None, Deadline(None))
    assert run.details["solver"] == "Gurobi" and run.details["solver_version"]
    for point, scip_point, best in zip(run.points, scip.points, optimum):
        assert point.status == "optimal" and point.extras["solver_status"] == "optimal"
        assert set(scip_point.extras) - {"warm_start", "warm_start_source", "warm_start_seconds"} <= set(point.extras)
        cost = point.variance if kind == "target-return" else (
            point.parameter * point.variance - (1 - point.parameter) * point.expected_return)
        assert cost == pytest.approx(best, rel=1e-6, abs=1e-12)
        assert point.extras["lower_bound"] <= best + 1e-12 * abs(best)


def test_a_model_beyond_the_size_limited_licence_is_a_one_line_error():
    rng = np.random.default_rng(0)
    n = 150
    loadings = rng.normal(size=(n, 4)) * 0.02
    problem = Problem(rng.normal(0.002, 0.002, n), loadings @ loadings.T + np.diag(rng.uniform(1e-4, 9e-4, n)), 5,
                      cardinality="at-most")
    grid = ObjectiveGrid.risk_aversions([0.5])
    try:
        ExactMethod(solver="gurobi", point_time_limit=5).solve(SelectionEvaluator(problem, grid),
                                                               np.random.default_rng(0), None, Deadline(None))
    except GeoError as error:
        assert "larger than the Gurobi licence allows" in error.one_line()
    else:
        pytest.skip("this Gurobi licence takes 150 assets (not the size-limited one)")
