"""From prices to moments: resampling, return kinds, sample and Ledoit-Wolf covariance."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.covariance import LedoitWolf

from geo.data import DataWarning, load_dataset
from geo.data.estimation import (
    check_resampling,
    compound_returns,
    estimate_moments,
    infer_frequency,
    price_returns,
    resample_prices,
)
from geo.core.errors import GeoError


def test_infer_frequency():
    assert infer_frequency(pd.date_range("2020-01-01", periods=30, freq="B")) == "daily"
    assert infer_frequency(pd.date_range("2020-01-01", periods=30, freq="W-FRI")) == "weekly"
    assert infer_frequency(pd.date_range("2020-01-01", periods=30, freq="ME")) == "monthly"
    assert infer_frequency(pd.date_range("2020-01-01", periods=30, freq="QE")) == "irregular"


def test_check_resampling():
    assert check_resampling("daily", None) == "daily"
    assert check_resampling("daily", "monthly") == "monthly"
    with pytest.raises(GeoError):
        check_resampling("monthly", "weekly")


def test_weekly_resampling_takes_the_last_trading_day_and_keeps_gaps():
    index = pd.to_datetime(["2020-01-06", "2020-01-08", "2020-01-09", "2020-01-13", "2020-01-17"])
    prices = pd.DataFrame({"A": [1.0, 2.0, 3.0, 4.0, 5.0], "B": [1.0, 2.0, np.nan, 4.0, 6.0]}, index=index)
    weekly = resample_prices(prices, "weekly")
    assert list(weekly.index) == [pd.Timestamp("2020-01-09"), pd.Timestamp("2020-01-17")]
    assert weekly["A"].tolist() == [3.0, 5.0]
    # B has no price on the week's last trading day: missing, not Wednesday's price carried on.
    assert np.isnan(weekly.at[pd.Timestamp("2020-01-09"), "B"])


def test_monthly_returns_from_prices(make_prices):
    prices = make_prices(periods=400)
    monthly = price_returns(resample_prices(prices, "monthly"), "log")
    month_ends = prices.groupby(prices.index.to_period("M")).tail(1)
    np.testing.assert_allclose(monthly.to_numpy(), np.log(month_ends).diff().iloc[1:].to_numpy())


def test_simple_and_log_returns(make_prices):
    prices = make_prices(periods=20)
    simple = price_returns(prices, "simple")
    logs = price_returns(prices, "log")
    np.testing.assert_allclose(np.log1p(simple), logs, rtol=1e-12)
    assert len(simple) == 19


def test_compounding_returns_matches_prices(make_prices):
    prices = make_prices(periods=100)
    daily = prices.pct_change().iloc[1:]
    weekly = compound_returns(daily, "weekly", "simple")
    from_prices = price_returns(resample_prices(prices, "weekly"), "simple")
    common = weekly.index.intersection(from_prices.index)
    np.testing.assert_allclose(weekly.loc[common], from_prices.loc[common], rtol=1e-10)


def test_compounding_keeps_a_gap_as_missing(make_prices):
    daily = make_prices(periods=30).pct_change().iloc[1:]
    daily.iloc[3, 0] = np.nan
    weekly = compound_returns(daily, "weekly", "log")
    assert weekly.iloc[:, 0].isna().sum() == 1 and weekly.iloc[:, 1].notna().all()


@pytest.mark.parametrize("ddof", [0, 1])
def test_sample_covariance(make_prices, ddof):
    returns = make_prices(periods=60).pct_change().iloc[1:]
    mu, cov = estimate_moments(returns, "sample", ddof)
    np.testing.assert_allclose(mu, returns.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(cov, np.cov(returns.to_numpy(), rowvar=False, ddof=ddof), rtol=1e-12)


def test_ledoit_wolf_matches_sklearn(make_prices):
    returns = make_prices(tickers=[f"T{i}" for i in range(30)], periods=40, seed=11).pct_change().iloc[1:]
    _, cov = estimate_moments(returns, "ledoit-wolf")
    expected = LedoitWolf().fit(returns.to_numpy()).covariance_
    np.testing.assert_allclose(cov, expected, rtol=1e-12)
    assert np.linalg.eigvalsh(cov)[0] > 0


def test_fewer_observations_than_assets_warns_and_suggests_ledoit_wolf(tmp_path, make_prices):
    path = tmp_path / "wide.csv"
    make_prices(tickers=[f"T{i}" for i in range(12)], periods=8).to_csv(path, index_label="date")
    with pytest.warns(DataWarning, match="ledoit-wolf"):
        data = load_dataset(f"csv:{path}")
    assert any("ledoit-wolf" in w for w in data.metadata["warnings"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        shrunk = load_dataset(f"csv:{path}", estimator="ledoit-wolf")
    assert shrunk.metadata["estimator"] == "ledoit-wolf" and shrunk.metadata["ddof"] is None
    assert np.linalg.eigvalsh(shrunk.cov)[0] > 0


def test_options_flow_into_metadata(prices_csv):
    data = load_dataset(f"csv:{prices_csv}", frequency="weekly", return_kind="log", ddof=0, start="2020-02-01", end="2020-10-31")
    meta = data.metadata
    assert (meta["frequency"], meta["native_frequency"], meta["return_kind"], meta["ddof"]) == ("weekly", "daily", "log", 0)
    assert pd.Timestamp(meta["start"]) >= pd.Timestamp("2020-02-01") and pd.Timestamp(meta["end"]) <= pd.Timestamp("2020-10-31")
    np.testing.assert_allclose(data.cov, np.cov(data.returns.to_numpy(), rowvar=False, ddof=0), rtol=1e-12)
    assert np.all(data.returns.index.dayofweek <= 4)


def test_estimate_moments_refuses_missing_values():
    with pytest.raises(ValueError):
        estimate_moments(pd.DataFrame({"A": [0.1, np.nan, 0.2], "B": [0.1, 0.2, 0.3]}))
