"""Units of the backtest: window, calendar, choose rules, drift and metrics on hand-made numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.orchestration.backtest.calendar import backtest_calendar, parse_window
from geo.orchestration.backtest.choose import ChooseRule
from geo.orchestration.backtest.measures import performance
from geo.orchestration.backtest.simulate import simulate
from geo.core.errors import GeoError


def test_window():
    assert parse_window("1y") == 252 and parse_window("2y") == 504 and parse_window("126d") == 126
    for bad in ("0d", "y", "3m", "-1y"):
        with pytest.raises(GeoError, match="cannot read the window"):
            parse_window(bad)


def test_calendar_uses_the_last_trading_day_of_each_period():
    index = pd.bdate_range("2019-01-01", "2021-12-31")
    calendar = backtest_calendar(index, "2020-01-01", "2021-12-31", "quarterly", 252)
    dates = [index[p].date().isoformat() for p in calendar.rebalances]
    assert dates[0] == "2019-12-31"
    assert dates[1:] == ["2020-03-31", "2020-06-30", "2020-09-30", "2020-12-31", "2021-03-31", "2021-06-30",
                         "2021-09-30"]
    assert index[calendar.last].date().isoformat() == "2021-12-31"
    yearly = backtest_calendar(index, "2020-01-01", "2021-12-31", "yearly", 252)
    assert [index[p].date().isoformat() for p in yearly.rebalances] == ["2019-12-31", "2020-12-31"]


def test_choose_rules():
    assert ChooseRule.parse("target-return:0.12") == ChooseRule("target-return", 0.12)
    assert str(ChooseRule.parse("risk-aversion:0.5")) == "risk-aversion:0.5"
    for bad in ("risk-aversion:2", "target-return:x", "max-sharpe:1", "sharpe"):
        with pytest.raises(GeoError):
            ChooseRule.parse(bad)


def test_drift_turnover_and_a_date_without_a_portfolio():
    returns = pd.DataFrame({"A": [0.1, 0.0, -0.5, 0.0], "B": [0.0, 0.1, 0.0, 0.0]},
                           index=pd.bdate_range("2020-01-02", periods=4))
    # Rows of the price table 0..4; buy at row 0, nothing new at row 2 (keeps the drifted holding).
    run = simulate(returns, [0, 2], 4, [{"A": 0.5, "B": 0.5}, None])
    w_a = 0.5 * 1.1 / 1.05
    assert run.portfolio_returns[0] == pytest.approx(0.05)
    assert run.portfolio_returns[1] == pytest.approx((1 - w_a) * 0.1)
    assert run.turnover == [1.0, 0.0]
    # Cash until the first portfolio: zero returns.
    cash = simulate(returns, [0, 2], 4, [None, {"B": 1.0}])
    assert list(cash.portfolio_returns) == [0.0, 0.0, 0.0, 0.0]


def test_metrics_on_known_numbers():
    daily = np.array([0.1, -0.5, 0.2])
    m = performance(daily, [1.0, 0.2, 0.4], periods_per_year=3)
    assert m["max_drawdown"] == pytest.approx(0.5)
    assert m["annual_return"] == pytest.approx(1.1 * 0.5 * 1.2 - 1)
    assert m["mean_turnover"] == pytest.approx(0.3)
    assert m["sharpe"] == pytest.approx(np.mean(daily) * 3 / (np.std(daily, ddof=1) * np.sqrt(3)))
