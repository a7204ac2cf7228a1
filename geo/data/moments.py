"""``moments:DIR``: a mean vector and a covariance matrix given directly.

``DIR/mean.csv`` has columns ``ticker,mean``; ``DIR/cov.csv`` is a square matrix with the
tickers as header row and as index column. The covariance is reordered to the order of
``mean.csv``. It must be symmetric and positive semi-definite (up to rounding), because every
optimiser downstream assumes so and would otherwise fail far from the cause; a matrix that is
not PSD is refused unless ``repair_covariance="nearest-psd"`` asks for the nearest PSD matrix
(see :mod:`geo.data.repair`; the repair is reported, never silent).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.data.dataset import Dataset
from geo.data.repair import checked_covariance, parse_repair
from geo.core.errors import GeoError

# Relative tolerance, against the largest variance: files written with ~10 significant
# digits pass, a transposed or hand-edited matrix does not.
SYMMETRY_TOLERANCE = 1e-8


def load_moments(folder: str | Path, spec: str, repair_covariance: str | None = None) -> Dataset:
    repair = parse_repair(repair_covariance)
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise GeoError(f"moments folder {folder} does not exist", "give a folder holding mean.csv and cov.csv")
    mean = _read_mean(folder / "mean.csv")
    cov = _read_cov(folder / "cov.csv")
    tickers = list(mean.index)
    if set(cov.index) != set(tickers):
        only_mean = sorted(set(tickers) - set(cov.index))[:5]
        only_cov = sorted(set(cov.index) - set(tickers))[:5]
        raise GeoError(
            f"{folder}: mean.csv and cov.csv list different tickers (only in mean: {only_mean or '-'}; only in cov: {only_cov or '-'})",
            "give both files the same tickers",
        )
    if len(tickers) < 2:
        raise GeoError(f"{folder} holds a single asset", "a portfolio needs at least two assets")
    matrix = cov.loc[tickers, tickers].to_numpy(dtype=float)
    scale = max(float(np.abs(np.diag(matrix)).max()), np.finfo(float).tiny)
    asymmetry = float(np.abs(matrix - matrix.T).max())
    if asymmetry > SYMMETRY_TOLERANCE * scale:
        raise GeoError(f"{folder}/cov.csv is not symmetric (largest difference {asymmetry:.3g})", "give a symmetric covariance matrix")
    matrix = (matrix + matrix.T) / 2.0
    matrix, repair_report, warning, round_off = checked_covariance(matrix, f"{folder}/cov.csv", repair)
    cleaning = {} if repair == "none" else {
        "covariance_repair": repair_report or "not needed (already positive semi-definite)"}
    if round_off:
        cleaning["covariance_round_off"] = round_off
    metadata = {
        "source": "moments",
        "spec": spec,
        "path": str(folder),
        "start": None,
        "end": None,
        "frequency": None,
        "return_kind": None,
        "estimator": "given",
        "n_observations": None,
        "n_assets": len(tickers),
        "cleaning": cleaning or None,
        "warnings": [warning] if warning else [],
    }
    return Dataset(name=folder.name, tickers=tuple(tickers), mu=mean.to_numpy(dtype=float), cov=matrix, metadata=metadata)


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    if not path.is_file():
        raise GeoError(f"{path} does not exist", "a moments: folder needs mean.csv and cov.csv")
    try:
        # round_trip: a matrix written by Python reads back bit for bit.
        frame = pd.read_csv(path, float_precision="round_trip", **kwargs)
    except pd.errors.EmptyDataError:
        raise GeoError(f"{path} is empty", "fill it (see the moments: format in the docs)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise GeoError(f"{path} cannot be read as a CSV file ({type(exc).__name__})", "give a comma-separated text file") from None
    if frame.empty:
        raise GeoError(f"{path} has no data rows", "add one row per ticker below the header")
    return frame


def _read_mean(path: Path) -> pd.Series:
    frame = _read_csv(path)
    columns = {str(c).strip().lower(): c for c in frame.columns}
    if "ticker" not in columns or "mean" not in columns:
        raise GeoError(f"{path} has columns {list(map(str, frame.columns))[:4]}", "give it the header ticker,mean")
    tickers = frame[columns["ticker"]].astype(str).str.strip()
    _no_duplicates(tickers, path)
    values = pd.to_numeric(frame[columns["mean"]], errors="coerce")
    _no_bad_numbers(values.to_numpy(), tickers.tolist(), path)
    return pd.Series(values.to_numpy(dtype=float), index=tickers.to_numpy())


def _read_cov(path: Path) -> pd.DataFrame:
    frame = _read_csv(path, index_col=0)
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0, 1:]
    frame.columns = [str(c).strip() for c in header]
    frame.index = [str(i).strip() for i in frame.index]
    if frame.shape[0] != frame.shape[1]:
        raise GeoError(f"{path} is {frame.shape[0]} x {frame.shape[1]}, not square", "give one row and one column per ticker")
    _no_duplicates(pd.Series(frame.columns), path)
    _no_duplicates(pd.Series(frame.index), path)
    if list(frame.index) != list(frame.columns):
        if set(frame.index) != set(frame.columns):
            raise GeoError(f"{path}: the row tickers differ from the column tickers", "use the same tickers for rows and columns")
        frame = frame.loc[:, list(frame.index)]
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    _no_bad_numbers(numbers.to_numpy(dtype=float), list(frame.index), path)
    return numbers.astype(float)


def _no_duplicates(labels: pd.Series, path: Path) -> None:
    repeated = sorted(set(labels[labels.duplicated()]))
    if repeated:
        raise GeoError(f"{path} has duplicate tickers: {', '.join(map(str, repeated[:5]))}", "keep one entry per ticker")


def _no_bad_numbers(values: np.ndarray, tickers: list[str], path: Path) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise GeoError(f"{path}: missing or non-numeric value for {tickers[row]}", "every entry must be a finite number")
