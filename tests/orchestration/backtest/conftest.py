"""A small synthetic market for backtests: 10 tickers in 4 sectors, business days 2019-2021."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_market import SECTORS, synthetic_prices  # noqa: E402


@pytest.fixture()
def market(tmp_path):
    """(price CSV path, the table); the sectors file sits beside the prices, as in the shared data."""
    table = synthetic_prices()
    path = tmp_path / "prices.csv"
    table.to_csv(path)
    pd.DataFrame({"Symbol": list(SECTORS), "Sector": list(SECTORS.values())}).to_csv(tmp_path / "sectors.csv",
                                                                                      index=False)
    return path, table
