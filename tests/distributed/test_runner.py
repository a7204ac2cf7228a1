"""Dask: the same answers as in-process, a worker killed mid-run is survived, the prices travel once,
and Ctrl-C leaves nothing running."""

from __future__ import annotations

import json
import os
import pickle
import signal

import numpy as np
import pytest

from geo.orchestration.backtest.rebalance import RebalanceSettings, RebalanceTask
from geo.orchestration.backtest.run import BacktestInterrupted, run_backtest
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


def test_a_task_is_small_and_the_prices_travel_once(cluster, serial, monkeypatch):
    from dask.distributed import Client

    scattered = []
    original = Client.scatter

    def recording(self, data, *args, **kwargs):
        scattered.append((type(data).__name__, kwargs.get("broadcast")))
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(Client, "scatter", recording)
    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        spread = run_backtest(table(), SETTINGS, runner=runner, **KW)
    assert scattered == [("PriceTable", True)]  # once per run, a copy on every worker
    assert _same_but_timing(serial, spread)
    # A task names rows of the table: its size does not grow with the universe or the window.
    task = RebalanceTask(date="2020-01-31", first_row=0, last_row=252, seed=task_seeds(5, 1)[0], settings=SETTINGS)
    assert len(pickle.dumps(task)) < 1000


def _ctrl_c_after(n: int):
    def progress(done: int, total: int) -> None:
        if done == n:
            raise KeyboardInterrupt

    return progress


def _tasks_left_on_scheduler(client) -> set:
    """The scheduler's tasks once it has handled everything this client sent before (cancels,
    releases): a probe task sent after them on the same ordered stream returns only after them."""
    probe = client.submit(int, 0, pure=False)
    probe.result()
    left = set(client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks)))
    return left - {probe.key}


def test_ctrl_c_on_a_cluster_cancels_the_pending_dates_and_resumes(cluster, serial, tmp_path):
    checkpoint = tmp_path / "ckpt"
    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        with pytest.raises(BacktestInterrupted) as stop:
            run_backtest(table(), SETTINGS, runner=runner, progress=_ctrl_c_after(2), checkpoint_dir=checkpoint, **KW)
        assert _tasks_left_on_scheduler(runner.client) == set()  # no date (and no copy of the prices) left behind
    assert (stop.value.done, stop.value.total) == (2, 6)
    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        resumed = run_backtest(table(), SETTINGS, runner=runner, checkpoint_dir=checkpoint, resume=True, **KW)
    assert resumed.timing["resumed_dates"] == 2
    assert _same_but_timing(serial, resumed) and resumed.daily == serial.daily


# Longer than Dask's own wait for a closing worker (4 s) before it kills it.
SLOW_EXIT_S = 5.0


def test_a_local_cluster_closes_quietly_and_lets_its_workers_exit(capfd, tmp_path):
    """At the default verbosity a run on a local cluster prints nothing, and closing it waits for
    each worker to exit by itself, even one whose teardown takes longer than Dask would wait (as
    a loaded machine makes it): no "Worker process still alive after 4.0 seconds, killing"."""
    import time
    from pathlib import Path

    from distributed import WorkerPlugin

    class SlowExit(WorkerPlugin):  # defined here: it travels to the worker by value
        def __init__(self, marker: str) -> None:
            self.marker = marker

        def teardown(self, worker) -> None:
            time.sleep(SLOW_EXIT_S)
            Path(self.marker).touch()  # reached only if the worker is not killed first

    marker = tmp_path / "exited"
    with TaskRunner(workers=1) as runner:
        runner.client.register_plugin(SlowExit(str(marker)))
        assert runner.map(abs, [-1, -2]) == [1, 2]
    assert marker.exists(), "the worker was killed before it could exit"
    assert capfd.readouterr().err == ""


def _ignores_ctrl_c() -> bool:
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_cli_ctrl_c_with_workers_closes_the_cluster_and_writes_nothing(run_cli, tmp_path, monkeypatch):
    import importlib
    from contextlib import contextmanager

    from synthetic_market import synthetic_prices

    cli_backtest = importlib.import_module("geo.cli.backtest")  # the module, not the command geo.cli exports

    path = tmp_path / "prices.csv"
    synthetic_prices().to_csv(path)

    @contextmanager
    def ctrl_c_bar(*args, **kwargs):
        yield _ctrl_c_after(1)

    monkeypatch.setattr(cli_backtest, "progress_bar", ctrl_c_bar)
    closed = []
    original_exit = TaskRunner.__exit__

    def recording_exit(self, *exc):
        # A terminal's Ctrl-C reaches the workers too: they leave it to the command (no tracebacks).
        ignoring = set(self.client.run(_ignores_ctrl_c).values())
        local = self.cluster
        original_exit(self, *exc)
        closed.append((exc[0], local.status.name if local is not None else None, ignoring))

    monkeypatch.setattr(TaskRunner, "__exit__", recording_exit)
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", "-k", "3", "--start", "2020-01-01", "--end", "2020-06-30",
                     "--budget", "200", "--workers", "1", "--output", out)
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output
    assert "geo: interrupted: 1 of 6 rebalance dates solved and kept in " in result.output
    assert closed == [(BacktestInterrupted, "closed", {True})]
    assert not out.exists() and (tmp_path / "bt.json.checkpoint" / "state.ckpt").exists()


