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


def test_a_dataframe_of_prices_gives_what_its_csv_file_gives(prices, tmp_path):
    """geo.load, geo.frontier and geo.backtest on a DataFrame: the same answers as csv: of the same prices."""
    import pandas as pd

    frame = pd.read_csv(prices, index_col=0, parse_dates=True)
    sectors = pd.Series({t: "Tech" if t.startswith("A") else "Other" for t in frame.columns})
    sectors_file = tmp_path / "sectors.csv"
    sectors.rename_axis("Symbol").rename("Sector").to_csv(sectors_file)
    membership = pd.DataFrame({"ticker": list(frame.columns), "start_date": "2015-01-01", "end_date": ""})
    membership.loc[membership.ticker == "C1", "end_date"] = "2020-03-01"
    membership_file = tmp_path / "membership.csv"
    membership.to_csv(membership_file, index=False)

    by_frame = geo.load(frame[::-1], start="2019-06-01")  # rows in any order: sorted as a CSV file's are
    by_file = geo.load(f"csv:{prices}", start="2019-06-01")
    assert by_frame.tickers == by_file.tickers
    assert (by_frame.mu == by_file.mu).all() and (by_frame.cov == by_file.cov).all()
    front_frame = geo.frontier(frame, k=3, points=4, budget=300, seed=1).to_frame()
    front_file = geo.frontier(f"csv:{prices}", k=3, points=4, budget=300, seed=1).to_frame()
    assert front_frame[["return", "variance", "holdings"]].equals(front_file[["return", "variance", "holdings"]])

    settings = {**SETTINGS, "sector_cap": 0.7, "cost_bps": 10}
    ours = geo.backtest(frame, 3, **settings, sectors=sectors, membership=membership)
    theirs = geo.backtest(f"csv:{prices}", 3, **settings, sectors=sectors_file, membership=membership_file)
    assert [r["weights"] for r in ours.rebalances] == [r["weights"] for r in theirs.rebalances]
    assert ours.daily == theirs.daily and ours.metrics == theirs.metrics and ours.intervals == theirs.intervals
    assert all("C1" not in r["weights"] for r in ours.rebalances if r["date"] >= "2020-03-01")


def test_a_bad_dataframe_is_a_one_line_error():
    import pandas as pd

    with pytest.raises(GeoError, match="does not hold dates"):
        geo.load(pd.DataFrame({"A": [1.0, 2.0], "B": [1.0, 2.0]}, index=["x", "y"]))
    with pytest.raises(GeoError, match="zero or negative"):
        geo.load(pd.DataFrame({"A": [1.0, -2.0], "B": [1.0, 2.0]}, index=pd.bdate_range("2020-01-01", periods=2)))
