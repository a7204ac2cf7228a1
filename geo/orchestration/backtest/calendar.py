"""When a backtest trades: rebalance dates, the holding span and the estimation window.

Dates are trading days of the data. The portfolio is formed at the close of the last trading
day before ``start``, then rebalanced at the close of the last trading day of each period
(month, quarter, year) until the last trading day on or before ``end``, on which it is only
valued. The moments of a rebalance date come from the ``window`` returns that end on that
day: nothing after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from geo.core.errors import GeoError

PERIODS = {"monthly": "M", "quarterly": "Q", "yearly": "Y"}
TRADING_DAYS_PER_YEAR = 252
WINDOW_HELP = "write the window as 1y, 2y (252 trading days a year) or Nd (N trading days), e.g. 126d"


def parse_window(text: str) -> int:
    """The estimation window as a number of daily returns: ``Ny`` = 252 N, ``Nd`` = N."""
    match = re.fullmatch(r"\s*(\d+)\s*([yd])\s*", str(text).lower())
    if not match or int(match.group(1)) == 0:
        raise GeoError(f"cannot read the window {text!r}", WINDOW_HELP)
    count = int(match.group(1))
    return count * TRADING_DAYS_PER_YEAR if match.group(2) == "y" else count


@dataclass(frozen=True)
class Calendar:
    """Row positions in the price table: rebalance days, and the last day of the backtest."""

    rebalances: tuple[int, ...]
    last: int
    window: int


def backtest_calendar(index: pd.DatetimeIndex, start: str, end: str, rebalance: str, window: int) -> Calendar:
    if rebalance not in PERIODS:
        raise GeoError(f"unknown rebalance frequency {rebalance!r}", f"use one of {', '.join(PERIODS)}")
    first_day, last_day = index[0], index[-1]
    start_ts, end_ts = _date("--start", start), _date("--end", end)
    if start_ts > end_ts:
        raise GeoError(f"--start {start_ts.date()} is after --end {end_ts.date()}", "give a start before the end")
    if start_ts <= first_day or end_ts > last_day + pd.Timedelta(days=1) or start_ts > last_day:
        raise GeoError(f"the backtest {start_ts.date()} to {end_ts.date()} lies outside the data "
                       f"({first_day.date()} to {last_day.date()})",
                       "choose --start after the first date (a window of history must precede it) and --end "
                       "on or before the last")
    first_hold = int(index.searchsorted(start_ts, side="left"))
    last = int(index.searchsorted(end_ts + pd.Timedelta(days=1), side="left")) - 1
    if last <= first_hold - 1:
        raise GeoError(f"no trading day between {start_ts.date()} and {end_ts.date()}", "widen the dates")
    formation = first_hold - 1
    if formation - window < 0:
        raise GeoError(f"the window of {window} daily returns is longer than the history before "
                       f"{start_ts.date()} ({formation} returns from {first_day.date()})",
                       "shorten --window or start the backtest later")
    periods = index.to_period(PERIODS[rebalance])
    # The last trading day of a period: the next trading day falls in another period.
    ends = [p for p in range(formation + 1, last) if periods[p] != periods[p + 1]]
    return Calendar(rebalances=(formation, *ends), last=last, window=window)


def _date(option: str, value: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise GeoError(f"{option} {value!r} is not a date", "write dates as YYYY-MM-DD") from None
