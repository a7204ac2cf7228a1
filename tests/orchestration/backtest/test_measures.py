"""Performance measures (skfolio) on known numbers, and the seeded block bootstrap of Sharpe ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.orchestration.backtest.bootstrap import block_length, sharpe_intervals
from geo.orchestration.backtest.measures import series_measures


def test_measures_on_known_numbers():
    daily = np.array([0.02, -0.01, 0.03, -0.04, 0.01, 0.0, -0.02, 0.05, 0.01, -0.03])
    dates = pd.bdate_range("2021-01-25", periods=len(daily))  # 5 days of January, 5 of February
    m = series_measures(daily, periods_per_year=252, risk_free_rate=0.0252, dates=dates)
    rf = 0.0252 / 252
    wealth = np.cumprod(1 + daily)
    assert m["annual_return"] == pytest.approx(wealth[-1] ** (252 / 10) - 1)
    assert m["annual_volatility"] == pytest.approx(np.std(daily, ddof=1) * np.sqrt(252))
    assert m["sharpe"] == pytest.approx((daily.mean() - rf) / np.std(daily, ddof=1) * np.sqrt(252))
    downside = np.sqrt(np.sum(np.minimum(daily - rf, 0) ** 2) / 9)
    assert m["sortino"] == pytest.approx((daily.mean() - rf) / downside * np.sqrt(252))
    peak = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    assert m["max_drawdown"] == pytest.approx(np.max(1 - wealth / peak))
    assert m["calmar"] == pytest.approx(m["annual_return"] / m["max_drawdown"])
    assert m["cvar_95"] == pytest.approx(0.04)  # the worst 5 % of 10 days lie within the worst day
    january, february = np.prod(1 + daily[:5]) - 1, np.prod(1 + daily[5:]) - 1
    assert m["worst_month"] == pytest.approx(min(january, february))


def test_a_flat_series_has_no_ratios():
    m = series_measures(np.zeros(5), periods_per_year=252)
    assert m["sharpe"] is None and m["sortino"] is None and m["calmar"] is None and m["annual_return"] == 0


def test_bootstrap_is_seeded_and_pairs_the_days():
    rng = np.random.default_rng(0)
    market = rng.normal(0.0004, 0.01, 750)
    series = {"portfolio": market + rng.normal(0.0002, 0.003, 750), "bench": market}
    first = sharpe_intervals(series, 252, seed=3, replications=400)
    assert first == sharpe_intervals(series, 252, seed=3, replications=400)
    other = sharpe_intervals(series, 252, seed=4, replications=400)
    assert other["sharpe"]["portfolio"]["low"] != first["sharpe"]["portfolio"]["low"]
    for interval in (*first["sharpe"].values(), *first["sharpe_difference"].values()):
        assert interval["low"] < interval["estimate"] < interval["high"]
    # The difference is resampled day for day: its interval is far narrower than either Sharpe's.
    width = lambda i: i["high"] - i["low"]  # noqa: E731
    assert width(first["sharpe_difference"]["bench"]) < 0.5 * width(first["sharpe"]["bench"])
    # A series against itself differs by exactly zero in every replicate.
    same = sharpe_intervals({"portfolio": market, "copy": market}, 252, seed=1, replications=100)
    assert same["sharpe_difference"]["copy"] == {"estimate": 0.0, "low": 0.0, "high": 0.0}
    assert first["level"] == 0.9 and first["replications"] == 400


def test_block_length_follows_the_dependence():
    rng = np.random.default_rng(1)
    independent = rng.normal(size=(2000, 1))
    shocks = rng.normal(size=2000)
    persistent = np.empty(2000)
    persistent[0] = shocks[0]
    for t in range(1, 2000):
        persistent[t] = 0.9 * persistent[t - 1] + shocks[t]
    assert block_length(independent) <= 3
    assert block_length(persistent[:, None]) > 3 * block_length(independent)


def test_too_short_a_series_gets_no_interval_and_says_why():
    short = np.random.default_rng(2).normal(0, 0.01, 20)
    assert "fewer than 60" in sharpe_intervals({"portfolio": short, "bench": short}, 252, seed=0)["note"]
    flat = sharpe_intervals({"portfolio": np.zeros(80), "bench": np.zeros(80)}, 252, seed=0, replications=20)
    assert flat["sharpe"]["portfolio"] == {"estimate": None, "low": None, "high": None}
