"""The raw price table of a DATASET, for what needs prices rather than moments (backtests).

``sp500-sample``, ``csv:`` (wide prices) and ``yahoo:`` give prices; ``orlib:`` and
``moments:`` give only moments and cannot be backtested. Sectors come with the data where the
source knows them: sp500-sample's GICS table, ``yahoo:sp500``'s constituents list, or for
``csv:`` a ``--sectors`` file, else the one ``*sectors*.csv`` file beside the price file (the
shared S&P 500 folder ships ``kaggle_tickers_sectors.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from geo.core.errors import GeoError
from geo.data.membership import Membership, as_membership


@dataclass(frozen=True)
class PriceTable:
    name: str
    prices: pd.DataFrame
    sectors: dict[str, str] | None
    source: str
    sectors_source: str | None = None
    membership: Membership | None = None  # when each ticker was in the index (None: no such knowledge)


def load_price_table(spec, *, sectors_file=None, cache_dir: str | None = None,
                     tickers_file: str | None = None, start: pd.Timestamp | None = None,
                     end: pd.Timestamp | None = None, membership=None, name: str = "prices") -> PriceTable:
    """The prices of ``spec``: a DATASET string, or a pandas DataFrame of prices (dates x
    tickers, checked like a ``csv:`` file's table and named ``name``). ``sectors_file`` is a
    CSV ``ticker,sector``, or a mapping / pandas Series ticker -> sector. ``membership`` (a CSV
    path, a DataFrame or a :class:`Membership`) replaces the one the source brings."""
    from geo.data.spec import as_sectors, read_sectors_file
    from geo.data.tables import frame_as_wide_table

    given_sectors = None if sectors_file is None or isinstance(sectors_file, (str, Path)) else as_sectors(sectors_file)
    sectors_file = None if given_sectors is not None else sectors_file
    if isinstance(spec, pd.DataFrame):
        prices, _ = frame_as_wide_table(spec, kind="prices")
        table = PriceTable(name, prices, None, "dataframe")
    else:
        table = _from_spec(str(spec or "").strip(), sectors_file, given_sectors is None, cache_dir, tickers_file,
                           start, end)
    if given_sectors is not None:
        table = replace(table, sectors=given_sectors, sectors_source="given mapping")
    elif sectors_file and table.source != "csv":
        table = replace(table, sectors=read_sectors_file(sectors_file), sectors_source=str(sectors_file))
    prices = table.prices.sort_index()
    prices.index.name = "date"
    given = as_membership(membership)
    return replace(table, prices=prices, membership=given if given is not None else table.membership)


def _from_spec(spec: str, sectors_file, sectors_beside_file: bool, cache_dir, tickers_file, start,
               end) -> PriceTable:
    from geo.data.spec import read_sectors_file, sectors_beside
    from geo.data.tables import read_wide_table

    prefix, _, body = spec.partition(":")
    prefix = prefix.lower()
    if spec.lower() == "sp500-sample":
        from skfolio.datasets import load_sp500_dataset

        from geo.data.sample import SP500_SAMPLE_SECTORS

        prices = load_sp500_dataset().astype(float)
        return PriceTable("sp500-sample", prices, dict(SP500_SAMPLE_SECTORS), "skfolio", "bundled GICS table")
    if prefix == "csv" and body.strip():
        path = Path(body.strip()).expanduser()
        prices, _ = read_wide_table(path, kind="prices")
        found = sectors_file or (sectors_beside(path) if sectors_beside_file else None)
        sectors = read_sectors_file(found) if found else None
        return PriceTable(path.name.split(".")[0], prices, sectors, "csv", str(found) if found else None)
    if prefix == "yahoo" and body.strip():
        return _yahoo(spec, body, cache_dir, tickers_file, start, end)
    raise GeoError(f"{spec!r} gives no prices to backtest",
                   "use sp500-sample, csv:PRICES.csv, yahoo:T1,T2,... or a DataFrame of prices "
                   "(orlib: and moments: hold only moments)")


def _yahoo(spec, body, cache_dir, tickers_file, start, end) -> PriceTable:
    from geo.data.constituents import sp500_constituents, sp500_membership
    from geo.data.yahoo import default_cache_dir, fetch_prices, parse_ticker_list

    folder = Path(cache_dir or default_cache_dir()).expanduser()
    sectors, membership = None, None
    if body.strip().lower() == "sp500":
        tickers, sectors, _ = sp500_constituents(cache_dir=folder, tickers_file=tickers_file)
        if tickers_file is None:  # a user's list says nothing about when its names joined
            membership, _ = sp500_membership(cache_dir=folder)
    else:
        tickers = parse_ticker_list(body)
    today = pd.Timestamp.now().normalize()
    end = end if end is not None else today - pd.Timedelta(days=1)
    start = start if start is not None else end - pd.DateOffset(years=5)
    prices, _ = fetch_prices(tickers, start, end + pd.Timedelta(days=1), cache_dir=folder, today=today)
    return PriceTable(spec, prices, sectors, "yahoo", "S&P 500 constituents list" if sectors else None,
                      membership=membership)
