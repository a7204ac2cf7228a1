"""One frontier as tasks, in-process (geo.orchestration.frontier.spread): --restarts for budgeted methods, one task
per target for exact; budgets, the merge, checkpoints and bad input. The same tasks on a Dask
cluster: tests/distributed/test_frontier_spread.py."""

import math

import numpy as np
import pytest

from geo.distributed import task_seeds
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.spread import spread_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.orchestration.frontier.tasks import split_budget, target_grid
from geo.methods.registry import make_method
from geo.problem import ObjectiveGrid, Problem


@pytest.fixture(scope="module")
def problem_and_grid(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 4, cardinality="at-most", w_max=0.5)
    return problem, ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 6))


def points_of(result):
    return [p.to_dict(result.objective) for p in result.points]


def test_split_budget_sums_to_the_budget_remainder_first():
    assert split_budget(10, 3) == [4, 3, 3]
    assert split_budget(9, 3) == [3, 3, 3]
    assert split_budget(None, 2) == [None, None]
    assert sum(split_budget(20_001, 7)) == 20_001


@pytest.mark.parametrize("name", ["local-search", "geo"])
def test_one_restart_is_exactly_todays_run(problem_and_grid, name):
    problem, grid = problem_and_grid
    today = compute_frontier(problem, grid, make_method(name), seed=3, budget=1500)
    spread = spread_frontier(problem, grid, make_method(name), seed=3, budget=1500, restarts=1)
    assert points_of(spread) == points_of(today)
    assert spread.details["evaluations"] == today.details["evaluations"]
    assert spread.details["where"] == "in-process"


@pytest.mark.parametrize("restarts", [1, 2, 3])
@pytest.mark.parametrize("name", ["local-search", "annealing", "geo"])
def test_restarts_never_spend_more_than_the_budget(problem_and_grid, name, restarts):
    problem, grid = problem_and_grid
    budget = 1201
    result = spread_frontier(problem, grid, make_method(name), seed=1, budget=budget, restarts=restarts)
    assert 0 < result.details["evaluations"] <= budget
    if restarts > 1:
        summary = result.details["restarts"]
        assert [r["budget"] for r in summary] == split_budget(budget, restarts)
        assert all(r["evaluations"] <= r["budget"] for r in summary)
        assert sum(r["evaluations"] for r in summary) == result.details["evaluations"]
        assert [r["seed"] for r in summary] == task_seeds(1, restarts)


def test_restarts_keep_the_cheapest_point_per_target(problem_and_grid):
    """The merge equals running each restart alone with its seed and share, then the best per target."""
    problem, grid = problem_and_grid
    merged = spread_frontier(problem, grid, make_method("local-search"), seed=4, budget=900, restarts=3)
    alone = [compute_frontier(problem, grid, make_method("local-search"), seed=s, budget=b)
             for s, b in zip(task_seeds(4, 3), split_budget(900, 3))]
    for column, point in enumerate(merged.points):
        variances = [r.points[column].variance if r.points[column].feasible else math.inf for r in alone]
        assert point.variance == min(variances)
        assert point.extras["restart"] == int(np.argmin(variances))
        assert point.status == alone[point.extras["restart"]].points[column].status


def test_exact_solves_each_target_on_its_own(sp500_sample):
    """In-process, exact runs the same one-target tasks as on a cluster: each target's answer is
    that of a run over that target alone with the task's seed."""
    data = sp500_sample.subset(list(sp500_sample.tickers[:8]))
    problem = Problem.from_dataset(data, 3, w_max=0.6)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 3))
    method = make_method("exact", point_time_limit=math.inf)  # to proof, whatever the load
    whole = spread_frontier(problem, grid, method, seed=2)
    assert [p.status for p in whole.points] == ["optimal"] * 3
    seeds = task_seeds(2, 3)
    for column in (0, 2):
        alone = compute_frontier(problem, target_grid(grid, column), method, seed=seeds[column])
        assert alone.points[0].weights == whole.points[column].weights
        assert alone.points[0].variance == whole.points[column].variance
    assert len(whole.details["task_seconds"]) == 3
    assert whole.details["points"]["optimal"] == 3


def test_finished_restarts_survive_an_interruption(problem_and_grid, tmp_path):
    problem, grid = problem_and_grid
    kwargs = {"seed": 5, "budget": 1200, "restarts": 3, "checkpoint_dir": tmp_path / "ckpt"}
    full = spread_frontier(problem, grid, make_method("local-search"), seed=5, budget=1200, restarts=3)

    def stop_after_the_first(done, total):
        if done == 1:
            raise KeyboardInterrupt

    cut = spread_frontier(problem, grid, make_method("local-search"), progress=stop_after_the_first, **kwargs)
    assert cut.details["interrupted"] and {p.status for p in cut.points} == {"interrupted"}
    assert cut.details["checkpoint"] == str(tmp_path / "ckpt")
    resumed = spread_frontier(problem, grid, make_method("local-search"), resume=True, **kwargs)
    assert resumed.details["resumed_tasks"] == 1
    assert points_of(resumed) == points_of(full)
    assert resumed.details["evaluations"] == full.details["evaluations"]
    assert not (tmp_path / "ckpt").exists()


@pytest.mark.parametrize("args, fragments", [
    (["--restarts", "0"], ["--restarts must be positive (got 0)"]),
    (["--restarts", "2", "--method", "exact"], ["--restarts does not apply to --method exact"]),
    (["--restarts", "2", "--method", "enumeration"], ["--restarts does not apply to --method enumeration"]),
    (["--restarts", "3", "--budget", "2"], ["--budget 2 cannot be split over --restarts 3"]),
    (["--workers", "0"], ["--workers must be positive (got 0)"]),
    (["--workers", "1", "--scheduler", "tcp://127.0.0.1:9"], ["--workers and --scheduler were both given"]),
])
def test_bad_spread_options_are_one_line_errors(run_cli, one_line_error, tmp_path, args, fragments):
    out = tmp_path / "out.json"
    result = run_cli("frontier", "sp500-sample", "-k", "3", "--points", "3", "--quiet", "--output", out, *args)
    one_line_error(result, *fragments)
    assert not out.exists()
