"""Cleaning: sparse tickers, jumps (unadjusted splits and spin-offs), remaining gaps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.data import MAX_MISSING_SHARE, load_dataset
from geo.data.cleaning import CleaningReport, drop_incomplete_periods, drop_sparse_tickers, find_jumps, log_changes, mask_jumps

REQUIRED_JUMPS = [("DISCA", "2014-08-07"), ("BAX", "2015-07-01"), ("LNT", "2016-05-19"), ("LNT", "2016-05-20")]


def test_sparse_tickers_are_dropped_and_reported(make_prices):
    prices = make_prices(tickers=("AAA", "BBB", "CCC"), periods=200)
    prices.iloc[:20, 0] = np.nan  # 10% missing: dropped
    prices.iloc[:10, 1] = np.nan  # exactly 5%: kept
    kept, dropped = drop_sparse_tickers(prices, MAX_MISSING_SHARE)
    assert list(kept.columns) == ["BBB", "CCC"]
    assert dropped == [{"ticker": "AAA", "missing_share": 0.1}]


def test_remaining_gaps_drop_periods_listwise(tmp_path, make_prices):
    prices = make_prices(periods=200)
    prices.iloc[50, 0] = np.nan  # removes the returns of days 50 and 51 for every ticker
    path = tmp_path / "gappy.csv"
    prices.to_csv(path, index_label="date")
    data = load_dataset(f"csv:{path}")
    cleaning = data.metadata["cleaning"]
    assert cleaning["dropped_periods"] == 2 and cleaning["periods_before"] == 199
    assert cleaning["missing_returns_by_ticker"] == {"AAA": 2}
    assert data.metadata["n_observations"] == 197
    assert not data.returns.isna().any().any()
    assert prices.index[50] not in data.returns.index and prices.index[51] not in data.returns.index


def test_no_gap_is_filled(tmp_path, make_prices):
    """A missing price never becomes a zero return: that would understate the risk."""
    prices = make_prices(periods=100)
    prices.iloc[10:13, 2] = np.nan
    path = tmp_path / "p.csv"
    prices.to_csv(path, index_label="date")
    data = load_dataset(f"csv:{path}")
    assert not (data.returns == 0).any().any()


def synthetic_with_events(make_prices):
    prices = make_prices(tickers=("SPLIT", "RALLY", "SPIKE", "CALM"), periods=400, seed=3)
    prices.iloc[200:, 0] /= 2.0  # an unadjusted 2:1 split
    prices.iloc[150:, 1] *= 1.6  # a genuine rally (a takeover bid): not a data error
    prices.iloc[300, 2] /= 2.0  # one bad print, back the next day
    return prices


def test_find_jumps_flags_splits_and_bad_prints_not_rallies(make_prices):
    prices = synthetic_with_events(make_prices)
    jumps = find_jumps(log_changes(prices))
    found = {(j["ticker"], j["date"], j["kind"]) for j in jumps}
    dates = prices.index
    assert found == {
        ("SPLIT", dates[200].date().isoformat(), "fall"),
        ("SPIKE", dates[300].date().isoformat(), "fall"),
        ("SPIKE", dates[301].date().isoformat(), "reversal"),
    }
    split = next(j for j in jumps if j["ticker"] == "SPLIT")
    assert split["return"] == pytest.approx(-0.5, abs=0.05) and split["robust_z"] < -30


def test_jump_across_a_gap_is_measured_from_the_last_price(make_prices):
    prices = make_prices(tickers=("AAA", "BBB"), periods=300, seed=5)
    prices.iloc[150:, 0] /= 3.0
    prices.iloc[148:150, 0] = np.nan
    jumps = find_jumps(log_changes(prices))
    assert [(j["ticker"], j["date"]) for j in jumps] == [("AAA", prices.index[150].date().isoformat())]


def test_mask_jumps_hits_the_period_that_contains_the_jump():
    index = pd.to_datetime(["2020-01-03", "2020-01-10", "2020-01-17"])
    returns = pd.DataFrame({"A": [0.01, 0.02, 0.03], "B": [0.0, 0.1, 0.2]}, index=index)
    masked = mask_jumps(returns, [{"ticker": "A", "date": "2020-01-08"}, {"ticker": "Z", "date": "2020-01-08"}])
    assert np.isnan(masked.loc["2020-01-10", "A"]) and masked["A"].notna().sum() == 2
    assert masked["B"].notna().all()


def test_drop_incomplete_periods_reports():
    returns = pd.DataFrame({"A": [0.1, np.nan, 0.2], "B": [np.nan, np.nan, 0.1]})
    report = CleaningReport(max_missing=0.05)
    kept = drop_incomplete_periods(returns, report)
    assert len(kept) == 1 and report.dropped_periods == 2
    assert report.missing_returns_by_ticker == {"B": 2, "A": 1}


def test_synthetic_split_is_excluded_from_moments(tmp_path, make_prices):
    prices = synthetic_with_events(make_prices)
    path = tmp_path / "events.csv"
    prices.to_csv(path, index_label="date")
    cleaned = load_dataset(f"csv:{path}")
    raw = load_dataset(f"csv:{path}", detect_jumps=False)
    assert cleaned.returns.min().min() > -0.2
    assert raw.returns["SPLIT"].min() == pytest.approx(-0.5, abs=0.05)
    split = cleaned.tickers.index("SPLIT")
    assert cleaned.cov[split, split] < 0.5 * raw.cov[split, split]
    assert raw.metadata["cleaning"]["jumps"] == [] and raw.metadata["cleaning"]["rules"]["jump_detection"] is False


# --- the shared S&P 500 daily closes (not adjusted for splits or spin-offs) -------------------


def test_shared_sp500_required_jumps_are_caught(sp500_daily):
    jumps = {(j["ticker"], j["date"]) for j in sp500_daily.metadata["cleaning"]["jumps"]}
    for required in REQUIRED_JUMPS:
        assert required in jumps
    for jump in sp500_daily.metadata["cleaning"]["jumps"]:
        assert set(jump) >= {"ticker", "date", "return"}
        assert abs(jump["log_return"]) > 0.2


def test_shared_sp500_cleaned_returns_exclude_the_jumps(sp500_daily):
    returns = sp500_daily.returns
    for ticker, date in REQUIRED_JUMPS:
        assert pd.Timestamp(date) not in returns.index or np.isnan(returns.at[pd.Timestamp(date), ticker])
    # No daily move of the cleaned data looks like a split any more.
    assert returns[["DISCA", "BAX", "LNT"]].abs().max().max() < 0.2


def test_shared_sp500_covariance_is_free_of_the_jumps(sp500_daily, sp500_daily_file):
    raw = load_dataset(f"csv:{sp500_daily_file}", detect_jumps=False)
    for ticker in ("DISCA", "BAX", "LNT"):
        i, j = sp500_daily.tickers.index(ticker), raw.tickers.index(ticker)
        assert sp500_daily.cov[i, i] < 0.7 * raw.cov[j, j], ticker
        np.testing.assert_allclose(sp500_daily.cov[i, i], sp500_daily.returns[ticker].var(ddof=1), rtol=1e-10)


def test_shared_sp500_weekly_returns_exclude_the_jump_weeks(sp500_daily_file):
    weekly = load_dataset(f"csv:{sp500_daily_file}", frequency="weekly", return_kind="log", estimator="ledoit-wolf")
    assert weekly.returns[["DISCA", "BAX", "LNT"]].abs().max().max() < 0.25
    assert pd.Timestamp("2014-08-08") not in weekly.returns.index  # the week of DISCA's share dividend


def test_shared_sp500_cleaning_report(sp500_daily):
    meta = sp500_daily.metadata
    json.dumps(meta)
    for key in ("source", "spec", "start", "end", "frequency", "return_kind", "estimator", "n_observations", "cleaning"):
        assert key in meta
    dropped = {d["ticker"]: d["missing_share"] for d in meta["cleaning"]["dropped_tickers"]}
    assert "APTV" in dropped and dropped["APTV"] > 0.9
    assert all(share > MAX_MISSING_SHARE for share in dropped.values())
    assert sp500_daily.n_assets == 505 - len(dropped)
    assert meta["n_observations"] == meta["cleaning"]["periods_before"] - meta["cleaning"]["dropped_periods"]
