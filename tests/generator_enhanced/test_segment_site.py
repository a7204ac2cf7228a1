"""GEO with ``conditioning="segment-site"``: one MPS with a segment site instead of one per segment."""

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.generator_enhanced.optimizer import GEOMethod
from geo.generator_enhanced.segment_site import SegmentSiteView
from geo.methods.base import Deadline
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


@pytest.fixture(scope="module")
def case(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 5, cardinality="at-most", w_max=0.5)
    return problem, ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 12))


def run_geo(problem, grid, seed, budget, **settings):
    evaluator = SelectionEvaluator(problem, grid)
    method = GEOMethod(generator="mps", conditioning="segment-site", **settings)
    run = method.solve(evaluator, np.random.default_rng(seed), budget, Deadline(None))
    return run, evaluator


@pytest.mark.parametrize("budget", [137, 1000, 2000])
def test_segment_site_geo_spends_exactly_its_budget(case, budget):
    problem, grid = case
    run, evaluator = run_geo(problem, grid, seed=2, budget=budget)
    assert run.details["stopped_by"] == "budget"
    assert evaluator.n_evaluations == budget
    assert any(p.feasible for p in run.points)


def test_segment_site_geo_trains_one_shared_model_and_says_so(case):
    problem, grid = case
    run, _ = run_geo(problem, grid, seed=1, budget=None, seed_method="random", initial_pool=30, iterations=4)
    assert run.details["conditioning"] == "segment-site" and run.details["segments"] == 5
    history = run.details["iterations"]
    assert len(history) == 4
    # the held-out NLL of the segment-conditioned model is recorded once it has been trained
    assert any(record["heldout_nll"] is not None for record in history)


def test_the_segments_share_one_model(case):
    problem, grid = case
    evaluator = SelectionEvaluator(problem, grid)
    method = GEOMethod(generator="mps", conditioning="segment-site")
    state = method._start(evaluator, np.random.default_rng(0), 600, Deadline(None))
    method._fit(state, np.random.default_rng(0), Deadline(None))
    views = [model.generator for model in state.models.models]
    assert all(isinstance(view, SegmentSiteView) for view in views)
    assert len({id(view.shared) for view in views}) == 1
    assert [view.segment for view in views] == list(range(5))
    assert views[0].shared.model.mps_.physical_dims == {problem.n_assets // 2: 5}


def test_segment_site_geo_is_reproducible(case):
    problem, grid = case
    first, _ = run_geo(problem, grid, seed=5, budget=1500)
    second, _ = run_geo(problem, grid, seed=5, budget=1500)
    assert [p.to_dict("target-return") for p in first.points] == [p.to_dict("target-return") for p in second.points]
    assert first.details["iterations"] == second.details["iterations"]


def test_segment_site_needs_the_mps_generator():
    with pytest.raises(GeoError, match="needs --generator mps"):
        GEOMethod(generator="independent", conditioning="segment-site")
    with pytest.raises(GeoError, match="unknown conditioning"):
        GEOMethod(conditioning="per-target")


def test_the_raw_loop_keeps_its_segments_when_conditioning_on_them():
    assert GEOMethod(refine="none").n_segments == 1  # the paper's loop: one generator
    assert GEOMethod(refine="none", conditioning="segment-site").n_segments == 5
    assert GEOMethod(refine="none", conditioning="segment-site", segments=3).n_segments == 3
