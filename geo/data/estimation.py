"""From prices to returns to moments (mean vector and covariance matrix).

Conventions, chosen so that every number can be traced:
- a period's price is the price on the period's last trading day *in the data's own
  calendar*; a ticker without a price on that day has a missing price for the period (an
  earlier price is not carried forward, which would invent a zero return);
- a return is labelled by the date of its closing price;
- moments are per period (daily, weekly, monthly), never annualised.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from geo.core.errors import GeoError

# Median spacing of the dates (in days) by which a table's own frequency is recognised.
_SPACING_DAYS = {"daily": (0, 4), "weekly": (4, 10), "monthly": (25, 35)}
_RANK = {"daily": 0, "weekly": 1, "monthly": 2}
_PERIOD_CODES = {"weekly": "W-SUN", "monthly": "M"}


class DataWarning(UserWarning):
    """The data allow an estimate, but a poor one (e.g. fewer observations than assets)."""


def infer_frequency(index: pd.DatetimeIndex) -> str:
    """``daily``, ``weekly``, ``monthly`` or ``irregular``, from the median gap between dates."""
    if len(index) < 2:
        return "irregular"
    gap = float(np.median(np.diff(index.values).astype("timedelta64[s]").astype(float))) / 86400.0
    for name, (low, high) in _SPACING_DAYS.items():
        if low < gap <= high:
            return name
    return "irregular"


def check_resampling(native: str, target: str | None) -> str:
    """The frequency the returns will have; refuse to invent finer data than the source has."""
    if target is None:
        return native
    if native in _RANK and _RANK[target] < _RANK[native]:
        raise GeoError(f"the data are {native}; they cannot give {target} returns", f"use frequency={native} or coarser")
    return target


def period_end_dates(index: pd.DatetimeIndex, frequency: str) -> pd.DatetimeIndex:
    """The last date present in the data of each calendar period."""
    if frequency not in _PERIOD_CODES:
        return index
    periods = index.to_period(_PERIOD_CODES[frequency])
    last = pd.Series(index, index=index).groupby(periods.asi8).max()
    return pd.DatetimeIndex(last.to_numpy(), name=index.name)


def resample_prices(prices: pd.DataFrame, frequency: str) -> pd.DataFrame:
    """Prices on the last trading day of each period (missing stays missing)."""
    return prices.loc[period_end_dates(prices.index, frequency)]


def price_returns(prices: pd.DataFrame, return_kind: str) -> pd.DataFrame:
    """Returns between consecutive rows; missing when either price is missing. First row dropped."""
    if return_kind == "log":
        returns = np.log(prices).diff()
    else:
        returns = prices / prices.shift(1) - 1.0
    return returns.iloc[1:]


def compound_returns(simple: pd.DataFrame, frequency: str, return_kind: str) -> pd.DataFrame:
    """Per-period returns from finer simple returns; a period with a missing return is missing."""
    logs = np.log1p(simple)
    if frequency in _PERIOD_CODES:
        keys = simple.index.to_period(_PERIOD_CODES[frequency]).asi8
        incomplete = simple.isna().groupby(keys).any()
        logs = logs.groupby(keys).sum().mask(incomplete)
        logs.index = period_end_dates(simple.index, frequency)
    return logs if return_kind == "log" else np.expm1(logs)


def estimate_moments(returns: pd.DataFrame, estimator: str = "sample", ddof: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of complete (no missing) returns.

    ``sample``: the sample covariance with ``ddof``. ``ledoit-wolf``: scikit-learn's
    :class:`~sklearn.covariance.LedoitWolf` (shrinkage of the ddof=0 covariance towards a
    scaled identity); ``ddof`` does not apply to it.
    """
    values = returns.to_numpy(dtype=float)
    n_obs, n_assets = values.shape
    if np.isnan(values).any():
        raise ValueError("estimate_moments needs complete returns; clean them first")
    if n_obs <= max(ddof, 1):
        raise GeoError(f"only {n_obs} return(s) to estimate from", "widen the window or use a finer frequency")
    mu = values.mean(axis=0)
    if estimator == "ledoit-wolf":
        from sklearn.covariance import LedoitWolf  # 1.5 s to import: only when asked for

        cov = LedoitWolf(assume_centered=False).fit(values).covariance_
    elif estimator == "sample":
        if n_obs < n_assets:
            warnings.warn(
                f"{n_obs} observations for {n_assets} assets: the sample covariance is singular "
                "and its small eigenvalues are noise; use shrinkage: --estimator ledoit-wolf "
                "(estimator='ledoit-wolf' in code)",
                DataWarning,
                stacklevel=2,
            )
        cov = np.atleast_2d(np.cov(values, rowvar=False, ddof=ddof))
    else:
        raise GeoError(f"estimator={estimator!r} is not supported", "use sample or ledoit-wolf")
    # Exact symmetry: downstream QPs and Cholesky factorisations check it bit for bit.
    cov = (cov + cov.T) / 2.0
    return mu, cov
