"""``geo.backtest``: the API call behind ``geo backtest``, same names and answers."""

import json
import sys
from pathlib import Path

import pytest

import geo
from geo.core.errors import GeoError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "orchestration" / "backtest"))

from synthetic_market import synthetic_prices  # noqa: E402

SETTINGS = dict(start="2020-01-01", end="2020-04-30", rebalance="monthly", window="1y", choose="max-sharpe",
                points=3, budget=200, seed=5)


@pytest.fixture()
def prices(tmp_path):
    path = tmp_path / "prices.csv"
    synthetic_prices().to_csv(path)
    return path


def test_backtest_is_callable_from_the_package_and_equals_the_cli(prices, tmp_path, run_cli):
    result = geo.backtest(f"csv:{prices}", 3, **SETTINGS, output=tmp_path / "api.json")
    assert len(result.rebalances) == 4 and result.metrics["annual_volatility"] > 0
    out = tmp_path / "cli.json"
    args = ["backtest", f"csv:{prices}", "-k", "3", "--start", SETTINGS["start"], "--end", SETTINGS["end"],
            "--choose", "max-sharpe", "--points", "3", "--budget", "200", "--seed", "5", "--output", str(out),
            "--quiet"]
    assert run_cli(*args).exit_code == 0
    ours, theirs = json.loads((tmp_path / "api.json").read_text()), json.loads(out.read_text())
    for rebalances in (ours["rebalances"], theirs["rebalances"]):
        for record in rebalances:
            record.pop("solve_seconds")  # a timing
    assert ours["rebalances"] == theirs["rebalances"] and ours["daily"] == theirs["daily"]


def test_bad_settings_are_one_line_errors_before_any_work(prices):
    with pytest.raises(GeoError, match="--samples"):
        geo.backtest(f"csv:{prices}", 3, **{**SETTINGS, "samples": -5}, method="geo")
    with pytest.raises(GeoError, match="--points"):
        geo.backtest(f"csv:{prices}", 3, **{**SETTINGS, "points": 1})
