"""Every method that takes ``--budget`` spends at most the budget: construction, temperature
calibration, booster seeding, refinement and the final re-pricing all count (issue 8)."""

import numpy as np
import pytest

from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.methods.registry import make_method
from geo.problem import ObjectiveGrid, Problem

BUDGETED = [
    ("local-search", {}),
    ("annealing", {}),
    ("relaxation", {}),
    ("geo", {"generator": "mps"}),
    ("geo", {"generator": "independent", "seed_method": "annealing"}),
    ("geo", {"generator": "uniform", "seed_method": "random"}),
    ("geo", {"generator": "mps", "refine": "none", "seed_method": "random"}),
]


@pytest.mark.parametrize("budget", [137, 1000, 2000])
@pytest.mark.parametrize("name, settings", BUDGETED,
                         ids=[f"{m}-{'-'.join(map(str, s.values()))}" for m, s in BUDGETED])
def test_reported_evaluations_never_exceed_the_budget(sp500_sample, name, settings, budget):
    problem = Problem.from_dataset(sp500_sample, 5, cardinality="at-most", w_max=0.5)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 12))
    result = compute_frontier(problem, grid, make_method(name, **settings), seed=2, budget=budget)
    assert 0 < result.details["evaluations"] <= budget
    assert result.details["screened"] >= 0
    # a budget too small to finish still returns what was found, never a corrupt point
    assert all(p.status in ("heuristic", "not_found", "infeasible") for p in result.points)
    assert any(p.feasible for p in result.points)


def test_methods_that_prove_optimality_do_not_take_a_budget(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 3)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 3))
    result = compute_frontier(problem, grid, make_method("enumeration"), budget=10)
    assert all(p.status == "optimal" for p in result.points)
    assert result.details["evaluations"] > 10  # enumeration prices everything: the budget does not apply
    assert np.isfinite([p.variance for p in result.points]).all()
