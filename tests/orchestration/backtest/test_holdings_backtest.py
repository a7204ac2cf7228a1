"""Backtests that know the book: --max-changes holds at every rebalance for every method (counted
here from the rebalance weights themselves), the book each date sees is the simulation's drift,
the turnover penalty trades less, a resumed run equals the uninterrupted one, and --choose
max-sharpe beats the grid it replaces."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import geo.orchestration.backtest.holdings_chain as holdings_chain
from geo.data.prices import load_price_table
from geo.orchestration.backtest.rebalance import RebalanceSettings
from geo.orchestration.backtest.run import BacktestInterrupted, run_backtest

KW = dict(start="2020-01-01", end="2020-09-30", rebalance="monthly", window="1y", seed=2)


def names_changed(records: list[dict]) -> list[int]:
    """Names bought plus sold at each rebalance after the first, from the weights alone."""
    changed = []
    for before, after in zip(records, records[1:]):
        held, new = set(before["weights"]), set(after["weights"])
        changed.append(len(held ^ new))
    return changed


@pytest.mark.parametrize("method, settings", [
    ("local-search", {"budget": 300}),
    ("annealing", {"budget": 300}),
    ("geo", {"budget": 300, "method_settings": {"generator": "uniform", "iterations": 2}}),
    ("exact", {"time_limit": 20}),
    ("enumeration", {}),
])
def test_max_changes_holds_at_every_rebalance(market, method, settings):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    free = run_backtest(table, RebalanceSettings(k=3, method=method, **settings), **KW)
    limited = run_backtest(table, RebalanceSettings(k=3, method=method, max_changes=2, **settings), **KW)
    assert max(names_changed(free.rebalances)) > 2  # the limit binds somewhere
    changed = names_changed(limited.rebalances)
    assert max(changed) <= 2, changed
    assert [r.get("changes") for r in limited.rebalances[1:]] == changed
    assert "changes" not in limited.rebalances[0]  # the first rebalance buys from cash: free
    assert all(r["status"] in ("heuristic", "optimal") for r in limited.rebalances)
    assert limited.settings["max_changes"] == 2


def test_a_leaver_is_a_forced_sale_that_does_not_count(market, tmp_path):
    path, prices = market
    settings = RebalanceSettings(k=3, method="enumeration", max_changes=0)
    first = run_backtest(load_price_table(f"csv:{path}"), settings, **KW)
    assert all(r.get("changes", 0) == 0 for r in first.rebalances)  # M = 0: the first book is kept
    # The second date cannot trade one of the held names (no price that day): it is sold, and
    # K = 3 names can only be reached by buying one, more than M = 0 allows: the date's limit is
    # raised to 1, and the record says so.
    leaver = sorted(first.rebalances[0]["weights"])[0]
    second_date = pd.Timestamp(first.rebalances[1]["date"])
    planted = prices.copy()
    planted.loc[second_date, leaver] = np.nan
    planted_path = tmp_path / "planted.csv"
    planted.to_csv(planted_path)
    run = run_backtest(load_price_table(f"csv:{planted_path}"), settings, **KW)
    record = run.rebalances[1]
    assert record["forced_sales"] == [leaver] and leaver not in record["weights"]
    assert record["changes"] == 1 and record["max_changes_at_date"] == 1
    assert "left the universe" in record["max_changes_note"]
    assert len(set(run.rebalances[0]["weights"]) ^ set(record["weights"])) == 2  # the leaver out, one name in
    assert all(r.get("changes", 0) == 0 for r in run.rebalances[2:])


def test_a_name_leaving_the_index_is_a_forced_sale_too(market, tmp_path):
    path, prices = market
    settings = RebalanceSettings(k=3, method="enumeration", max_changes=2)
    first = run_backtest(load_price_table(f"csv:{path}"), settings, **KW)
    leaver = sorted(first.rebalances[0]["weights"])[0]
    gone = pd.Timestamp(first.rebalances[1]["date"]) - pd.Timedelta(days=1)
    membership = tmp_path / "membership.csv"
    membership.write_text("ticker,start_date,end_date\n" + "".join(
        f"{t},2010-01-01,{gone.date() if t == leaver else ''}\n" for t in prices.columns))
    run = run_backtest(load_price_table(f"csv:{path}", membership=membership), settings, **KW)
    record = run.rebalances[1]
    assert record["forced_sales"] == [leaver] and leaver not in record["weights"]
    assert record["changes"] <= 2 and leaver not in {t for r in run.rebalances[1:] for t in r["weights"]}
    held_before, held_after = set(run.rebalances[0]["weights"]), set(record["weights"])
    assert len(held_before ^ held_after) == record["changes"] + 1  # the forced sale is the one not counted


def test_each_date_sees_the_book_drifted_by_the_simulation(market, monkeypatch):
    path, prices = market
    table = load_price_table(f"csv:{path}")
    seen = []
    original = holdings_chain.drifted_book

    def recording(*args, **kwargs):
        book = original(*args, **kwargs)
        seen.append(book)
        return book

    monkeypatch.setattr(holdings_chain, "drifted_book", recording)
    result = run_backtest(table, RebalanceSettings(k=3, budget=300, turnover_penalty=1e-5), **KW)
    assert seen[0] == {}
    filled = prices.ffill()
    for j in range(1, len(result.rebalances)):
        before, today = pd.Timestamp(result.rebalances[j - 1]["date"]), pd.Timestamp(result.rebalances[j]["date"])
        bought = pd.Series(result.rebalances[j - 1]["weights"])
        value = bought * filled.loc[today, bought.index] / filled.loc[before, bought.index]
        expected = (value / value.sum()).to_dict()
        assert set(seen[j]) == set(expected)
        assert max(abs(seen[j][t] - expected[t]) for t in expected) < 1e-12


def test_the_turnover_penalty_trades_less(market):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    plain = run_backtest(table, RebalanceSettings(k=3, method="enumeration"), **KW)
    penalised = run_backtest(table, RebalanceSettings(k=3, method="enumeration", turnover_penalty=2e-4), **KW)
    assert penalised.metrics["mean_turnover"] < 0.5 * plain.metrics["mean_turnover"]
    assert all(r["traded_weight"] >= 0 for r in penalised.rebalances[1:])


def test_a_resumed_sequence_equals_the_uninterrupted_one(market, tmp_path):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    settings = RebalanceSettings(k=3, budget=300, max_changes=2)
    whole = run_backtest(table, settings, **KW)

    def ctrl_c_after_three(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    folder = tmp_path / "ckpt"
    with pytest.raises(BacktestInterrupted) as stop:
        run_backtest(table, settings, checkpoint_dir=folder, progress=ctrl_c_after_three, **KW)
    assert stop.value.done == 3
    resumed = run_backtest(table, settings, checkpoint_dir=folder, resume=True, **KW)
    strip = lambda records: [{k: v for k, v in r.items() if k != "solve_seconds"} for r in records]  # noqa: E731
    assert resumed.timing["resumed_dates"] == 3
    assert strip(resumed.rebalances) == strip(whole.rebalances) and resumed.daily == whole.daily


def test_max_sharpe_is_the_exact_tangency_and_beats_the_grid(market):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    exact = run_backtest(table, RebalanceSettings(k=3, method="enumeration", choose="max-sharpe"), **KW)
    grid = run_backtest(table, RebalanceSettings(k=3, method="enumeration", choose="max-sharpe-grid", points=8), **KW)

    def sharpe(record):
        return record["expected_return"] / np.sqrt(record["expected_variance"])

    for best, approx in zip(exact.rebalances, grid.rebalances):
        assert best["status"] == "optimal"
        assert sharpe(best) >= sharpe(approx) * (1 - 1e-9)
    assert any(sharpe(b) > sharpe(a) * (1 + 1e-6) for b, a in zip(exact.rebalances, grid.rebalances))


def test_backtest_cli_takes_the_options_and_checks_them(market, run_cli, one_line_error, tmp_path):
    path, _ = market
    args = ["backtest", f"csv:{path}", "-k", "3", "--start", "2020-01-01", "--end", "2020-06-30", "--budget", "200",
            "--quiet"]
    out = tmp_path / "bt.json"
    result = run_cli(*args, "--max-changes", "2", "--turnover-penalty", "1e-5", "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["settings"]["max_changes"] == 2 and data["settings"]["turnover_penalty"] == 1e-5
    assert max(names_changed(data["rebalances"])) <= 2
    one_line_error(run_cli(*args, "--max-changes", "-1"), "--max-changes must be at least 0")
    one_line_error(run_cli(*args, "--turnover-penalty", "-0.1"), "--turnover-penalty must be a non-negative")
    one_line_error(run_cli(*args, "--choose", "max-sharpe", "--turnover-penalty", "1e-5"),
                   "--turnover-penalty does not apply to the max-Sharpe portfolio")
    help_text = run_cli("backtest", "--help").output
    assert "one after another" in help_text
