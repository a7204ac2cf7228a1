"""Realised returns of a rebalanced, buy-and-hold-between-dates portfolio.

Realised asset returns come from the data's closing prices: ``R[t, i] = P[t, i] / P[t-1, i] - 1``.
- A missing price is carried forward for valuation only (a stock with a gap neither gains nor
  loses until it trades again); a stock is only bought where it has a price on the trade day.
- Price falls that the data layer identifies as unadjusted splits or spin-offs
  (:func:`geo.data.cleaning.find_jumps`) are not losses of the holder: their day's return is set
  to 0 and listed in the output as an adjustment.

Between rebalances the weights drift with prices: with ``w`` the weights after day ``t-1``'s
close, day ``t`` returns ``r = w . R[t]`` and the weights become ``w * (1 + R[t]) / (1 + r)``.
At a rebalance the drifted weights are replaced by the new ones at that day's close; the
one-way turnover is ``0.5 * sum |w_new - w_drifted|``, and the value traded (both sides, as a
share of the portfolio's value) is ``sum |w_new - w_drifted|``: 1 for the first purchase from cash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RealisedReturns:
    returns: pd.DataFrame
    adjustments: list[dict[str, Any]]


def realised_returns(prices: pd.DataFrame) -> RealisedReturns:
    from geo.data.cleaning import find_jumps, log_changes

    jumps = find_jumps(log_changes(prices))
    filled = prices.ffill()
    returns = (filled / filled.shift(1) - 1.0).iloc[1:]
    for jump in jumps:
        if jump["kind"] == "fall":
            returns.loc[pd.Timestamp(jump["date"]), jump["ticker"]] = 0.0
    # Reversal days next to a fall are the same corporate action seen from the other side.
    for jump in jumps:
        if jump["kind"] == "reversal":
            returns.loc[pd.Timestamp(jump["date"]), jump["ticker"]] = 0.0
    return RealisedReturns(returns, jumps)


@dataclass
class Simulation:
    dates: list[pd.Timestamp]
    portfolio_returns: np.ndarray
    turnover: list[float]
    # Per rebalance: sum |w_new - w_drifted| (buys plus sells), 0 where nothing was bought.
    traded: list[float] = field(default_factory=list)
    # The book after the last day, drifted with prices (one weight per column of ``returns``).
    final_weights: np.ndarray | None = None


def simulate(returns: pd.DataFrame, positions: Sequence[int], last: int,
             weights: Sequence[dict[str, float] | None]) -> Simulation:
    """Daily returns from the day after ``positions[0]`` to ``last`` (row positions of the price
    table; ``returns`` row ``p - 1`` is the return of price row ``p``).

    ``weights[j]`` is bought at the close of ``positions[j]``; None keeps the drifted holding
    (a date where no portfolio could be chosen).
    """
    columns = {t: i for i, t in enumerate(returns.columns)}
    values = returns.to_numpy(dtype=float)
    held = np.zeros(len(columns))
    invested = False
    daily, turnover, traded = [], [], []
    bounds = list(positions) + [last]
    for j, start in enumerate(positions):
        target = weights[j]
        if target is not None and target:
            new = np.zeros(len(columns))
            for ticker, w in target.items():
                new[columns[ticker]] = w
            traded.append(float(np.abs(new - held).sum()) if invested else 1.0)
            turnover.append(0.5 * traded[-1] if invested else 1.0)
            held, invested = new, True
        else:
            turnover.append(0.0)
            traded.append(0.0)
        for p in range(start + 1, bounds[j + 1] + 1):
            r_assets = values[p - 1]
            if not invested:
                daily.append(0.0)
                continue
            active = held != 0
            r = float(held[active] @ r_assets[active])
            daily.append(r)
            held = np.where(active, held * (1.0 + np.where(active, r_assets, 0.0)) / (1.0 + r), 0.0)
    dates = list(returns.index[positions[0]:last])
    return Simulation(dates=dates, portfolio_returns=np.array(daily), turnover=turnover, traded=traded,
                      final_weights=held)
