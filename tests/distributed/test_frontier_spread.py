"""geo frontier on Dask: the same points as in-process, for exact (one task per target) and for
budgeted methods with --restarts; the CLI's --workers and an unreachable scheduler."""

from __future__ import annotations

import json
import math

import pytest

from geo.distributed import TaskRunner
from geo.orchestration.frontier.spread import spread_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.methods.registry import make_method
from geo.problem import ObjectiveGrid, Problem

TIMINGS = ("solve_seconds", "warm_start_seconds")


def points_of(result):
    return [{k: v for k, v in p.to_dict(result.objective).items() if k not in TIMINGS} for p in result.points]


def without_wall(result):
    return [{k: v for k, v in x.items() if k != "wall_s"} for x in result.details["restarts"]]


def both_ways(cluster, problem, grid, name, settings=None, **kwargs):
    serial = spread_frontier(problem, grid, make_method(name, **(settings or {})), **kwargs)
    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        spread = spread_frontier(problem, grid, make_method(name, **(settings or {})), runner=runner, **kwargs)
    assert serial.details["where"] == "in-process" and spread.details["where"].startswith("dask scheduler")
    return serial, spread


def test_exact_on_a_cluster_equals_in_process(cluster, sp500_sample):
    data = sp500_sample.subset(list(sp500_sample.tickers[:8]))
    problem = Problem.from_dataset(data, 3, w_max=0.6)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 4))
    serial, spread = both_ways(cluster, problem, grid, "exact", {"point_time_limit": math.inf}, seed=3)
    assert [p.status for p in serial.points] == ["optimal"] * 4
    assert points_of(spread) == points_of(serial)
    assert spread.details["evaluations"] == serial.details["evaluations"]


@pytest.mark.parametrize("name, settings", [("local-search", {}), ("geo", {"generator": "mps"})])
def test_restarts_on_a_cluster_equal_in_process(cluster, sp500_sample, name, settings):
    problem = Problem.from_dataset(sp500_sample, 4, cardinality="at-most", w_max=0.5)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 5))
    serial, spread = both_ways(cluster, problem, grid, name, settings, seed=7, budget=1500, restarts=3)
    assert points_of(spread) == points_of(serial)
    assert spread.details["evaluations"] == serial.details["evaluations"] <= 1500
    assert without_wall(spread) == without_wall(serial)


def test_workers_option_equals_in_process_output(run_cli, tmp_path):
    common = ["frontier", "sp500-sample", "-k", "3", "--points", "4", "--budget", "1200", "--restarts", "2",
              "--seed", "2", "--quiet"]
    outputs = []
    for extra in ([], ["--workers", "1"]):
        out = tmp_path / f"f{len(outputs)}.json"
        result = run_cli(*common, *extra, "--output", out)
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text())
        outputs.append((data["points"], data["details"]["evaluations"], data["details"]["where"]))
    assert outputs[0][:2] == outputs[1][:2]
    assert outputs[0][2] == "in-process" and outputs[1][2].startswith("local dask cluster, 1 worker")


def test_unreachable_scheduler_is_one_line(run_cli, one_line_error, tmp_path, monkeypatch):
    import geo.distributed.runner as runner_module

    monkeypatch.setattr(runner_module, "CONNECT_TIMEOUT_S", 1)
    out = tmp_path / "out.json"
    result = run_cli("frontier", "sp500-sample", "-k", "3", "--points", "3", "--method", "exact",
                     "--scheduler", "tcp://127.0.0.1:9", "--quiet", "--output", out)
    one_line_error(result, "cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not out.exists()


def test_a_worker_killed_mid_run_costs_only_time(cluster, sp500_sample):
    """Last in this module: it kills one of the shared cluster's workers (its nanny restarts it)."""
    import os
    import signal

    from dask.distributed import Client

    problem = Problem.from_dataset(sp500_sample, 4, cardinality="at-most", w_max=0.5)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 5))
    kwargs = {"seed": 11, "budget": 2000, "restarts": 4}
    serial = spread_frontier(problem, grid, make_method("geo"), **kwargs)
    with Client(cluster.scheduler_address) as client:
        pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one_worker(done: int, total: int) -> None:
        if not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        spread = spread_frontier(problem, grid, make_method("geo"), runner=runner, progress=kill_one_worker, **kwargs)
    assert killed
    assert points_of(spread) == points_of(serial)
    assert without_wall(spread) == without_wall(serial)
