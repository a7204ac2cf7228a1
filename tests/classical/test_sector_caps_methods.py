"""Sector caps carried through the methods: exact MIQP, enumeration, relaxation, heuristics, GEO."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geo.orchestration.frontier.run import compute_frontier
from geo.methods.registry import make_method
from geo.problem import ObjectiveGrid, Problem
from geo.problem.sector_caps import SectorCaps

SECTORS = ["A", "A", "A", "A", "B", "B", "B", "C", "C", "D"]


def problems(cap: float = 0.4) -> tuple[Problem, Problem]:
    rng = np.random.default_rng(11)
    n = len(SECTORS)
    factor = rng.normal(size=(n, 3))
    cov = factor @ factor.T * 0.02 + np.diag(rng.uniform(0.01, 0.05, n))
    # Sector A is the cheapest to hold: the uncapped optimum crowds into it, so the cap binds.
    scale = np.where(np.arange(n) < 4, 0.5, 1.0)
    cov = cov * np.outer(scale, scale)
    mu = rng.normal(0.01, 0.005, n)
    tickers = [f"T{i}" for i in range(n)]
    caps = SectorCaps.build(tickers, dict(zip(tickers, SECTORS)), cap=cap)
    free = Problem(mu=mu, cov=cov, k=3, tickers=tickers)
    return free, Problem(mu=mu, cov=cov, k=3, tickers=tickers, sector_caps=caps)


def assert_caps_hold(result, problem: Problem) -> None:
    caps = problem.sector_caps
    for point in result.points:
        if not point.feasible:
            continue
        totals: dict[str, float] = {}
        for ticker, weight in point.weights.items():
            name = caps.names[caps.sector_of[problem.tickers.index(ticker)]]
            totals[name] = totals.get(name, 0.0) + weight
        for name, total in totals.items():
            assert total <= caps.caps[caps.names.index(name)] + 1e-7


GRID = ObjectiveGrid.risk_aversions([0.05, 0.3, 0.7, 1.0])


def test_exact_and_enumeration_agree_under_caps_and_lie_above_the_uncapped_frontier():
    free, capped = problems()
    exact = compute_frontier(capped, GRID, make_method("exact", point_time_limit=math.inf), seed=0)
    enum = compute_frontier(capped, GRID, make_method("enumeration"), seed=0)
    enum_free = compute_frontier(free, GRID, make_method("enumeration"), seed=0)
    assert_caps_hold(exact, capped)
    assert_caps_hold(enum, capped)
    assert all(p.status == "optimal" for p in exact.points)
    cost = lambda p, lam: lam * p.variance - (1 - lam) * p.expected_return  # noqa: E731
    for a, b, c, lam in zip(exact.points, enum.points, enum_free.points, GRID.values):
        assert cost(a, lam) == pytest.approx(cost(b, lam), rel=1e-5, abs=1e-8)
        assert cost(b, lam) >= cost(c, lam) - 1e-12
    # The cap binds at minimum variance: the capped optimum is strictly worse there.
    assert enum.points[-1].variance > enum_free.points[-1].variance * (1 + 1e-6)


@pytest.mark.parametrize("method, settings", [("local-search", {}), ("annealing", {}), ("relaxation", {}),
                                              ("geo", {"generator": "independent", "iterations": 3})])
def test_every_method_returns_portfolios_within_the_caps(method, settings):
    _, capped = problems()
    result = compute_frontier(capped, GRID, make_method(method, **settings), seed=1, budget=2000)
    assert any(p.feasible for p in result.points)
    assert_caps_hold(result, capped)


def test_capped_frontier_lies_at_or_above_the_uncapped_one_at_every_target_return():
    from geo.orchestration.frontier.targets import evenly_spaced_targets

    free, capped = problems()
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(free, 8))
    exact_capped = compute_frontier(capped, grid, make_method("exact", point_time_limit=math.inf), seed=0)
    enum_free = compute_frontier(free, grid, make_method("enumeration"), seed=0)
    enum_capped = compute_frontier(capped, grid, make_method("enumeration"), seed=0)
    assert_caps_hold(exact_capped, capped)
    solved = 0
    for e, c, f in zip(exact_capped.points, enum_capped.points, enum_free.points):
        assert f.status == "optimal"
        assert e.status == c.status  # both optimal, or both proven infeasible under the caps
        if c.status == "optimal":
            solved += 1
            assert e.variance == pytest.approx(c.variance, rel=1e-5)
            assert c.variance >= f.variance * (1 - 1e-9)
    assert solved >= 3
