"""Fixtures of the data-layer tests: synthetic prices, the shared S&P 500 file (the network is
refused for every test by tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.data import Dataset, load_dataset


def random_prices(tickers=("AAA", "BBB", "CCC"), start="2020-01-01", periods=300, freq="B", seed=0) -> pd.DataFrame:
    """Seeded geometric random walks, one column per ticker."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=periods, freq=freq, name="date")
    steps = rng.normal(0.0005, 0.01, size=(periods, len(tickers)))
    return pd.DataFrame(100.0 * np.exp(np.cumsum(steps, axis=0)), index=index, columns=list(tickers))


@pytest.fixture
def make_prices():
    """``make_prices(tickers=..., start=..., periods=..., freq=..., seed=...)``: see random_prices."""
    return random_prices


@pytest.fixture
def prices_csv(tmp_path) -> Path:
    path = tmp_path / "prices.csv"
    random_prices().to_csv(path, index_label="date")
    return path


@pytest.fixture(scope="session")
def sp500_daily_file(shared_data) -> Path:
    return shared_data / "sp500_daily_2013_2018" / "sp500_close_wide_2013_2018.csv.gz"


@pytest.fixture(scope="session")
def sp500_daily(sp500_daily_file) -> Dataset:
    """The shared S&P 500 daily closes with the default cleaning (loaded once per session)."""
    return load_dataset(f"csv:{sp500_daily_file}")
