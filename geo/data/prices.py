"""The raw price table of a DATASET, for what needs prices rather than moments (backtests).

``sp500-sample``, ``csv:`` (wide prices) and ``yahoo:`` give prices; ``orlib:`` and
``moments:`` give only moments and cannot be backtested. Sectors come with the data where the
source knows them: sp500-sample's GICS table, ``yahoo:sp500``'s constituents list, or for
``csv:`` a ``--sectors`` file, else the one ``*sectors*.csv`` file beside the price file (the
shared S&P 500 folder ships ``kaggle_tickers_sectors.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.core.errors import GeoError


@dataclass(frozen=True)
class PriceTable:
    name: str
    prices: pd.DataFrame
    sectors: dict[str, str] | None
    source: str
    sectors_source: str | None = None


def load_price_table(spec: str, *, sectors_file: str | None = None, cache_dir: str | None = None,
                     tickers_file: str | None = None, start: pd.Timestamp | None = None,
                     end: pd.Timestamp | None = None) -> PriceTable:
    from geo.data.spec import read_sectors_file, sectors_beside
    from geo.data.tables import read_wide_table

    spec = (spec or "").strip()
    prefix, _, body = spec.partition(":")
    prefix = prefix.lower()
    if spec.lower() == "sp500-sample":
        from skfolio.datasets import load_sp500_dataset

        from geo.data.sample import SP500_SAMPLE_SECTORS

        prices = load_sp500_dataset().astype(float)
        table = PriceTable("sp500-sample", prices, dict(SP500_SAMPLE_SECTORS), "skfolio", "bundled GICS table")
    elif prefix == "csv" and body.strip():
        path = Path(body.strip()).expanduser()
        prices, _ = read_wide_table(path, kind="prices")
        found = sectors_file or sectors_beside(path)
        sectors = read_sectors_file(found) if found else None
        table = PriceTable(path.name.split(".")[0], prices, sectors, "csv", str(found) if found else None)
    elif prefix == "yahoo" and body.strip():
        table = _yahoo(spec, body, cache_dir, tickers_file, start, end)
    else:
        raise GeoError(f"{spec!r} gives no prices to backtest",
                       "use sp500-sample, csv:PRICES.csv or yahoo:T1,T2,... (orlib: and moments: hold only moments)")
    if sectors_file and table.source != "csv":
        table = PriceTable(table.name, table.prices, read_sectors_file(sectors_file), table.source, sectors_file)
    prices = table.prices.sort_index()
    prices.index.name = "date"
    return PriceTable(table.name, prices, table.sectors, table.source, table.sectors_source)


def _yahoo(spec, body, cache_dir, tickers_file, start, end) -> PriceTable:
    from geo.data.constituents import sp500_constituents
    from geo.data.yahoo import DEFAULT_CACHE_DIR, fetch_prices, parse_ticker_list

    folder = Path(cache_dir or DEFAULT_CACHE_DIR).expanduser()
    sectors = None
    if body.strip().lower() == "sp500":
        tickers, sectors, _ = sp500_constituents(cache_dir=folder, tickers_file=tickers_file)
    else:
        tickers = parse_ticker_list(body)
    today = pd.Timestamp.now().normalize()
    end = end if end is not None else today - pd.Timedelta(days=1)
    start = start if start is not None else end - pd.DateOffset(years=5)
    prices, _ = fetch_prices(tickers, start, end + pd.Timedelta(days=1), cache_dir=folder, today=today)
    return PriceTable(spec, prices, sectors, "yahoo", "S&P 500 constituents list" if sectors else None)
