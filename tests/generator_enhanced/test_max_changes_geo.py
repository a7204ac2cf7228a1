"""GEO under --max-changes: its samples, kicks, starts and refinements stay within M changes of the
book, in every start and refinement mode: no selection beyond it is even offered to the evaluator
(which would screen it), and none is priced."""

from __future__ import annotations

import numpy as np
import pytest

from geo.generator_enhanced.optimizer import GEOMethod
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.holdings import Holdings, position_floor

N = 14
TICKERS = [f"T{i}" for i in range(N)]


def make_problem(cardinality: str) -> Problem:
    rng = np.random.default_rng(2)
    factors = rng.normal(size=(150, N)) * 0.01
    holdings = Holdings.build(TICKERS, {"T1": 0.25, "T4": 0.25, "T9": 0.25, "T12": 0.25}, max_changes=2)
    return Problem(rng.normal(0.0008, 0.0006, N), factors.T @ factors / 150, k=5, cardinality=cardinality,
                   w_min=position_floor(0.0, 2), w_max=0.5, tickers=TICKERS, holdings=holdings)


@pytest.mark.parametrize("settings", [
    {"generator": "mps"},  # swap kicks drawn from the MPS's ratios, first-improvement descent
    {"generator": "independent", "refine": "reduced-cost"},
    {"generator": "mps", "starts": "kick"},
    {"generator": "mps", "starts": "sample", "seed_method": "random"},
    {"generator": "independent", "refine": "none", "seed_method": "random"},
    {"generator": "uniform", "refine": "guided", "seed_method": "annealing"},
])
@pytest.mark.parametrize("cardinality", ["exact", "at-most"])
def test_geo_searches_only_within_the_limit(settings, cardinality, monkeypatch):
    problem = make_problem(cardinality)
    offered = []
    for name in ("costs", "neighbourhood_costs"):
        original = getattr(SelectionEvaluator, name)

        def spy(self, *args, original=original, name=name, **kwargs):
            selections = args[1] if name == "neighbourhood_costs" else args[0]
            offered.append(np.atleast_2d(selections).copy())
            return original(self, *args, **kwargs)

        monkeypatch.setattr(SelectionEvaluator, name, spy)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 3))
    evaluator = SelectionEvaluator(problem, grid)
    result = compute_frontier(problem, grid, GEOMethod(iterations=3, **settings), seed=3, budget=1500,
                              evaluator=evaluator)
    selections, costs = evaluator.known()
    priced = np.isfinite(costs).any(axis=1)  # NaN: never priced, inf: screened or infeasible
    assert priced.sum() > 5
    assert problem.holdings.allows(selections[priced]).all()
    assert problem.holdings.allows(np.concatenate(offered)).all()
    feasible = [p for p in result.points if p.feasible]
    assert feasible and all(p.extras["changes"] <= 2 for p in feasible)
