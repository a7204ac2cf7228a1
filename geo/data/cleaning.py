"""Cleaning of price and return tables: every change is recorded in a JSON-ready report.

Three rules, applied in this order:

1. Sparse tickers. A ticker missing more than ``max_missing`` of its values in the window
   (default :data:`~geo.data.options.MAX_MISSING_SHARE`, 5%) is dropped.

2. Jumps. Unadjusted splits, spin-offs and special dividends, and isolated bad prices, show
   up as one-period falls far outside the stock's usual moves. A log return r (since the
   previous available price) is a jump when

       r <= -JUMP_MIN_LOG_RETURN   and   r <= -JUMP_ROBUST_Z * sigma,

   where sigma = 1.4826 * median |nonzero log return| over a centred window of
   JUMP_SCALE_WINDOW observations (a robust, local volatility: a 30-sigma fall is not a
   market move even for a volatile stock, and the local window keeps calm decades from making
   a crisis look impossible). Only falls qualify: corporate actions lower the price, while
   real rallies of that size (biotech approvals, takeovers) are not data errors. The move
   that undoes a flagged jump within one observation (opposite sign, the two summing to less
   than REVERSAL_TOLERANCE of the jump) is flagged too: a single bad price makes two
   returns. On the shared S&P 500 2013-2018 closes (every ticker kept) this flags DISCA/DISCK 2014-08-07,
   BAX 2015-07-01, NI 2015-07-02, EBAY 2015-07-20, LNT 2016-05-19/20, DHR 2016-07-05,
   YUM 2016-11-01, CAG 2016-11-10, HPE 2017-04-03, BHGE 2017-07-05, NWL 2017-09-14/15, all
   spin-offs, share-class dividends, special dividends or bad prints, and no earnings crash.
   It is not exhaustive: a spin-off worth less than ~20% of its parent passes unnoticed.
   A flagged jump's return (the return of the period that contains it, after resampling)
   is set to missing, so rule 3 removes it; the price level is never "repaired".

3. Remaining gaps. The periods in which any kept ticker lacks a return are dropped for all
   tickers (listwise deletion). Nothing is forward-filled or interpolated: a filled price
   invents a zero return, and pairwise estimates can give a covariance that is not positive
   semi-definite, which the optimisers cannot use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

JUMP_MIN_LOG_RETURN = 0.2
JUMP_ROBUST_Z = 30.0
JUMP_SCALE_WINDOW = 125
JUMP_SCALE_MIN_PERIODS = 20
REVERSAL_TOLERANCE = 0.5
# 1.4826 * median absolute deviation estimates the standard deviation of a normal sample.
_MAD_TO_SIGMA = 1.4826


@dataclass
class CleaningReport:
    """What cleaning changed; :meth:`as_dict` goes into ``Dataset.metadata["cleaning"]``."""

    max_missing: float
    sorted_dates: bool = False
    dropped_tickers: list[dict[str, Any]] = field(default_factory=list)
    jumps: list[dict[str, Any]] = field(default_factory=list)
    jump_detection: bool = True
    dropped_periods: int = 0
    periods_before: int = 0
    missing_returns_by_ticker: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rules": {
                "max_missing": self.max_missing,
                "jump_detection": self.jump_detection,
                "jump_min_log_return": JUMP_MIN_LOG_RETURN,
                "jump_robust_z": JUMP_ROBUST_Z,
                "jump_scale_window": JUMP_SCALE_WINDOW,
                "remaining_gaps": "periods where any kept ticker lacks a return are dropped",
            },
            "sorted_dates": self.sorted_dates,
            "dropped_tickers": list(self.dropped_tickers),
            "jumps": list(self.jumps),
            "dropped_periods": int(self.dropped_periods),
            "periods_before": int(self.periods_before),
            "missing_returns_by_ticker": dict(self.missing_returns_by_ticker),
        }


def drop_sparse_tickers(table: pd.DataFrame, max_missing: float) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Drop the tickers missing more than ``max_missing`` of their values."""
    share = table.isna().mean()
    sparse = share[share > max_missing]
    dropped = [{"ticker": str(t), "missing_share": round(float(s), 6)} for t, s in sparse.sort_values(ascending=False).items()]
    return table.drop(columns=sparse.index), dropped


def log_changes(prices: pd.DataFrame) -> pd.DataFrame:
    """Log price change since each ticker's previous available price (missing where no price)."""
    logs = np.log(prices)
    # The fill only bridges a gap to measure the move across it; no filled value is kept.
    return logs.ffill().diff().where(logs.notna())


def find_jumps(log_returns: pd.DataFrame) -> list[dict[str, Any]]:
    """The jumps in a table of log returns, by the rule in this module's docstring."""
    magnitude = log_returns.abs().where(log_returns != 0)
    sigma = magnitude.rolling(JUMP_SCALE_WINDOW, center=True, min_periods=JUMP_SCALE_MIN_PERIODS).median()
    sigma = sigma.fillna(magnitude.median()) * _MAD_TO_SIGMA
    falls = (log_returns <= -JUMP_MIN_LOG_RETURN) & (log_returns <= -JUMP_ROBUST_Z * sigma)
    jumps: list[dict[str, Any]] = []
    for column in falls.columns[falls.any().to_numpy()]:
        series = log_returns[column].dropna()
        positions = np.flatnonzero(falls[column].loc[series.index].to_numpy(dtype=bool))
        flagged: dict[int, str] = {}
        for pos in positions:
            flagged[pos] = "fall"
            for neighbour in (pos - 1, pos + 1):
                if 0 <= neighbour < len(series) and neighbour not in flagged and _reverses(series.iloc[pos], series.iloc[neighbour]):
                    flagged[neighbour] = "reversal"
        for pos in sorted(flagged):
            value = float(series.iloc[pos])
            jumps.append({
                "ticker": str(column),
                "date": series.index[pos].date().isoformat(),
                "return": round(float(np.expm1(value)), 6),
                "log_return": round(value, 6),
                "robust_z": round(value / float(sigma.at[series.index[pos], column]), 1),
                "kind": flagged[pos],
            })
    jumps.sort(key=lambda j: (j["date"], j["ticker"]))
    return jumps


def _reverses(jump: float, other: float) -> bool:
    return other * jump < 0 and abs(jump + other) <= REVERSAL_TOLERANCE * abs(jump)


def mask_jumps(returns: pd.DataFrame, jumps: list[dict[str, Any]]) -> pd.DataFrame:
    """Set to missing the return of the period that contains each jump."""
    masked = returns.copy()
    labels = returns.index
    for jump in jumps:
        if jump["ticker"] not in masked.columns:
            continue
        position = labels.searchsorted(pd.Timestamp(jump["date"]), side="left")
        if position < len(labels):
            masked.iat[position, masked.columns.get_loc(jump["ticker"])] = np.nan
    return masked


def drop_incomplete_periods(returns: pd.DataFrame, report: CleaningReport) -> pd.DataFrame:
    """Keep the periods where every ticker has a return; record what was lost and why."""
    missing = returns.isna()
    complete = ~missing.any(axis=1)
    report.periods_before = int(len(returns))
    report.dropped_periods = int((~complete).sum())
    counts = missing.sum()
    report.missing_returns_by_ticker = {str(t): int(n) for t, n in counts[counts > 0].sort_values(ascending=False).items()}
    return returns.loc[complete]
