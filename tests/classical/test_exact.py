"""SCIP's exact frontier: published CCEF, full enumeration, and honest time-limit statuses.

A test that expects a proof gives SCIP no time limit (``TO_PROOF``): on a loaded machine a proof
that takes 1 s may take 40, and a time limit would turn it into a (correctly reported) time_limit.
The tests of the limits themselves stop SCIP by a node limit or an injected clock, never by time.
"""

import math

import numpy as np
import pytest

from geo.methods import Deadline
from geo.classical import ExactMethod
from geo.classical.enumeration import all_selections
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

# Rows of RetRisk31_SolVal.txt spread over port1's frontier (the steep top end, where the
# published 5-digit values drift beyond 0.05%, is left out; see the data README).
CCEF_ROWS = [150, 250, 330, 400, 480]
K10_COLUMN = 9  # 0-based: target, then K = 2..10, then the unconstrained variance
TO_PROOF = math.inf  # point_time_limit: SCIP (and the SDP diagonal) run until they finish


def run_exact(problem, grid, seed=0, deadline=None, **settings):
    evaluator = SelectionEvaluator(problem, grid)
    result = ExactMethod(**settings).solve(evaluator, np.random.default_rng(seed), None, Deadline(deadline))
    return evaluator, result


def test_matches_the_published_ccef_on_port1(port1, shared_data):
    published = np.loadtxt(shared_data / "orlib" / "ccef" / "RetRisk31_SolVal.txt", delimiter="\t")[CCEF_ROWS]
    problem = Problem.from_dataset(port1, 10, cardinality="at-most", w_min=0.0, w_max=1.0)
    _, result = run_exact(problem, ObjectiveGrid.target_returns(published[:, 0]), point_time_limit=TO_PROOF)
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


# Every form with the default (SDP) diagonal; the other diagonals on one form each.
ENUMERATION_CASES = [(kind, cardinality, "sdp") for kind in ("target-return", "risk-aversion")
                     for cardinality in ("exact", "at-most")]
ENUMERATION_CASES += [("risk-aversion", "at-most", "eigenvalue"), ("risk-aversion", "exact", "none")]


@pytest.mark.parametrize("kind, cardinality, diagonal", ENUMERATION_CASES)
def test_matches_enumeration_on_a_tiny_problem(cardinality, kind, diagonal):
    problem = tiny_problem(cardinality)
    if kind == "target-return":
        low, high = problem.return_range()
        grid = ObjectiveGrid.target_returns(np.linspace(low, high, 9)[1:-1])
    else:
        grid = ObjectiveGrid.risk_aversions([0.0, 0.2, 0.5, 0.9, 1.0])
    optimum = enumerate_optimum(problem, grid)
    _, result = run_exact(problem, grid, diagonal=diagonal, point_time_limit=TO_PROOF)
    costs = []
    for point, value in zip(result.points, grid.values):
        weights = np.array([point.weights.get(t, 0.0) for t in problem.tickers])
        costs.append(point.variance if kind == "target-return"
                     else value * point.variance - (1 - value) * float(problem.mu @ weights))
    finite = np.isfinite(optimum)
    assert [p.status for p in result.points] == ["optimal" if f else "infeasible" for f in finite]
    np.testing.assert_allclose(np.array(costs)[finite], optimum[finite], rtol=1e-7, atol=1e-12)


# SCIP stops after a light root node (one round of presolve and of cuts): a limit that does
# not depend on the machine's speed.
ROOT_NODE_ONLY = {"limits/nodes": 1, "presolving/maxrounds": 1, "separating/maxroundsroot": 1}


def assert_honest(point):
    extras = point.extras
    if point.status == "optimal":  # only if SCIP proved it
        assert extras["solver_status"] == "optimal" and extras["mip_gap"] < 1e-5
    else:
        assert point.status == "time_limit" and extras["solver_status"] in ("nodelimit", "timelimit")
        assert 0 < extras["mip_gap"] < 1 and extras["best_bound"] < point.variance


