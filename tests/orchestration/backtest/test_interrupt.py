"""Ctrl-C in a backtest: the finished dates are kept, nothing partial is written, --resume
solves only the rest and reaches the uninterrupted answer; --time-limit is per rebalance date."""

from __future__ import annotations

import json
import sys

import pytest

import geo.orchestration.backtest.run as run_module
from geo.orchestration.backtest.rebalance import RebalanceSettings
from geo.orchestration.backtest.run import BacktestInterrupted, run_backtest
from geo.data.prices import load_price_table

KW = dict(start="2020-01-01", end="2020-12-31", rebalance="quarterly", window="1y", seed=4)
SETTINGS = RebalanceSettings(k=3, budget=300, choose="risk-aversion:0.5")
CLI_ARGS = ["-k", "3", "--start", "2020-01-01", "--end", "2020-12-31", "--rebalance", "quarterly", "--window", "1y",
            "--budget", "300", "--seed", "4", "--quiet"]


@pytest.fixture()
def private_checkpoints(tmp_path, monkeypatch):
    """The default checkpoint folder of runs without one, kept out of the user's cache."""
    root = tmp_path / "default-checkpoints"
    monkeypatch.setattr(run_module, "default_checkpoint_dir", lambda run_id: root / run_id[:16])
    return root


@pytest.fixture()
def solved_dates(monkeypatch):
    """The dates solve_rebalance is called for; ``stop_at[0] = n`` makes the n-th call a Ctrl-C."""
    calls, stop_at = [], [None]
    original = run_module.solve_rebalance

    def counting(task, table):
        calls.append(task.date)
        if len(calls) == stop_at[0]:
            raise KeyboardInterrupt
        return original(task, table)

    monkeypatch.setattr(run_module, "solve_rebalance", counting)
    return calls, stop_at


def _without_timing(rebalances):
    return [{k: v for k, v in r.items() if k != "solve_seconds"} for r in rebalances]


def test_ctrl_c_without_a_checkpoint_folder_keeps_the_finished_dates(market, private_checkpoints, solved_dates):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    calls, _ = solved_dates
    whole = run_backtest(table, SETTINGS, **KW)
    n_dates = len(whole.rebalances)
    calls.clear()

    def ctrl_c_after_two(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(BacktestInterrupted) as stop:
        run_backtest(table, SETTINGS, progress=ctrl_c_after_two, **KW)
    assert (stop.value.done, stop.value.total) == (2, n_dates)
    assert stop.value.checkpoint.parent == private_checkpoints and (stop.value.checkpoint / "state.ckpt").exists()
    calls.clear()
    resumed = run_backtest(table, SETTINGS, resume=True, **KW)
    assert calls == [r["date"] for r in whole.rebalances[2:]]
    assert resumed.timing["resumed_dates"] == 2
    assert _without_timing(resumed.rebalances) == _without_timing(whole.rebalances)
    assert resumed.daily == whole.daily and resumed.metrics == whole.metrics
    assert not private_checkpoints.exists() or not any(private_checkpoints.iterdir())


def test_ctrl_c_inside_a_dates_frontier_does_not_record_that_date(market, tmp_path, monkeypatch):
    """compute_frontier turns Ctrl-C into partial points; the backtest must not keep them as a date."""
    path, _ = market
    table = load_price_table(f"csv:{path}")
    from geo.methods.registry import make_method

    method_class = type(make_method(SETTINGS.method))
    original, solves = method_class.solve, []

    def stops_on_third(self, *args, **kwargs):
        solves.append(1)
        if len(solves) == 3:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(method_class, "solve", stops_on_third)
    with pytest.raises(BacktestInterrupted) as stop:
        run_backtest(table, SETTINGS, checkpoint_dir=tmp_path / "ckpt", **KW)
    assert stop.value.done == 2


def test_nothing_done_keeps_nothing(market, private_checkpoints, solved_dates):
    path, _ = market
    _, stop_at = solved_dates
    stop_at[0] = 1
    with pytest.raises(BacktestInterrupted) as stop:
        run_backtest(load_price_table(f"csv:{path}"), SETTINGS, **KW)
    assert (stop.value.done, stop.value.checkpoint) == (0, None)
    assert not private_checkpoints.exists()


@pytest.mark.parametrize("with_output", [True, False], ids=["output", "no-output"])
def test_cli_ctrl_c_writes_nothing_and_says_how_to_resume(market, run_cli, tmp_path, monkeypatch, private_checkpoints,
                                                         solved_dates, with_output):
    path, _ = market
    calls, stop_at = solved_dates
    out, report = tmp_path / "bt.json", tmp_path / "bt.html"
    whole_out = tmp_path / "whole.json"
    assert run_cli("backtest", f"csv:{path}", *CLI_ARGS, "--output", whole_out).exit_code == 0
    n_dates = len(calls)
    files = ["--output", out, "--report", report] if with_output else ["--report", report]
    args = ["backtest", f"csv:{path}", *CLI_ARGS, *files]
    monkeypatch.setattr(sys, "argv", ["geo", *map(str, args)])  # the command the message repeats
    calls.clear()
    stop_at[0] = 3
    result = run_cli(*args)
    assert result.exit_code == 130, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert lines[0].startswith(f"geo: interrupted: 2 of {n_dates} rebalance dates solved and kept in ")
    kept_in = tmp_path / "bt.json.checkpoint" if with_output else private_checkpoints
    assert str(kept_in) in lines[0]
    assert lines[0].endswith(" ".join(["geo", *map(str, args), "--resume"]))
    assert not out.exists() and not report.exists()  # no partial file, no report

    calls.clear()
    stop_at[0] = None
    resumed = run_cli(*args, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert len(calls) == n_dates - 2
    assert report.exists()
    if with_output:
        got, want = json.loads(out.read_text()), json.loads(whole_out.read_text())
        assert _without_timing(got["rebalances"]) == _without_timing(want["rebalances"])
        assert got["daily"] == want["daily"] and got["metrics"] == want["metrics"]
        assert not (tmp_path / "bt.json.checkpoint").exists()


def test_time_limit_is_given_to_each_dates_frontier(market, monkeypatch, run_cli, tmp_path):
    import geo.orchestration.frontier.run as frontier_run

    path, _ = market
    limits = []
    original = frontier_run.compute_frontier

    def recording(*args, **kwargs):
        limits.append(kwargs["time_limit"])
        return original(*args, **kwargs)

    monkeypatch.setattr(frontier_run, "compute_frontier", recording)
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", *CLI_ARGS, "--time-limit", "7.5", "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    # Each date's frontier gets the whole limit, not a share of a limit for the whole backtest.
    assert limits == [7.5] * len(data["rebalances"]) and len(limits) > 1
    assert data["settings"]["time_limit_per_date"] == 7.5 and "time_limit" not in data["settings"]
    assert data["method"]["time_limit_per_date"] == 7.5
    assert "per rebalance date" in " ".join(run_cli("backtest", "--help").output.split())
