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
one-way turnover is ``0.5 * sum |w_new - w_drifted|``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    daily, turnover = [], []
    bounds = list(positions) + [last]
    for j, start in enumerate(positions):
        target = weights[j]
        if target is not None and target:
            new = np.zeros(len(columns))
            for ticker, w in target.items():
                new[columns[ticker]] = w
            turnover.append(0.5 * float(np.abs(new - held).sum()) if invested else 1.0)
            held, invested = new, True
        else:
            turnover.append(0.0)
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
    return Simulation(dates=dates, portfolio_returns=np.array(daily), turnover=turnover, final_weights=held)


def performance(daily: np.ndarray, turnover: Sequence[float], periods_per_year: int,
                risk_free_rate: float = 0.0) -> dict[str, float | None]:
    """Annualised return (geometric), volatility, Sharpe, maximum drawdown and mean turnover.

    Sharpe = (mean daily return - rf / periods) * periods / annual volatility; the mean
    turnover leaves out the first rebalance (the purchase from cash).
    """
    n = len(daily)
    wealth = np.cumprod(1.0 + daily)
    annual_return = float(wealth[-1] ** (periods_per_year / n) - 1.0) if n else None
    volatility = float(np.std(daily, ddof=1) * np.sqrt(periods_per_year)) if n > 1 else None
    excess = (float(np.mean(daily)) - risk_free_rate / periods_per_year) * periods_per_year if n else None
    sharpe = excess / volatility if volatility else None
    later = list(turnover[1:])
    return {"annual_return": annual_return, "annual_volatility": volatility, "sharpe": sharpe,
            "max_drawdown": max_drawdown(daily), "mean_turnover": float(np.mean(later)) if later else None}


def max_drawdown(daily: np.ndarray) -> float:
    """Largest fall of wealth from its previous peak, as a positive fraction (the start counts as a peak)."""
    wealth = np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(daily))])
    return float(np.max(1.0 - wealth / np.maximum.accumulate(wealth)))


def drawdowns(daily: np.ndarray) -> np.ndarray:
    wealth = np.cumprod(1.0 + np.asarray(daily))
    peaks = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    return wealth / peaks - 1.0
