"""data/example-prices.csv is what its README says: a slice of the bundled sample, usable by csv:."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from geo.data import load_dataset

DATA = Path(__file__).resolve().parents[2] / "data"


def test_the_example_matches_its_source():
    spec = importlib.util.spec_from_file_location("make_example_prices", DATA / "make_example_prices.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    on_disk = pd.read_csv(DATA / "example-prices.csv", index_col="date")
    pd.testing.assert_frame_equal(on_disk, maker.example_prices(), check_exact=False, rtol=1e-12)


def test_the_readme_example_loads():
    data = load_dataset(f"csv:{DATA / 'example-prices.csv'}")
    assert data.tickers == ("AAPL", "MSFT", "JNJ", "PFE", "JPM", "BAC", "KO", "PG")
    assert data.metadata["frequency"] == "daily" and data.metadata["n_observations"] == 500
