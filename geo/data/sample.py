"""``sp500-sample``: 20 S&P 500 stocks, daily adjusted closes 1990-2022, shipped with skfolio.

The prices come from the skfolio wheel itself (``skfolio.datasets.load_sp500_dataset``), so
this data set works offline and is the default for examples and smoke tests.
"""

from __future__ import annotations

from typing import Any

from geo.data.dataset import Dataset
from geo.data.options import EstimationOptions
from geo.data.pipeline import dataset_from_table
from geo.data.tables import check_values

# GICS sectors (2023 scheme) of the 20 stocks, from the companies' S&P index classifications.
SP500_SAMPLE_SECTORS = {
    "AAPL": "Information Technology",
    "AMD": "Information Technology",
    "MSFT": "Information Technology",
    "BAC": "Financials",
    "JPM": "Financials",
    "BBY": "Consumer Discretionary",
    "HD": "Consumer Discretionary",
    "CVX": "Energy",
    "RRC": "Energy",
    "XOM": "Energy",
    "GE": "Industrials",
    "JNJ": "Health Care",
    "LLY": "Health Care",
    "MRK": "Health Care",
    "PFE": "Health Care",
    "UNH": "Health Care",
    "KO": "Consumer Staples",
    "PEP": "Consumer Staples",
    "PG": "Consumer Staples",
    "WMT": "Consumer Staples",
}


def load_sp500_sample(spec: str, options: EstimationOptions) -> Dataset:
    from skfolio.datasets import load_sp500_dataset  # heavy import, only when this source is used

    prices = load_sp500_dataset().astype(float)
    prices.index.name = "date"
    check_values(prices, "prices", "sp500-sample")
    extra: dict[str, Any] = {"description": "skfolio S&P 500 sample: 20 stocks, daily adjusted closes"}
    return dataset_from_table(
        prices, kind="prices", name="sp500-sample", spec=spec, source="skfolio", options=options,
        sectors=dict(SP500_SAMPLE_SECTORS), extra_metadata=extra,
    )
