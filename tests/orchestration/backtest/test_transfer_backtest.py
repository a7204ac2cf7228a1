"""GEO's --transfer in a backtest: dates in sequence, each from what the previous one handed on;
the universe changes between dates; budget per date, seed and resume as without it; bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.data.prices import load_price_table
from geo.orchestration.backtest.rebalance import RebalanceSettings
from geo.orchestration.backtest.run import BacktestInterrupted, run_backtest

KW = dict(start="2020-01-01", end="2020-05-31", rebalance="monthly", window="1y", seed=4)
BUDGET = 100
GEO = {"generator": "mps", "iterations": 2}


def strip(records):
    return [{k: v for k, v in r.items() if k != "solve_seconds"} for r in records]


def settings(transfer: str) -> RebalanceSettings:
    return RebalanceSettings(k=3, method="geo", budget=BUDGET, method_settings=GEO, transfer=transfer)


@pytest.fixture()
def changing_market(market, tmp_path):
    """The synthetic market with a name that cannot be traded on the third rebalance date (a leaver
    there); D2 enters the universe once its late listing leaves the window's missing-data limit."""
    path, prices = market
    fresh = run_backtest(load_price_table(f"csv:{path}"), settings("none"), **KW).rebalances
    third, leaver = fresh[2]["date"], sorted(fresh[1]["weights"])[0]
    planted = prices.copy()
    planted.loc[pd.Timestamp(third), leaver] = np.nan
    planted_path = tmp_path / "planted.csv"
    planted.to_csv(planted_path)
    return load_price_table(f"csv:{planted_path}"), leaver


def test_each_date_starts_from_the_last_across_a_changing_universe(changing_market):
    table, leaver = changing_market
    run = run_backtest(table, settings("all"), **KW)
    records = run.rebalances
    assert records[0]["transfer"] == {"models": "fresh", "selections_carried": 0}
    assert all(r["transfer"]["models"] == "carried" for r in records[1:])
    assert all("carry" not in r for r in records)  # the carry never reaches the results file
    entered = [r["transfer"]["assets_entered"] for r in records[1:]]
    assert sum(entered) >= 1  # D2 joined
    third = records[2]["transfer"]
    assert third["assets_left"] == 1 and third["selections_dropped"] >= 1  # the leaver's selections left the pool
    assert leaver not in records[2]["weights"]
    assert records[3]["transfer"]["assets_entered"] >= 1  # and it came back a date later
    assert all(r["evaluations"] <= BUDGET for r in records)
    assert all(r["transfer"]["selections_priced"] >= 1 for r in records[1:])  # priced on this date's moments


def test_same_seed_same_backtest(market):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    first, second = (run_backtest(table, settings("all"), **KW) for _ in range(2))  # pool and models both
    assert strip(first.rebalances) == strip(second.rebalances) and first.daily == second.daily
    assert all(r["evaluations"] <= BUDGET for r in first.rebalances)


def test_the_control_is_the_fresh_backtest(market):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    default = RebalanceSettings(k=3, method="geo", budget=BUDGET, method_settings=GEO)
    assert not default.in_sequence and default.transfer == "none"
    fresh = run_backtest(table, default, **KW)
    assert all("transfer" not in r for r in fresh.rebalances)
    carried = run_backtest(table, settings("pool"), **KW)
    assert strip(fresh.rebalances)[0] == {k: v for k, v in strip(carried.rebalances)[0].items() if k != "transfer"}


def test_a_resumed_transfer_equals_the_uninterrupted_one(market, tmp_path):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    whole = run_backtest(table, settings("all"), **KW)

    def ctrl_c_after_two(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    folder = tmp_path / "ckpt"
    with pytest.raises(BacktestInterrupted):
        run_backtest(table, settings("all"), checkpoint_dir=folder, progress=ctrl_c_after_two, **KW)
    resumed = run_backtest(table, settings("all"), checkpoint_dir=folder, resume=True, **KW)
    assert resumed.timing["resumed_dates"] == 2
    assert strip(resumed.rebalances) == strip(whole.rebalances)


ARGS = ["-k", "3", "--start", "2020-01-01", "--end", "2020-04-30", "--budget", "100", "--quiet"]


@pytest.mark.parametrize("extra, fragments", [
    (["--transfer", "all"], ["--transfer all only applies to --method geo"]),
    (["--method", "geo", "--transfer", "pool", "--workers", "2"], ["cannot be spread over workers"]),
    (["--method", "geo", "--generator", "qcbm", "--transfer", "models"], ["cannot carry a qcbm generator"]),
])
def test_bad_transfer_is_one_line(market, run_cli, one_line_error, tmp_path, extra, fragments):
    path, _ = market
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", *ARGS, *extra, "--output", out)
    one_line_error(result, *fragments)
    assert not out.exists()


def test_transfer_on_the_command_line(market, run_cli, tmp_path):
    path, _ = market
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", *ARGS, "--method", "geo", "--iterations", "2", "--transfer", "all",
                     "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["settings"]["transfer"] == "all"
    assert data["rebalances"][1]["transfer"]["models"] == "carried"
