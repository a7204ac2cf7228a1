"""Is a Sharpe ratio, or a difference of two, more than noise? A block bootstrap of the daily returns.

The daily returns of the portfolio and of every benchmark are resampled together, day for day
(the same resampled days for every series, so a difference keeps its pairing), by the
stationary bootstrap of Politis & Romano (1994) in ``arch`` (:class:`arch.bootstrap.StationaryBootstrap`),
drawn from a :class:`numpy.random.Generator` seeded by the backtest's seed. Each replicate
gives each series' annualised Sharpe ratio (skfolio's mean and standard deviation, as in
:mod:`geo.orchestration.backtest.measures`); the interval is the percentile interval of the
replicates (5th to 95th percentile for 90 %).

Block length rule: the mean block length is the largest Politis & White (2004; Patton, Politis
& White 2009) optimal stationary-bootstrap length (``arch.bootstrap.optimal_block_length``)
over the daily returns and the squared daily returns of every series, rounded up, at least 1.
Squared returns are included because a Sharpe ratio depends on the variance as well as the mean,
and volatility clusters far longer than returns are autocorrelated (as in Ledoit & Wolf 2008,
who bootstrap the first and second moments jointly).
"""

from __future__ import annotations

import math

import numpy as np
from skfolio import measures as sk

REPLICATIONS = 2000
LEVEL = 0.90
# Fewer daily returns than this give no interval: the block-length rule needs some 40 lags of
# autocorrelation, and a Sharpe ratio of a few weeks says little anyway.
MIN_DAYS = 60
# Keeps the bootstrap's random stream apart from the per-date seeds drawn from the same seed.
STREAM = 0xB007


def block_length(returns: np.ndarray) -> int:
    """The mean block length of the rule above for the columns of ``returns`` (days x series)."""
    from arch.bootstrap import optimal_block_length

    values = np.asarray(returns, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # a flat series has no autocorrelation to speak of
        lengths = optimal_block_length(np.column_stack([values, values ** 2]))["stationary"].to_numpy()
    lengths = lengths[np.isfinite(lengths)]
    return max(1, math.ceil(float(lengths.max()))) if lengths.size else 1


def sharpe_intervals(series: dict[str, np.ndarray], periods_per_year: int, risk_free_rate: float = 0.0,
                     seed: int | None = 0, replications: int = REPLICATIONS, level: float = LEVEL,
                     reference: str = "portfolio") -> dict:
    """Intervals of each series' Sharpe ratio and of ``reference``'s difference from each other series."""
    from arch.bootstrap import StationaryBootstrap

    names = list(series)
    returns = np.column_stack([np.asarray(series[name], dtype=float) for name in names])
    if len(returns) < MIN_DAYS:
        return {"note": f"no bootstrap interval: {len(returns)} daily returns, fewer than {MIN_DAYS}"}
    sequence = np.random.SeedSequence([STREAM, seed] if seed is not None else None)
    block = block_length(returns)
    bootstrap = StationaryBootstrap(block, returns, seed=np.random.default_rng(sequence))
    rf = risk_free_rate / periods_per_year
    replicates = np.array([_sharpe(data[0][0], rf, periods_per_year)
                           for data in bootstrap.bootstrap(replications)])
    estimate = _sharpe(returns, rf, periods_per_year)
    first = names.index(reference)
    tails = (100 * (1 - level) / 2, 100 * (1 + level) / 2)

    def interval(point: float, samples: np.ndarray) -> dict:
        finite = samples[np.isfinite(samples)]
        low, high = np.percentile(finite, tails) if finite.size else (np.nan, np.nan)
        return {"estimate": _number(point), "low": _number(low), "high": _number(high)}

    return {
        "method": "stationary block bootstrap of the daily returns (arch), all series resampled on the same days; "
                  "percentile interval",
        "block_length": block,
        "block_rule": "largest Politis-White stationary-bootstrap length of the daily and squared daily returns "
                      "of every series, rounded up",
        "replications": replications,
        "level": level,
        "seed": seed if seed is not None else str(sequence.entropy),
        "sharpe": {name: interval(estimate[j], replicates[:, j]) for j, name in enumerate(names)},
        "sharpe_difference": {name: interval(estimate[first] - estimate[j], replicates[:, first] - replicates[:, j])
                              for j, name in enumerate(names) if j != first},
    }


def _sharpe(returns: np.ndarray, rf: float, periods_per_year: int) -> np.ndarray:
    """Annualised Sharpe ratio of every column (NaN for a column without variation)."""
    stdev = np.asarray(sk.standard_deviation(returns), dtype=float)
    excess = np.asarray(sk.mean(returns), dtype=float) - rf
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(stdev > 0, excess / stdev * np.sqrt(periods_per_year), np.nan)


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
