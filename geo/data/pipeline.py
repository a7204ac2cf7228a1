"""Table of prices (or returns) -> window -> cleaning -> returns -> moments -> :class:`Dataset`.

Every price-based source (``sp500-sample``, ``csv:``, ``yahoo:``) goes through
:func:`dataset_from_table`, so they share one set of rules and one metadata layout.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from geo.data.cleaning import CleaningReport, drop_incomplete_periods, drop_sparse_tickers, find_jumps, log_changes, mask_jumps
from geo.data.dataset import Dataset
from geo.data.estimation import (
    DataWarning,
    check_resampling,
    compound_returns,
    estimate_moments,
    infer_frequency,
    price_returns,
    resample_prices,
)
from geo.data.options import EstimationOptions
from geo.core.errors import GeoError

logger = logging.getLogger(__name__)

# Fewer returns than this cannot give a covariance worth the name (ddof=1 needs 2 at least).
MIN_RETURNS = 3


def dataset_from_table(
    table: pd.DataFrame,
    *,
    kind: str,
    name: str,
    spec: str,
    source: str,
    options: EstimationOptions,
    sectors: dict[str, str] | None = None,
    sorted_dates: bool = False,
    extra_metadata: dict[str, Any] | None = None,
) -> Dataset:
    """Build a dataset from a wide table of prices (``kind="prices"``) or simple returns."""
    native = infer_frequency(table.index)
    frequency = check_resampling(native, options.frequency)
    window = select_window(table, options.start, options.end, name)
    report = CleaningReport(max_missing=options.max_missing, sorted_dates=sorted_dates, jump_detection=options.detect_jumps)
    kept, report.dropped_tickers = drop_sparse_tickers(window, options.max_missing)
    if kept.shape[1] < 2:
        raise GeoError(
            f"{name}: only {kept.shape[1]} ticker(s) miss at most {options.max_missing:.0%} of their values "
            f"between {_iso(window.index[0])} and {_iso(window.index[-1])}",
            "raise max_missing, or choose a window (start/end) where more tickers have data",
        )
    if kind == "prices":
        native_logs = log_changes(kept)
        returns = price_returns(resample_prices(kept, frequency), options.return_kind)
    else:
        native_logs = np.log1p(kept)
        returns = compound_returns(kept, frequency, options.return_kind)
    if options.detect_jumps:
        report.jumps = find_jumps(native_logs)
        returns = mask_jumps(returns, report.jumps)
    returns = drop_incomplete_periods(returns, report)
    if len(returns) < MIN_RETURNS:
        raise GeoError(
            f"{name}: only {len(returns)} complete {frequency} return(s) in the window "
            f"(at least {MIN_RETURNS} are needed; {report.dropped_periods} dropped for missing values)",
            "widen the window (start/end), use a finer frequency, or drop the tickers with gaps",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        mu, cov = estimate_moments(returns, options.estimator, options.ddof)
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    _log_summary(name, report, len(returns))
    metadata = {
        "source": source,
        "spec": spec,
        "kind": kind,
        "start": _iso(returns.index[0]),
        "end": _iso(returns.index[-1]),
        "frequency": frequency,
        "native_frequency": native,
        "return_kind": options.return_kind,
        "estimator": options.estimator,
        "ddof": options.ddof if options.estimator == "sample" else None,
        "n_observations": int(len(returns)),
        "n_assets": int(returns.shape[1]),
        "requested": options.as_metadata(),
        "cleaning": report.as_dict(),
        "warnings": [str(w.message) for w in caught],
        **(extra_metadata or {}),
    }
    tickers = tuple(str(t) for t in returns.columns)
    kept_sectors = None if sectors is None else {t: sectors[t] for t in tickers if t in sectors}
    return Dataset(
        name=name, tickers=tickers, mu=mu, cov=cov, returns=returns, sectors=kept_sectors, metadata=metadata
    )


def select_window(table: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None, name: str) -> pd.DataFrame:
    """Rows between ``start`` and ``end`` inclusive (``end`` covers its whole day)."""
    mask = np.ones(len(table), dtype=bool)
    if start is not None:
        mask &= table.index >= start
    if end is not None:
        mask &= table.index < end + pd.Timedelta(days=1)
    window = table.loc[mask]
    if window.empty:
        asked = f"{_iso(start) if start is not None else 'the beginning'} to {_iso(end) if end is not None else 'the end'}"
        raise GeoError(
            f"{name} has no data from {asked} (it covers {_iso(table.index[0])} to {_iso(table.index[-1])})",
            "choose start/end inside the covered dates",
        )
    return window


def _log_summary(name: str, report: CleaningReport, n_returns: int) -> None:
    if report.dropped_tickers:
        logger.info("%s: dropped %d sparse ticker(s): %s", name, len(report.dropped_tickers),
                    ", ".join(d["ticker"] for d in report.dropped_tickers[:10]))
    if report.jumps:
        logger.info("%s: %d jump(s) excluded: %s", name, len(report.jumps),
                    ", ".join(f"{j['ticker']} {j['date']}" for j in report.jumps[:10]))
    if report.dropped_periods:
        logger.info("%s: %d of %d period(s) dropped for missing returns; %d kept",
                    name, report.dropped_periods, report.periods_before, n_returns)


def _iso(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).date().isoformat()
