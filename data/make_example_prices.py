"""Writes data/example-prices.csv: a small slice of the bundled S&P 500 sample, for csv: examples.

    .venv/bin/python data/make_example_prices.py

Source: skfolio's ``load_sp500_dataset()`` (daily adjusted closes of 20 S&P 500 stocks, shipped
inside the skfolio wheel; the same data as ``sp500-sample``). Kept: 8 tickers from 4 sectors,
2021-01-04 .. 2022-12-28 (501 trading days), prices rounded to cents. tests/data/test_example_prices.py checks the
file still matches its source.
"""

from __future__ import annotations

from pathlib import Path

TICKERS = ["AAPL", "MSFT", "JNJ", "PFE", "JPM", "BAC", "KO", "PG"]
START, END = "2021-01-01", "2022-12-31"
OUTPUT = Path(__file__).resolve().parent / "example-prices.csv"


def example_prices():
    from skfolio.datasets import load_sp500_dataset

    prices = load_sp500_dataset().loc[START:END, TICKERS].round(2)
    prices.index = prices.index.strftime("%Y-%m-%d")
    prices.index.name = "date"
    return prices


if __name__ == "__main__":
    example_prices().to_csv(OUTPUT)
    print(f"written {OUTPUT}")
