"""A small synthetic market for backtests: 10 tickers in 4 sectors, business days 2019-2021.

A module of its own (not conftest.py) so that the Dask tests can import it by a unique name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SECTORS = {"A1": "Tech", "A2": "Tech", "A3": "Tech", "B1": "Energy", "B2": "Energy", "C1": "Health",
           "C2": "Health", "C3": "Health", "D1": "Utilities", "D2": "Utilities"}


def synthetic_prices(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-01-01", "2021-06-30")
    tickers = list(SECTORS)
    market = rng.normal(0.0003, 0.008, size=(len(dates), 1))
    returns = 0.8 * market + rng.normal(0.0002, 0.01, size=(len(dates), len(tickers)))
    prices = 50 * np.exp(np.cumsum(np.log1p(returns), axis=0))
    table = pd.DataFrame(prices, index=dates, columns=tickers)
    table.index.name = "date"
    table.iloc[:40, -1] = np.nan  # D2 is listed late
    table.iloc[300, 4] = np.nan   # B1 misses one day
    return table
