"""Performance measures of a daily return series, from skfolio's measures.

With ``P`` periods a year and ``rf`` the annual risk-free rate (``rf / P`` a period):
- ``annual_return``: geometric, ``wealth_end ** (P / n) - 1``;
- ``annual_volatility``: the sample standard deviation (ddof 1) times ``sqrt(P)``;
- ``sharpe``: ``(mean - rf / P) / stdev * sqrt(P)``;
- ``sortino``: the same over the downside deviation below ``rf / P`` (ddof 1);
- ``max_drawdown``: the largest fall of wealth from a previous peak (the start counts as one),
  a positive fraction;
- ``calmar``: ``annual_return / max_drawdown`` over the whole backtest (not the usual 36 months);
- ``cvar_95``: the mean loss of the worst 5 % of days, a positive fraction of the day's value;
- ``worst_month``: the worst calendar month's compounded return (the first and last months may
  be partial);
- ``mean_turnover``: the mean one-way turnover per rebalance, leaving out the first purchase.

skfolio computes the moments, the downside deviation, the drawdowns and the CVaR; the ratios
are assembled here because skfolio's Calmar ratio divides the *daily* mean by the drawdown,
which is not the annual figure an analyst reads.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from skfolio import measures as sk

SERIES_MEASURES = ("annual_return", "annual_volatility", "sharpe", "sortino", "calmar", "max_drawdown", "cvar_95",
                   "worst_month")
CVAR_LEVEL = 0.95


def series_measures(daily: np.ndarray, periods_per_year: int, risk_free_rate: float = 0.0,
                    dates: Sequence | None = None) -> dict[str, float | None]:
    """The measures of SERIES_MEASURES for one daily series (None where undefined)."""
    r = np.asarray(daily, dtype=float)
    n = len(r)
    if n == 0:
        return dict.fromkeys(SERIES_MEASURES)
    rf = risk_free_rate / periods_per_year
    root = np.sqrt(periods_per_year)
    wealth = sk.get_cumulative_returns(r, compounded=True)
    annual_return = float(wealth[-1] ** (periods_per_year / n) - 1.0)
    stdev = float(sk.standard_deviation(r)) if n > 1 else np.nan
    downside = float(sk.semi_deviation(r, min_acceptable_return=rf)) if n > 1 else np.nan
    excess = float(sk.mean(r)) - rf
    drawdown = float(sk.max_drawdown(sk.get_drawdowns(r, compounded=True)))
    return {
        "annual_return": annual_return,
        "annual_volatility": _finite(stdev * root),
        "sharpe": _ratio(excess * root, stdev),
        "sortino": _ratio(excess * root, downside),
        "calmar": _ratio(annual_return, drawdown),
        "max_drawdown": drawdown,
        "cvar_95": float(sk.cvar(r, beta=CVAR_LEVEL)),
        "worst_month": worst_month(r, dates) if dates is not None else None,
    }


def performance(daily: np.ndarray, turnover: Sequence[float], periods_per_year: int, risk_free_rate: float = 0.0,
                dates: Sequence | None = None) -> dict[str, float | None]:
    """The series measures and the mean turnover per rebalance (the first purchase left out)."""
    later = list(turnover[1:])
    return {**series_measures(daily, periods_per_year, risk_free_rate, dates),
            "mean_turnover": float(np.mean(later)) if later else None}


def worst_month(daily: np.ndarray, dates: Sequence) -> float:
    returns = pd.Series(np.asarray(daily, dtype=float), index=pd.DatetimeIndex(pd.to_datetime(list(dates))))
    monthly = (1.0 + returns).groupby(returns.index.to_period("M")).prod() - 1.0
    return float(monthly.min())


def _ratio(numerator: float, denominator: float) -> float | None:
    if not np.isfinite(denominator) or denominator <= 0:
        return None
    return float(numerator / denominator)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
