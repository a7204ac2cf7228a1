"""Backtests: returns recomputed from prices, no look-ahead, caps, benchmarks, resume, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.orchestration.backtest.rebalance import RebalanceSettings
from geo.orchestration.backtest.run import run_backtest
from geo.data.prices import load_price_table

ARGS = ["-k", "3", "--start", "2020-01-01", "--end", "2020-12-31", "--rebalance", "quarterly", "--window", "1y",
        "--budget", "400", "--quiet"]


def test_daily_returns_recomputed_from_prices_and_weights(market, run_cli, tmp_path):
    path, prices = market
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", *ARGS, "--choose", "max-sharpe", "--points", "5", "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {"rebalances", "daily", "metrics", "benchmarks", "seed", "versions", "problem", "method"} <= set(data)
    # Independently: each rebalance buys its weights at that close; holdings are then valued at
    # every later close (a missing price carried forward) until the next rebalance.
    filled = prices.ffill()
    dates = [pd.Timestamp(r["date"]) for r in data["rebalances"]]
    last = pd.Timestamp(data["daily"][-1]["date"])
    expected = {}
    for j, day in enumerate(dates):
        stop = dates[j + 1] if j + 1 < len(dates) else last
        weights = pd.Series(data["rebalances"][j]["weights"])
        span = filled.loc[day:stop, weights.index]
        value = (span / span.iloc[0] * weights).sum(axis=1)
        for t in range(1, len(value)):
            expected[value.index[t]] = value.iloc[t] / value.iloc[t - 1] - 1
    reported = {pd.Timestamp(row["date"]): row["portfolio_return"] for row in data["daily"]}
    assert list(reported) == sorted(expected)
    assert max(abs(reported[d] - expected[d]) for d in expected) < 1e-10
    assert dates[0] == pd.Timestamp("2019-12-31") and pd.Timestamp(data["daily"][0]["date"]) == pd.Timestamp("2020-01-01")
    assert [d.strftime("%m-%d") for d in dates[1:]] == ["03-31", "06-30", "09-30"]
    assert set(data["benchmarks"]) == {"equal_weight", "min_variance"}
    for metrics in (data["metrics"], *data["benchmarks"].values()):
        assert set(metrics) == {"annual_return", "annual_volatility", "sharpe", "sortino", "calmar", "max_drawdown",
                                "cvar_95", "worst_month", "mean_turnover", "costs_paid", "gross"}
    # Metrics follow from the daily returns.
    daily = np.array([row["portfolio_return"] for row in data["daily"]])
    assert data["metrics"]["annual_return"] == pytest.approx(np.prod(1 + daily) ** (252 / len(daily)) - 1)
    assert data["metrics"]["annual_volatility"] == pytest.approx(np.std(daily, ddof=1) * np.sqrt(252))


def test_no_estimate_uses_a_price_after_its_rebalance_date(market, monkeypatch):
    path, prices = market
    import geo.data.pipeline as pipeline

    seen = []
    original = pipeline.dataset_from_table

    def recording(table, **kwargs):
        seen.append(table.index.max())
        return original(table, **kwargs)

    monkeypatch.setattr(pipeline, "dataset_from_table", recording)
    table = load_price_table(f"csv:{path}")
    settings = RebalanceSettings(k=3, budget=300)
    first = run_backtest(table, settings, start="2020-01-01", end="2020-12-31", rebalance="quarterly", window="1y")
    assert [d.date().isoformat() for d in seen] == [r["date"] for r in first.rebalances]
    # Changing every price after the second rebalance leaves the first two decisions unchanged.
    cut = pd.Timestamp(first.rebalances[1]["date"])
    shocked = table.prices.copy()
    later = shocked.index > cut
    shocked.loc[later] *= np.random.default_rng(0).uniform(0.5, 1.5, size=shocked.loc[later].shape)
    from geo.data.prices import PriceTable

    second = run_backtest(PriceTable(table.name, shocked, table.sectors, "csv"), settings, start="2020-01-01",
                          end="2020-12-31", rebalance="quarterly", window="1y")
    for a, b in zip(first.rebalances[:2], second.rebalances[:2]):
        assert a["weights"] == b["weights"]
    assert first.rebalances[2]["weights"] != second.rebalances[2]["weights"]


def test_sector_caps_hold_in_every_rebalance(market, run_cli, tmp_path):
    path, _ = market
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", *ARGS, "--sector-cap", "0.35", "--w-max", "0.5", "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    sectors = pd.read_csv(path.parent / "sectors.csv").set_index("Symbol")["Sector"]
    for rebalance in data["rebalances"]:
        assert rebalance["weights"], rebalance
        totals = pd.Series(rebalance["weights"]).groupby(sectors).sum()
        assert (totals <= 0.35 + 1e-7).all(), (rebalance["date"], totals)
        assert sum(rebalance["weights"].values()) == pytest.approx(1.0)
    assert data["problem"]["sector_cap"] == 0.35


def test_resume_after_an_interruption_gives_the_same_backtest(market, tmp_path, monkeypatch):
    path, _ = market
    table = load_price_table(f"csv:{path}")
    settings = RebalanceSettings(k=3, budget=300, choose="risk-aversion:0.5")
    kwargs = dict(start="2020-01-01", end="2020-12-31", rebalance="quarterly", window="1y", seed=4)
    whole = run_backtest(table, settings, **kwargs)
    import geo.orchestration.backtest.run as run_module

    calls = []
    original = run_module.solve_rebalance

    def stops_on_third(task, prices):
        calls.append(task.date)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(task, prices)

    monkeypatch.setattr(run_module, "solve_rebalance", stops_on_third)
    checkpoint = tmp_path / "ckpt"
    with pytest.raises(KeyboardInterrupt):
        run_backtest(table, settings, checkpoint_dir=checkpoint, **kwargs)
    monkeypatch.setattr(run_module, "solve_rebalance", original)
    resumed = run_backtest(table, settings, checkpoint_dir=checkpoint, resume=True, **kwargs)
    assert resumed.timing["resumed_dates"] == 2
    assert resumed.to_dict()["rebalances"] == whole.to_dict()["rebalances"] or \
        [r["weights"] for r in resumed.rebalances] == [r["weights"] for r in whole.rebalances]
    assert resumed.daily == whole.daily
    assert not checkpoint.exists()


@pytest.mark.parametrize("extra, fragments", [
    (["--start", "2018-01-01"], ["outside the data"]),
    (["--end", "2023-01-01"], ["outside the data"]),
    (["--window", "600d"], ["longer than the history"]),
    (["--window", "ten"], ["cannot read the window"]),
    (["--sector-caps", "UNKNOWN"], ["unknown sector", "Tech"]),
    (["--sector-caps", "LOW"], ["sum to 0.8"]),
    (["--choose", "best"], ["unknown --choose rule"]),
])
def test_bad_input_is_one_line(market, run_cli, one_line_error, tmp_path, extra, fragments):
    path, _ = market
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("sector,cap\nMining,0.3\n")
    low = tmp_path / "low.csv"
    low.write_text("sector,cap\nTech,0.2\nEnergy,0.2\nHealth,0.2\nUtilities,0.2\n")
    extra = [str(unknown) if e == "UNKNOWN" else str(low) if e == "LOW" else e for e in extra]
    out = tmp_path / "bt.json"
    args = list(ARGS)
    for option in ("--start", "--end", "--window"):
        if option in extra:
            i = args.index(option)
            del args[i:i + 2]
    result = run_cli("backtest", f"csv:{path}", *args, *extra, "--output", out)
    one_line_error(result, *fragments)
    assert not out.exists()
