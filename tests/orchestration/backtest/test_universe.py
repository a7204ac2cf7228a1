"""The point-in-time universe: no stock is bought outside its membership; leavers are sold; counts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synthetic_market import synthetic_prices

from geo.data.membership import read_membership_file

ARGS = ["-k", "2", "--start", "2020-01-01", "--end", "2020-12-31", "--rebalance", "quarterly", "--window", "1y",
        "--choose", "min-variance", "--budget", "300", "--quiet"]
MEMBERSHIP = ("ticker,start_date,end_date\n"
              "A1,2015-01-01,\nA2,2015-01-01,\nA3,2015-01-01,\nB1,2015-01-01,\nB2,2015-01-01,\n"
              "C1,2015-01-01,\nC2,2015-01-01,\nD2,2015-01-01,\n"
              "D1,2020-05-01,\n"                       # the best stock joins only in May 2020
              "C3,2015-01-01,2020-08-01\n")            # the second best leaves in August 2020


@pytest.fixture()
def planted(tmp_path):
    """Prices where D1, then C3, are by far the least volatile: min-variance with K = 2 wants both."""
    prices = synthetic_prices()
    rng = np.random.default_rng(11)
    for ticker, scale in (("D1", 0.0005), ("C3", 0.001)):
        prices[ticker] = 40 * np.exp(np.cumsum(rng.normal(0.0002, scale, size=len(prices))))
    path = tmp_path / "prices.csv"
    prices.to_csv(path)
    membership = tmp_path / "membership.csv"
    membership.write_text(MEMBERSHIP)
    return path, membership


def run(run_cli, tmp_path, path, *extra):
    out = tmp_path / f"bt{len(list(tmp_path.glob('bt*.json')))}.json"
    result = run_cli("backtest", f"csv:{path}", *ARGS, *extra, "--output", out)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def test_no_stock_outside_the_membership_of_its_date_is_ever_bought(planted, run_cli, tmp_path):
    path, membership_file = planted
    everyone = run(run_cli, tmp_path, path)
    # Without a membership the planted pair is chosen at every date: the test can fail.
    assert all(set(r["weights"]) == {"D1", "C3"} for r in everyone["rebalances"]), everyone["rebalances"]
    assert "look-ahead" in everyone["universe"]["rule"]

    data = run(run_cli, tmp_path, path, "--membership", membership_file)
    membership = read_membership_file(membership_file)
    held = {r["date"]: set(r["weights"]) for r in data["rebalances"]}
    for record in data["rebalances"]:
        assert set(record["weights"]) <= membership.members_on(record["date"]), record["date"]
    assert "D1" not in held["2019-12-31"] | held["2020-03-31"]
    assert held["2020-06-30"] == {"D1", "C3"}                      # once a member, the best stock is bought
    september = data["rebalances"][-1]
    assert september["date"] == "2020-09-30" and "C3" not in september["weights"]
    assert september["sold"] == ["C3"] and september["forced_sales"] == ["C3"]

    universe = data["universe"]
    assert universe["membership"] == str(membership_file) and "only members" in universe["rule"]
    assert "survivorship bias" in universe["survivorship"]
    assert universe["membership_tickers"] == 10 and universe["membership_tickers_without_prices"] == 0
    counts = {row["date"]: row for row in universe["per_date"]}
    assert counts["2019-12-31"]["members"] == 9 and counts["2020-06-30"]["members"] == 10
    assert counts["2020-09-30"]["members"] == 9
    for row in universe["per_date"]:
        assert row["eligible"] <= row["members_with_prices"] <= row["members"]


def test_the_benchmarks_hold_only_members_too(planted, run_cli, tmp_path):
    path, membership_file = planted
    data = run(run_cli, tmp_path, path, "--membership", membership_file)
    membership = read_membership_file(membership_file)
    for row in data["benchmark_weights"]:
        for name in ("equal_weight", "min_variance"):
            assert set(row[name]) <= membership.members_on(row["date"]), (row["date"], name)


@pytest.mark.parametrize("text, fragments", [
    ("ticker,start_date,end_date\nA1,2015-01-01,\nA2,2015-01-01,\n", ["no eligible K = 2 universe", "2020-06-30"]),
    ("ticker,start_date,end_date\nXX,2015-01-01,\nYY,2015-01-01,\n", ["no ticker of the membership"]),
    ("ticker,start_date,end_date\nA1,2015-01-01,2014-01-01\n", ["A1 ends on 2014-01-01"]),
    ("symbol,start_date,end_date\nA1,2015-01-01,\n", ["unknown: symbol"]),
])
def test_bad_memberships_are_one_line_errors(planted, run_cli, one_line_error, tmp_path, text, fragments):
    path, _ = planted
    membership = tmp_path / "bad.csv"
    # The first case: A1 and A2 are members only until 2020-06-01, so June has none.
    membership.write_text(text.replace("A1,2015-01-01,\nA2,2015-01-01,\n",
                                       "A1,2015-01-01,2020-06-01\nA2,2015-01-01,\nB1,2015-01-01,2020-06-01\n"))
    out = tmp_path / "bt.json"
    result = run_cli("backtest", f"csv:{path}", *ARGS, "--membership", membership, "--output", out)
    one_line_error(result, *fragments)
    assert not out.exists()
