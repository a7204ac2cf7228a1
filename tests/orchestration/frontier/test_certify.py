"""--certify: every point gets a proven bound and gap; statuses stay; tables show it; bad settings get one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

import geo
from geo.classical.enumeration import all_selections
from geo.core.results import CERTIFIED_GAP
from geo.orchestration.frontier import certify as certify_module
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

BASE = ("frontier", "sp500-sample", "-k", "3", "--points", "4", "--quiet")


def enumerated(problem: Problem, targets) -> np.ndarray:
    grid = ObjectiveGrid.target_returns(targets)
    return SelectionEvaluator(problem, grid).costs(np.concatenate(list(all_selections(problem)))).min(axis=0)


def test_a_certified_heuristic_frontier_keeps_its_statuses_and_bounds_each_point(sp500_sample):
    front = geo.frontier(sp500_sample, k=3, points=5, certify=True)
    targets = front.result.parameters
    optimum = enumerated(Problem.from_dataset(sp500_sample, 3), targets)
    for point, best in zip(front.result.points, optimum):
        assert point.status == "heuristic"
        bound, gap = point.extras["lower_bound"], point.extras["certified_gap"]
        assert bound <= best and point.extras["bound_source"] in ("perspective", "product")
        assert gap == pytest.approx((point.variance - bound) / point.variance)
    assert "certify_s" in front.result.timing and front.result.details["certify"]["steps"]["perspective"]["points"]
    frame = front.to_frame()
    assert {"lower_bound", "certified_gap"} <= set(frame.columns)
    shown = set(frame["status"])
    assert shown <= {"heuristic", "optimal (certified)"}
    certified = [p.certified_gap <= CERTIFIED_GAP for p in front.result.points]
    assert list(frame["status"] == "optimal (certified)") == certified


def test_enumeration_carries_its_own_bound_and_is_shown_certified(sp500_sample):
    front = geo.frontier(sp500_sample, k=2, points=3, method="enumeration", w_max=0.8)
    for point in front.result.points:
        assert point.status == "optimal" and point.extras["bound_source"] == "enumeration"
        assert 0 < point.certified_gap <= CERTIFIED_GAP
    assert list(front.to_frame()["status"]) == ["optimal (certified)"] * 3


def test_the_certification_time_limit_stops_it_between_points(sp500_sample, monkeypatch):
    class Spent(certify_module.Deadline):
        def expired(self) -> bool:
            return True

    monkeypatch.setattr(certify_module, "Deadline", Spent)  # the certification's deadline only
    front = geo.frontier(sp500_sample, k=3, points=3, certify=True, certify_time=5)
    record = front.result.details["certify"]
    assert record["stopped_by"] == "time_limit"
    assert all("lower_bound" not in p.extras for p in front.result.points)


def test_a_risk_aversion_point_is_certified_on_its_cost(sp500_sample):
    front = geo.optimize(sp500_sample, k=3, risk_aversion=0.5, certify=True)
    point = front.result.points[0]
    cost = 0.5 * point.variance - 0.5 * point.expected_return
    assert point.extras["lower_bound"] <= cost + 1e-15
    assert point.certified_gap == pytest.approx((cost - point.extras["lower_bound"]) / abs(cost))


def test_the_cli_shows_the_certified_gap_beside_the_status(run_cli, tmp_path):
    output = tmp_path / "front.json"
    result = run_cli(*BASE, "--certify", "--output", output)
    assert result.exit_code == 0, result.output
    assert "certified gap" in result.output
    points = json.loads(output.read_text())["points"]
    assert all({"lower_bound", "certified_gap", "bound_source"} <= set(p) for p in points)
    assert all(p["status"] == "heuristic" for p in points)  # the results file keeps the method's status


def test_the_report_shows_the_certified_gap(run_cli, tmp_path):
    report = tmp_path / "front.html"
    result = run_cli(*BASE, "--method", "enumeration", "--report", report)
    assert result.exit_code == 0, result.output
    html = report.read_text()
    assert "certified gap" in html and "optimal (certified)" in html


@pytest.mark.parametrize("extra, fragment", [
    (("--certify-time", "5"), "--certify-time only applies with --certify"),
    (("--certify", "--certify-time", "-1"), "--certify-time must be a positive number"),
    (("--certify-solver-time", "5"), "--certify-solver-time only applies with --certify"),
    (("--solver", "gurobi"), "--solver only applies to --method exact and --certify"),
])
def test_bad_certify_settings_get_one_line(run_cli, one_line_error, tmp_path, extra, fragment):
    output = tmp_path / "out.json"
    one_line_error(run_cli(*BASE, *extra, "--output", output), fragment)
    assert not output.exists()


def test_a_solver_that_cannot_run_skips_its_step_and_keeps_the_run(sp500_sample, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "gurobipy", None)  # "import gurobipy" raises ImportError
    front = geo.frontier(sp500_sample, k=3, points=3, certify=True, certify_solver_time=5, solver="gurobi")
    record = front.result.details["certify"]
    assert "gurobipy" in record["solver_error"]
    assert all("lower_bound" in p.extras for p in front.result.points)