def test_in_process_every_date_reads_the_table_itself():
    seen = []
    runner = TaskRunner()
    prices = table()
    runner.map(lambda task, shared: seen.append(shared), range(3), shared=prices)
    assert len(seen) == 3 and all(shared is prices for shared in seen)  # not copied


def _default_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# The child runs the real command with two synchronisation points, so that the signal lands while
# the run is provably unfinished, however loaded the machine: every date but the first waits on
# the workers until the command has given up (a gate file, created as the cluster is closed), and
# the command says on a pipe when its first date is saved. No date can finish before the signal.
HOLD_AFTER_FIRST_DATE = """
import os
import sys
import time
from pathlib import Path

import geo.orchestration.backtest.run as backtest_run
from geo.core.checkpoint import Checkpoint
from geo.distributed import TaskRunner

gate, said, args = Path(sys.argv[1]), os.fdopen(int(sys.argv[2]), "w"), sys.argv[3:]


class FirstDateOnly:  # a date's solve, on a worker: the first goes ahead, the others wait for the gate

    def __init__(self, solve, gate):
        self.solve, self.gate = solve, gate

    def __call__(self, task, table):
        try:
            os.close(os.open(self.gate / "first", os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            while not (self.gate / "open").exists():
                time.sleep(0.05)
        return self.solve(task, table)


backtest_run.solve_rebalance = FirstDateOnly(backtest_run.solve_rebalance, gate)
save, close = Checkpoint.save, TaskRunner.__exit__


def save_and_say(self, state, force=False):
    saved = save(self, state, force)
    if saved and not said.closed:
        said.write("saved\\n")
        said.close()
    return saved


def open_gate_and_close(self, *exc):
    (gate / "open").touch()  # the command has given up: the held dates may finish, unused
    return close(self, *exc)


Checkpoint.save, TaskRunner.__exit__ = save_and_say, open_gate_and_close
from geo.cli import main

main(args, prog_name="geo")
"""


def test_terminal_ctrl_c_with_workers_is_one_line(tmp_path):
    """Ctrl-C as a terminal sends it, to the whole process group: the local cluster's workers get
    it too. The command keeps the finished dates and prints one line; the workers print nothing."""
    import subprocess
    import sys

    from synthetic_market import synthetic_prices

    path = tmp_path / "prices.csv"
    synthetic_prices().to_csv(path)
    out = tmp_path / "bt.json"
    state = tmp_path / "bt.json.checkpoint" / "state.ckpt"
    gate = tmp_path / "gate"
    gate.mkdir()
    command = ["backtest", f"csv:{path}", "-k", "3", "--start", "2020-01-01", "--end", "2020-06-30", "--budget",
               "200", "--quiet", "--workers", "2", "--output", str(out)]
    read_end, write_end = os.pipe()
    # As a terminal starts it: Ctrl-C at its default. The test process may be ignoring SIGINT (a
    # pytest-xdist worker, or a Dask cluster started in it), and a child inherits that.
    proc = subprocess.Popen([sys.executable, "-c", HOLD_AFTER_FIRST_DATE, str(gate), str(write_end), *command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, pass_fds=(write_end,),
                            start_new_session=True, preexec_fn=_default_ctrl_c)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as said:
            first_save = said.readline()  # blocks until the first date is saved (or the command ended)
        assert first_save == "saved\n" and proc.poll() is None, proc.communicate()[1]
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("geo: interrupted: 1 of 6 rebalance dates solved and kept in "), stderr
    assert lines[0].endswith("--resume")
    assert stdout == "" and not out.exists() and state.exists()


def test_dates_that_follow_the_book_run_in_sequence_on_a_cluster_as_in_process(cluster):
    settings = RebalanceSettings(k=3, budget=200, max_changes=2, turnover_penalty=1e-5)
    serial_run = run_backtest(table(), settings, **KW)
    with TaskRunner(scheduler=cluster.scheduler_address) as runner:
        spread = run_backtest(table(), settings, runner=runner, **KW)
    assert spread.timing["where"].startswith("dask scheduler")
    assert _same_but_timing(serial_run, spread) and spread.daily == serial_run.daily
