"""Trading costs: the net daily series recomputed independently from prices, weights and the rate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.orchestration.backtest.costs import net_of_costs

ARGS = ["-k", "3", "--start", "2020-01-01", "--end", "2020-12-31", "--rebalance", "monthly", "--window", "1y",
        "--choose", "max-sharpe", "--points", "4", "--budget", "300", "--quiet"]


def independent_returns(prices: pd.DataFrame, rebalances: list[dict], last: pd.Timestamp, rate: float,
                        weights_of) -> pd.Series:
    """Daily returns of a book of shares: at each rebalance close the drifted book is replaced by the
    target weights, paying ``rate`` on the value bought and sold (sized on the value before the cost);
    a missing price is carried forward. The formation close counts as wealth 1 before its cost."""
    filled = prices.ffill()
    trades = {pd.Timestamp(r["date"]): weights_of(r) for r in rebalances}
    first = pd.Timestamp(rebalances[0]["date"])
    shares, wealth = pd.Series(dtype=float), {}
    for day in filled.loc[first:last].index:
        value = float((shares * filled.loc[day, shares.index]).sum()) if len(shares) else 1.0
        wealth[day] = value
        if trades.get(day):
            target = pd.Series(trades[day], dtype=float)
            drifted = shares * filled.loc[day, shares.index] / value if len(shares) else pd.Series(dtype=float)
            value *= 1.0 - rate * target.sub(drifted, fill_value=0.0).abs().sum()
            shares = target * value / filled.loc[day, target.index]
            if day != first:
                wealth[day] = value
    return (pd.Series(wealth) / pd.Series(wealth).shift(1) - 1.0).iloc[1:]


def test_net_daily_series_recomputed_from_prices_weights_and_rate(market, run_cli, tmp_path):
    path, prices = market
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", *ARGS, "--cost-bps", "25", "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    rate = 25e-4
    last = pd.Timestamp(data["daily"][-1]["date"])
    for column, weights_of in (("portfolio_return", lambda r: r["weights"]),
                               ("equal_weight", lambda r: r["equal_weight"])):
        rebalances = data["rebalances"] if column == "portfolio_return" else data["benchmark_weights"]
        expected = independent_returns(prices, rebalances, last, rate, weights_of)
        reported = pd.Series({pd.Timestamp(row["date"]): row[column] for row in data["daily"]})
        assert list(reported.index) == list(expected.index)
        assert np.max(np.abs(reported.to_numpy() - expected.to_numpy())) < 1e-10, column
    # The costs paid are recorded per rebalance and summed; the first purchase costs the rate.
    costs = [r["cost"] for r in data["rebalances"]]
    assert costs[0] == pytest.approx(rate) and all(c >= 0 for c in costs)
    assert data["metrics"]["costs_paid"] == pytest.approx(sum(costs))
    assert data["benchmarks"]["equal_weight"]["costs_paid"] > rate  # benchmarks pay on their own trades
    assert data["settings"]["cost_bps"] == 25
    gross = np.array([row["gross_return"] for row in data["daily"]])
    net = np.array([row["portfolio_return"] for row in data["daily"]])
    assert (net <= gross + 1e-15).all() and data["metrics"]["annual_return"] < data["metrics"]["gross"]["annual_return"]


def test_without_costs_net_equals_gross(market, run_cli, tmp_path):
    path, _ = market
    out = tmp_path / "bt.json"
    assert run_cli("backtest", f"csv:{path}", *ARGS, "--output", out).exit_code == 0
    data = json.loads(out.read_text())
    assert all(row["gross_return"] == row["portfolio_return"] for row in data["daily"])
    assert data["metrics"]["costs_paid"] == 0 and data["metrics"]["sharpe"] == data["metrics"]["gross"]["sharpe"]


def test_costs_land_on_the_trade_day_and_the_first_on_the_first_day():
    gross = np.zeros(6)
    # Formation at row 10 (trades 1.0), rebalances at rows 12 and 15; the series covers rows 11..16.
    costed = net_of_costs(gross, [10, 12, 15], [1.0, 0.4, 0.0], rate=0.01)
    assert costed.costs == [0.01, pytest.approx(0.004), 0.0]
    assert costed.net == pytest.approx([-0.01, -0.004, 0, 0, 0, 0])


@pytest.mark.parametrize("value", ["-1", "nan"])
def test_a_negative_cost_is_a_one_line_error(market, run_cli, one_line_error, tmp_path, value):
    path, _ = market
    out = tmp_path / "bt.json"
    one_line_error(run_cli("backtest", f"csv:{path}", *ARGS, "--cost-bps", value, "--output", out), "--cost-bps")
    assert not out.exists()
