"""Refinement of GEO's starts: the target schedule, continuation, the descents, exploration."""

import numpy as np
import pytest

from geo.classical.local_search import descend
from geo.classical.neighbourhood import all_neighbours, random_selections
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.generator_enhanced.exploration import Exploration
from geo.generator_enhanced.refinement import REFINE_MODES, TargetSchedule, descent_for, frontier_dents, refine
from geo.methods.base import Deadline
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


@pytest.fixture(scope="module")
def case(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 5, w_max=0.5)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 8))
    return problem, grid


def test_schedule_visits_every_target_before_any_twice_and_dents_first():
    schedule = TargetSchedule(6)
    best = np.array([1.0, 2.0, 5.0, 3.0, 4.0, 5.0])  # target 2 sits far above its neighbours
    first = schedule.next_columns(3, best)
    assert first[0] == 2
    for column in first:
        schedule.record(int(column))
    second = schedule.next_columns(3, best)
    assert set(first) | set(second) == set(range(6))


def test_frontier_dents_are_relative_and_zero_at_the_ends():
    dents = frontier_dents(np.array([1.0, 3.0, 2.0, np.inf, 4.0]))
    assert dents[0] == 0 and dents[-1] == 0
    assert dents[1] == pytest.approx((3.0 - 1.5) / 3.0)
    assert dents[2] == 0.0  # below the line: convex there
    assert dents[3] == 0.0  # unknown


def test_refine_continues_along_the_frontier_while_it_improves(case):
    problem, grid = case
    evaluator = SelectionEvaluator(problem, grid)
    start = random_selections(problem, 1, np.random.default_rng(0))[0]
    unknown = np.full(len(grid), np.inf)
    steepest = descent_for("descent", evaluator, np.random.default_rng(0), Deadline(None), None)
    result = refine(evaluator, start, 3, unknown, Deadline(None), steepest)
    # with nothing known, every descent improves its target: continuation reaches both ends
    assert sorted(result.improved_columns) == list(range(len(grid)))
    assert result.descents == len(grid) and len(result.optima) == len(grid)
    fresh = SelectionEvaluator(problem, grid)
    no_continuation = refine(fresh, start, 3, unknown, Deadline(None),
                             descent_for("descent", fresh, np.random.default_rng(0), Deadline(None), None),
                             continuation=False)
    assert no_continuation.descents == 1


@pytest.mark.parametrize("mode", [m for m in REFINE_MODES if m != "none"])
def test_every_descent_stops_at_a_true_local_optimum(case, mode):
    problem, grid = case
    rng = np.random.default_rng(4)
    marginals = rng.random(problem.n_assets)
    model_order = lambda column: lambda current, neighbours: neighbours @ np.log(marginals)  # noqa: E731
    for start in random_selections(problem, 5, rng):
        evaluator = SelectionEvaluator(problem, grid)
        stats = {}
        optimum, cost = descent_for(mode, evaluator, rng, Deadline(None), model_order)(start, 4, stats)
        plain, plain_cost = descend(SelectionEvaluator(problem, grid), start, 4, rng)
        assert np.isfinite(plain_cost) and np.isfinite(cost)
        neighbours = all_neighbours(problem, optimum)
        assert np.all(SelectionEvaluator(problem, grid).costs(neighbours, [4])[:, 0] >= cost * (1 - 1e-12))


def test_exploration_widens_when_stale_and_narrows_when_healthy():
    exploration = Exploration()
    assert exploration.update(0.5) is None
    assert "widened" in exploration.update(0.0)
    assert exploration.temperature_scale == 2.0 and exploration.prior_share == pytest.approx(0.1)
    for _ in range(20):
        exploration.update(0.0)
    assert exploration.temperature_scale == exploration.max_temperature_scale
    assert exploration.prior_share == pytest.approx(exploration.max_prior_share)
    assert "narrowed" in exploration.update(0.9)
    assert exploration.temperature_scale == exploration.max_temperature_scale / 2
