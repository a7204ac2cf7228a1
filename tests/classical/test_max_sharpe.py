"""Exact max-Sharpe: enumeration equals a brute-force tangency search over every K-subset (each
solved by cvxpy, independently of geo's QP), SCIP proves the same selection, and the heuristics
find no better one."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.methods.registry import make_method
from geo.orchestration.frontier.run import compute_frontier
from geo.problem import ObjectiveGrid, Problem
from geo.problem.holdings import Holdings, position_floor

N, K = 9, 3
TICKERS = [f"T{i}" for i in range(N)]
RISK_FREE = 0.0002


def make_problem(w_min: float = 0.0, w_max: float = 0.6, cardinality: str = "exact",
                 holdings: Holdings | None = None) -> Problem:
    rng = np.random.default_rng(11)
    factors = rng.normal(size=(250, N)) * 0.012
    mu = rng.normal(0.0005, 0.0007, N)
    return Problem(mu, factors.T @ factors / 250, k=K, cardinality=cardinality, w_min=w_min, w_max=w_max,
                   tickers=TICKERS, holdings=holdings)


def cvxpy_tangency(problem: Problem, index: tuple[int, ...]) -> float:
    """The largest Sharpe ratio of a subset, by cvxpy on the homogenised problem (-inf: no excess)."""
    import cvxpy as cp

    index = list(index)
    excess = problem.mu[index] - RISK_FREE
    if excess.max() <= 0:
        return -np.inf
    y, t = cp.Variable(len(index)), cp.Variable(nonneg=True)
    constraints = [excess @ y == 1, cp.sum(y) == t, y >= problem.w_min * t, y <= problem.w_max * t]
    task = cp.Problem(cp.Minimize(cp.quad_form(y, problem.cov[np.ix_(index, index)])), constraints)
    task.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return 1 / np.sqrt(task.value) if task.status == cp.OPTIMAL else -np.inf


def brute_force(problem: Problem, allowed=lambda index: True) -> tuple[tuple[int, ...], float]:
    sizes = problem.feasible_sizes
    candidates = [c for s in sizes for c in itertools.combinations(range(N), s) if allowed(c)]
    ratios = [cvxpy_tangency(problem, c) for c in candidates]
    best = int(np.argmax(ratios))
    return candidates[best], ratios[best]


@pytest.mark.parametrize("settings", [{}, {"w_min": 0.1, "w_max": 0.5}, {"cardinality": "at-most"}])
def test_enumeration_equals_a_brute_force_tangency_search(settings):
    problem = make_problem(**settings)
    index, ratio = brute_force(problem)
    grid = ObjectiveGrid.max_sharpe(RISK_FREE)
    point = compute_frontier(problem, grid, make_method("enumeration"), seed=0).points[0]
    assert point.status == "optimal"
    assert set(point.weights) == {TICKERS[i] for i in index}
    assert point.extras["sharpe"] == pytest.approx(ratio, rel=1e-7)
    exact = compute_frontier(problem, grid, make_method("exact", point_time_limit=30), seed=0).points[0]
    assert exact.status == "optimal" and set(exact.weights) == set(point.weights)
    assert exact.extras["mip_gap"] < 1e-4
    for name in ("local-search", "annealing", "geo"):
        found = compute_frontier(problem, grid, make_method(name), seed=1, budget=400).points[0]
        assert found.extras["sharpe"] <= point.extras["sharpe"] * (1 + 1e-9), name


def test_max_changes_holds_for_max_sharpe_too():
    book = {"T0": 0.5, "T1": 0.3, "T2": 0.2}
    holdings = Holdings.build(TICKERS, book, max_changes=2)
    problem = make_problem(w_min=position_floor(0.0, 2), holdings=holdings)
    index, ratio = brute_force(problem, lambda c: holdings.allows(np.isin(np.arange(N), c))[0])
    grid = ObjectiveGrid.max_sharpe(RISK_FREE)
    for name in ("enumeration", "exact"):
        point = compute_frontier(problem, grid, make_method(name), seed=0).points[0]
        assert point.status == "optimal" and set(point.weights) == {TICKERS[i] for i in index}, name
        assert point.extras["sharpe"] == pytest.approx(ratio, rel=1e-6) and point.extras["changes"] <= 2


def test_no_selection_beating_the_risk_free_rate_is_infeasible_not_a_guess():
    problem = make_problem()
    grid = ObjectiveGrid.max_sharpe(float(problem.mu.max()) + 1e-6)
    assert compute_frontier(problem, grid, make_method("enumeration"), seed=0).points[0].status == "infeasible"
    assert compute_frontier(problem, grid, make_method("local-search"), seed=0).points[0].status == "not_found"


def test_relaxation_refuses_max_sharpe():
    with pytest.raises(GeoError, match="no convex relaxation of the max-Sharpe"):
        compute_frontier(make_problem(), ObjectiveGrid.max_sharpe(0.0), make_method("relaxation"), seed=0)