def test_a_solve_stopped_at_its_limit_is_reported_as_such():
    """Even holding the optimum (the memo knows every selection), a solve that stopped at its
    node limit says time_limit, with a valid bound and a positive gap, never optimal."""
    problem = tiny_problem("at-most")
    low, high = problem.return_range()
    grid = ObjectiveGrid.target_returns(np.linspace(low, high, 5)[1:-1])
    evaluator = SelectionEvaluator(problem, grid)
    optimum = evaluator.costs(np.concatenate(list(all_selections(problem)))).min(axis=0)
    # Without the perspective term (nor the product cut) SCIP's root bound is weak: it cannot
    # close these points there.
    method = ExactMethod(point_time_limit=TO_PROOF, diagonal="none", warm_start="memo", scip_params=ROOT_NODE_ONLY,
                         cuts="none")
    result = method.solve(evaluator, np.random.default_rng(0), None, Deadline(None))
    for point, best in zip(result.points, optimum):
        assert_honest(point)
        assert point.status == "time_limit" and point.extras["solver_status"] == "nodelimit"
        assert point.extras["nodes"] <= 1
        assert point.extras["warm_start"] is True and point.extras["warm_start_source"] == "memo"
        assert point.variance == pytest.approx(best, rel=1e-9)
        assert point.extras["best_bound"] <= best * (1 + 1e-6)  # a valid lower bound


class FakeClock:
    """Stands in for ``time`` in geo.methods.base: the deadline sees only the time we advance."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture()
def fake_clock(monkeypatch):
    import geo.methods.base

    clock = FakeClock()
    monkeypatch.setattr(geo.methods.base, "time", clock)
    return clock


@pytest.mark.parametrize("spent, second_limit", [(7.0, 3.0), (11.0, None)])
def test_the_deadline_is_shared_between_points(fake_clock, spent, second_limit):
    """10 s for 2 points: the first gets 5 s; after ``spent`` seconds the second gets the rest, or
    none at all (then it is the memo's best selection, never claimed as solved)."""
    problem = tiny_problem("exact")
    low, high = problem.return_range()
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns(np.linspace(low, high, 4)[1:-1]))

    def progress(done, total):
        fake_clock.now += spent if done == 1 else 0.0

    result = ExactMethod().solve(evaluator, np.random.default_rng(0), None, Deadline(10.0), progress)
    first, second = result.points
    assert first.extras["time_limit_s"] == pytest.approx(5.0)
    assert_honest(first)
    if second_limit is not None:
        assert second.extras["time_limit_s"] == pytest.approx(second_limit)
        assert_honest(second)
    else:
        assert "solver_status" not in second.extras and second.status in ("heuristic", "time_limit")
        assert not second.extras.get("proven")


def test_without_any_time_limit_each_point_gets_the_default(caplog):
    from geo.classical.exact import DEFAULT_POINT_SECONDS

    problem = tiny_problem("exact")
    low, high = problem.return_range()
    grid = ObjectiveGrid.target_returns([(low + high) / 2])
    with caplog.at_level("WARNING", logger="geo"):
        _, result = run_exact(problem, grid)
    notices = [r.getMessage() for r in caplog.records if r.name == "geo"]
    assert len(notices) == 1 and f"{DEFAULT_POINT_SECONDS:g} s" in notices[0]
    assert all(p.extras["time_limit_s"] == DEFAULT_POINT_SECONDS for p in result.points)
    assert result.details["point_time_limit"] == DEFAULT_POINT_SECONDS
    caplog.clear()
    with caplog.at_level("WARNING", logger="geo"):  # a command deadline replaces the default, silently
        _, result = run_exact(problem, grid, deadline=100)
    assert not [r for r in caplog.records if r.name == "geo"]
    assert result.points[0].extras["time_limit_s"] <= 100


