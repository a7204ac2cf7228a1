"""sp500-sample: the S&P 500 sample shipped in the skfolio wheel, offline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo.data import load_dataset
from geo.data.sample import SP500_SAMPLE_SECTORS


@pytest.fixture
def sample(sp500_sample):
    return sp500_sample  # session fixture of tests/conftest.py


def test_sp500_sample_loads_offline(sample):
    # The autouse no_network fixture makes any connection attempt fail this test.
    assert sample.n_assets == 20
    assert set(sample.tickers) == set(SP500_SAMPLE_SECTORS)
    assert sample.sectors == {t: SP500_SAMPLE_SECTORS[t] for t in sample.tickers}
    meta = sample.metadata
    assert meta["source"] == "skfolio" and meta["spec"] == "sp500-sample"
    assert meta["start"].startswith("1990-01") and meta["end"].startswith("2022-12")
    assert meta["frequency"] == "daily" and meta["n_observations"] > 8000
    json.dumps(meta)
    assert np.all(np.linalg.eigvalsh(sample.cov) > 0)
    np.testing.assert_allclose(sample.mu, sample.returns.mean().to_numpy())


def test_sp500_sample_window_and_frequency():
    data = load_dataset("sp500-sample", start="2018-01-01", end="2022-12-31", frequency="monthly", estimator="ledoit-wolf")
    assert 55 <= data.metadata["n_observations"] <= 60
    assert data.metadata["estimator"] == "ledoit-wolf"


def test_sp500_sample_subset_keeps_sectors(sample):
    subset = sample.subset(["AAPL", "XOM"])
    assert subset.sectors == {"AAPL": "Information Technology", "XOM": "Energy"}
