"""Dask: the same answers as in-process, and a worker killed mid-run is survived."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest

from geo.backtest.rebalance import RebalanceSettings
from geo.backtest.run import run_backtest
from geo.data.prices import PriceTable
from geo.distributed import TaskRunner, task_seeds

KW = dict(start="2020-01-01", end="2020-06-30", rebalance="monthly", window="1y", seed=5)
SETTINGS = RebalanceSettings(k=3, budget=200, choose="max-sharpe", points=3)


@pytest.fixture(scope="module")
def serial():
    return run_backtest(table(), SETTINGS, **KW)


def table() -> PriceTable:
    from synthetic_market import SECTORS, synthetic_prices

    return PriceTable("synthetic", synthetic_prices(), dict(SECTORS), "test")


def test_task_seeds_depend_on_the_seed_and_position_only():
    assert task_seeds(7, 5) == task_seeds(7, 8)[:5]
    assert len(set(task_seeds(7, 50))) == 50
    assert task_seeds(7, 3) != task_seeds(8, 3)


def test_backtest_on_a_cluster_equals_the_in_process_run(cluster, serial):
    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        spread = run_backtest(table(), SETTINGS, runner=runner, **KW)
    assert spread.timing["where"].startswith("dask scheduler")
    assert json.dumps(spread.to_dict()["rebalances"], sort_keys=True, default=str) == \
        json.dumps(serial.to_dict()["rebalances"], sort_keys=True, default=str) or _same_but_timing(serial, spread)
    assert spread.daily == serial.daily
    assert spread.metrics == serial.metrics


def _same_but_timing(a, b) -> bool:
    strip = lambda r: [{k: v for k, v in x.items() if k != "solve_seconds"} for x in r.to_dict()["rebalances"]]  # noqa: E731
    return strip(a) == strip(b)


def test_a_worker_killed_mid_run_is_survived(cluster, serial):
    from dask.distributed import Client

    with Client(cluster.scheduler_address) as client:
        pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one_worker(done: int, total: int) -> None:
        if not killed and done >= 1:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        spread = run_backtest(table(), SETTINGS, runner=runner, progress=kill_one_worker, **KW)
    assert killed
    assert len(spread.rebalances) == len(serial.rebalances) == 6
    assert _same_but_timing(serial, spread)
    assert spread.daily == serial.daily


def test_unreachable_scheduler_is_one_line(run_cli, one_line_error, tmp_path, monkeypatch):
    from synthetic_market import synthetic_prices

    import geo.distributed.runner as runner_module

    monkeypatch.setattr(runner_module, "CONNECT_TIMEOUT_S", 1)

    path = tmp_path / "prices.csv"
    synthetic_prices().to_csv(path)
    result = run_cli("backtest", f"csv:{path}", "-k", "3", "--start", "2020-01-01", "--end", "2020-03-31",
                     "--scheduler", "tcp://127.0.0.1:9", "--quiet", "--output", tmp_path / "out.json")
    one_line_error(result, "cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (tmp_path / "out.json").exists()


def test_workers_option_equals_in_process_output(run_cli, tmp_path):
    from synthetic_market import synthetic_prices

    path = tmp_path / "prices.csv"
    synthetic_prices().to_csv(path)
    common = ["backtest", f"csv:{path}", "-k", "3", "--start", "2020-01-01", "--end", "2020-03-31",
              "--budget", "200", "--quiet", "--seed", "2"]
    outputs = []
    for extra in ([], ["--workers", "1"]):
        out = tmp_path / f"bt{len(outputs)}.json"
        result = run_cli(*common, *extra, "--output", out)
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text())
        outputs.append(([{k: v for k, v in r.items() if k != "solve_seconds"} for r in data["rebalances"]],
                        data["daily"], data["metrics"]))
    assert outputs[0] == outputs[1]
    assert np.isfinite(outputs[0][2]["annual_return"])