@pytest.mark.parametrize("warm_start", ["local-search", "memo", "none"])
def test_the_warm_start_is_feasible_and_used(warm_start):
    problem = tiny_problem("at-most")
    low, high = problem.return_range()
    grid = ObjectiveGrid.target_returns(np.linspace(low, high, 5)[1:-1])
    evaluator, result = run_exact(problem, grid, warm_start=warm_start, point_time_limit=TO_PROOF)
    sources = [p.extras.get("warm_start_source") for p in result.points]
    if warm_start == "none":
        assert sources == [None] * len(sources) and all("warm_start" not in p.extras for p in result.points)
        return
    # SCIP accepted every start it was given (it checks feasibility), and the first point, where
    # the memo is still empty, can only have been started by the local search.
    given = [p for p in result.points if "warm_start" in p.extras]
    assert all(p.extras["warm_start"] is True for p in given)
    if warm_start == "local-search":
        assert len(given) == len(result.points) and sources[0] == "local-search"
    else:
        assert "warm_start" not in result.points[0].extras and len(given) >= 1
    assert all(p.status == "optimal" for p in result.points)


def test_an_unreachable_target_is_proven_infeasible():
    problem = tiny_problem("exact")
    high = problem.return_range()[1]
    _, result = run_exact(problem, ObjectiveGrid.target_returns([high + 0.1 * abs(high)]),
                          point_time_limit=TO_PROOF)
    point = result.points[0]
    assert point.status == "infeasible" and point.extras["proven"] is True and not point.weights


def test_bad_settings_are_one_line_errors():
    from geo.core.errors import GeoError

    for settings in ({"diagonal": "huge"}, {"warm_start": "magic"}, {"point_time_limit": 0}):
        with pytest.raises(GeoError):
            ExactMethod(**settings)


def test_the_sdp_diagonal_is_kept_beside_the_checkpoint_until_the_run_ends(tmp_path, monkeypatch):
    from geo.classical import sdp_diagonal
    from geo.orchestration.frontier.run import compute_frontier

    monkeypatch.setattr(sdp_diagonal, "_memo", {})
    problem = tiny_problem("exact")
    low, high = problem.return_range()
    grid = ObjectiveGrid.target_returns([(low + high) / 2])
    seen = []

    def progress(done, total):  # while the run is on, the diagonal sits in the checkpoint folder
        seen.extend(p.name for p in (tmp_path / "ckpt").glob("sdp_diagonal-*.npz"))

    result = compute_frontier(problem, grid, ExactMethod(point_time_limit=TO_PROOF), checkpoint_dir=tmp_path / "ckpt",
                              progress=progress)
    assert result.points[0].status == "optimal" and result.details["sdp_status"] == "optimal"
    assert len(seen) == 1
    assert not (tmp_path / "ckpt").exists()  # a finished run leaves nothing behind


def test_every_exact_point_carries_its_shaved_solver_bound():
    problem = tiny_problem("at-most")
    low, high = problem.return_range()
    grid = ObjectiveGrid.target_returns(np.linspace(low, high, 5)[1:-1])
    _, result = run_exact(problem, grid, point_time_limit=TO_PROOF)
    optimum = enumerate_optimum(problem, grid)
    for point, best in zip(result.points, optimum):
        assert point.extras["bound_source"] == "scip"
        assert point.extras["lower_bound"] <= best < point.extras["best_bound"] + 1e-4 * best


def test_the_product_cut_keeps_the_answer_and_adds_its_bound():
    problem = tiny_problem("exact")
    low, high = problem.return_range()
    grid = ObjectiveGrid.target_returns(np.linspace(low, high, 4)[1:-1])
    _, result = run_exact(problem, grid, point_time_limit=TO_PROOF, cuts="product")
    optimum = enumerate_optimum(problem, grid)
    assert [p.status for p in result.points] == ["optimal"] * len(optimum)
    assert np.allclose([p.variance for p in result.points], optimum, rtol=1e-6)
    assert all(p.extras["lower_bound"] <= best for p, best in zip(result.points, optimum))
