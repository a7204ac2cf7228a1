"""Every method that takes ``--budget`` spends at most the budget: construction, temperature
calibration, booster seeding, refinement and the final re-pricing all count (issue 8)."""

import numpy as np
import pytest

from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.generator_enhanced.optimizer import SEED_OPTIONS
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
    ("geo", {"generator": "mps", "refine": "random"}),
    ("geo", {"generator": "uniform", "refine": "reduced-cost", "seed_method": "random"}),
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


ANSWERING = [
    ("local-search", {}),
    ("annealing", {}),
    ("relaxation", {}),
    ("geo", {}),
    ("geo", {"seed_method": "random"}),
    ("geo", {"seed_method": "annealing"}),
]


@pytest.mark.parametrize("name, settings", ANSWERING,
                         ids=[f"{m}-{'-'.join(map(str, s.values()))}" for m, s in ANSWERING])
def test_one_evaluation_per_target_answers_every_target(port1, name, settings):
    """Issue 17 §1: a cheap first answer at every target comes before any improvement, so a
    budget of one evaluation per target already answers the whole frontier."""
    problem = Problem.from_dataset(port1, 10, cardinality="at-most")
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 10))
    result = compute_frontier(problem, grid, make_method(name, **settings), seed=0, budget=10)
    assert result.details["evaluations"] <= 10
    assert all(p.feasible and p.status == "heuristic" for p in result.points), [p.status for p in result.points]


def test_qaoa_answers_every_target_at_one_evaluation_each(sp500_sample):
    problem = Problem.from_dataset(sp500_sample.subset(list(sp500_sample.tickers[:8])), 3)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 6))
    result = compute_frontier(problem, grid, make_method("qaoa"), seed=0, budget=6)
    assert result.details["evaluations"] <= 6 and all(p.feasible for p in result.points)


def the_seed():
    """GEO's seed method as GEO runs it: local search's sweep."""
    return make_method("local-search", **SEED_OPTIONS["local-search"])


@pytest.mark.parametrize("budget", [300, 1500])
def test_geo_below_its_seeds_sweep_returns_exactly_the_seeds_answers(port1, budget):
    """Issue 17 §1: the seed method runs as it would alone until its sweep is done; with too
    little budget for the sweep, GEO's answers are exactly the seed's at that budget."""
    problem = Problem.from_dataset(port1, 10, cardinality="at-most")
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 10))
    seed_alone = compute_frontier(problem, grid, the_seed(), seed=3, budget=budget)
    assert seed_alone.details["evaluations"] == budget  # the sweep needs more than this budget
    for generator in ("mps", "uniform"):
        by_geo = compute_frontier(problem, grid, make_method("geo", generator=generator), seed=3, budget=budget)
        assert by_geo.details["seed_stopped_by"] == "budget" and by_geo.details["iterations"] == []
        assert [p.to_dict("target-return") for p in by_geo.points] == \
            [p.to_dict("target-return") for p in seed_alone.points]


def test_geo_never_trails_its_seed_when_the_sweep_leaves_budget(port1):
    """With budget left after the seed's sweep, the loop spends it: every target is at least as
    good as the seed's own answer, and some target is better."""
    problem = Problem.from_dataset(port1, 10, cardinality="at-most")
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 10))
    budget = compute_frontier(problem, grid, the_seed(), seed=3).details["evaluations"] + 3000
    seed_alone = compute_frontier(problem, grid, the_seed(), seed=3, budget=budget)
    assert seed_alone.details["evaluations"] < budget
    by_geo = compute_frontier(problem, grid, make_method("geo", generator="uniform"), seed=3, budget=budget)
    assert by_geo.details["seed_stopped_by"] == "its own end" and by_geo.details["iterations"]
    assert by_geo.details["seed_evaluations"] == seed_alone.details["evaluations"]
    seed_variances = np.array([p.variance for p in seed_alone.points])
    geo_variances = np.array([p.variance for p in by_geo.points])
    assert np.all(geo_variances <= seed_variances * (1 + 1e-12))
