"""OR-Library data sets (Beasley): the ``port`` moment files and the ``indtrack`` price files.

Both are whitespace-separated numbers, possibly wrapped over any number of lines, so a file is
read as one stream of tokens and its format recognised from the token count:

- ``portN.txt``: N; N pairs ``mean stdev``; N(N+1)/2 triples ``i j corr`` (1-based,
  i <= j). Covariance = corr * sd_i * sd_j. The published UEF ``portefN.txt`` (``mean
  variance`` per line) is attached when it sits beside the port file.
- ``indtrackN.txt``: N T; then N+1 series of T+1 prices, the index first. Moments are those
  of the T weekly log returns of the N stocks (the index is left out), with the sample
  covariance (ddof=1): the convention under which Cesarone et al. computed the published
  CCEF RetRisk457 for indtrack6.

Assets are named ``asset1`` .. ``assetN`` after the 1-based indices of the published files.
No cleaning is applied: these are benchmark sets, reproduced exactly as distributed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.data.dataset import Dataset
from geo.core.errors import GeoError

_INDTRACK_DDOF = 1
# Correlations are printed to 6 decimals: a stored pair may differ from its mirror by that much.
_CORR_TOLERANCE = 1e-6


def load_orlib(path: str | Path, spec: str) -> Dataset:
    path = Path(path).expanduser()
    if not path.is_file():
        raise GeoError(f"OR-Library file {path} does not exist", "give the path of a portN.txt or indtrackN.txt file")
    tokens = path.read_text(errors="replace").split()
    if not tokens:
        raise GeoError(f"{path} is empty", "give an OR-Library portN.txt or indtrackN.txt file")
    try:
        numbers = np.array(tokens, dtype=float)
    except ValueError:
        bad = next(t for t in tokens if not _is_number(t))
        raise GeoError(f"{path} holds the non-numeric token {bad!r}", "give an unmodified OR-Library file") from None
    n = int(numbers[0]) if numbers[0] == int(numbers[0]) else -1
    if n >= 2 and numbers.size == 1 + 2 * n + 3 * n * (n + 1) // 2:
        return _port(path, numbers, n, spec)
    if n >= 2 and numbers.size >= 2 and numbers[1] == int(numbers[1]):
        t = int(numbers[1])
        if numbers.size == 2 + (n + 1) * (t + 1):
            return _indtrack(path, numbers, n, t, spec)
    raise GeoError(
        f"{path} is neither an OR-Library port file nor an indtrack file ({numbers.size} numbers, first {tokens[0]})",
        "give an unmodified portN.txt or indtrackN.txt",
    )


def asset_names(n: int) -> tuple[str, ...]:
    return tuple(f"asset{i}" for i in range(1, n + 1))


def _port(path: Path, numbers: np.ndarray, n: int, spec: str) -> Dataset:
    pairs = numbers[1 : 1 + 2 * n].reshape(n, 2)
    mean, sd = pairs[:, 0], pairs[:, 1]
    triples = numbers[1 + 2 * n :].reshape(-1, 3)
    i, j = triples[:, 0].astype(int) - 1, triples[:, 1].astype(int) - 1
    if i.min() < 0 or j.min() < 0 or i.max() >= n or j.max() >= n:
        raise GeoError(f"{path}: correlation indices outside 1..{n}", "give an unmodified OR-Library port file")
    corr = np.full((n, n), np.nan)
    corr[i, j] = triples[:, 2]
    mirror = np.isnan(corr.T)
    corr.T[mirror] = corr[mirror]
    if np.isnan(corr).any():
        raise GeoError(f"{path}: some asset pairs have no correlation", "give an unmodified OR-Library port file")
    if np.abs(corr - corr.T).max() > _CORR_TOLERANCE:
        raise GeoError(f"{path}: correlations are not symmetric", "give an unmodified OR-Library port file")
    corr = (corr + corr.T) / 2.0
    if (sd <= 0).any() or np.abs(np.diag(corr) - 1.0).max() > _CORR_TOLERANCE:
        raise GeoError(f"{path}: a standard deviation is not positive or a self-correlation is not 1", "give an unmodified OR-Library port file")
    cov = corr * np.outer(sd, sd)
    uef, uef_path = _published_uef(path)
    metadata = {
        "source": "orlib-port",
        "spec": spec,
        "path": str(path),
        "start": None,
        "end": None,
        "frequency": "weekly",
        "return_kind": "log",
        "estimator": "published",
        "ddof": 0,
        "n_observations": None,
        "n_assets": n,
        "published_uef": uef_path,
        "cleaning": None,
        "note": "moments as published (mean, population stdev, correlation of weekly log returns)",
    }
    return Dataset(name=path.stem, tickers=asset_names(n), mu=mean, cov=cov, published_uef=uef, metadata=metadata)


def _published_uef(port_path: Path) -> tuple[pd.DataFrame | None, str | None]:
    match = re.fullmatch(r"port(\d+)(\.txt)?", port_path.name)
    if not match:
        return None, None
    uef_path = port_path.with_name(f"portef{match.group(1)}{match.group(2) or ''}")
    if not uef_path.is_file():
        return None, None
    try:
        values = np.array(uef_path.read_text().split(), dtype=float).reshape(-1, 2)
    except ValueError:
        raise GeoError(f"{uef_path} is not pairs of numbers", "restore the original portef file or remove it") from None
    frame = pd.DataFrame(values, columns=["return", "variance"]).sort_values("return", kind="stable")
    return frame.reset_index(drop=True), str(uef_path)


def _indtrack(path: Path, numbers: np.ndarray, n: int, t: int, spec: str) -> Dataset:
    series = numbers[2:].reshape(n + 1, t + 1)
    stocks = series[1:].T
    if (stocks <= 0).any() or not np.isfinite(stocks).all():
        raise GeoError(f"{path}: some prices are not positive", "give an unmodified OR-Library indtrack file")
    log_returns = np.diff(np.log(stocks), axis=0)
    tickers = asset_names(n)
    returns = pd.DataFrame(log_returns, columns=list(tickers), index=pd.RangeIndex(1, t + 1, name="week"))
    cov = np.cov(log_returns, rowvar=False, ddof=_INDTRACK_DDOF)
    metadata = {
        "source": "orlib-indtrack",
        "spec": spec,
        "path": str(path),
        "start": None,
        "end": None,
        "frequency": "weekly",
        "return_kind": "log",
        "estimator": "sample",
        "ddof": _INDTRACK_DDOF,
        "n_observations": t,
        "n_assets": n,
        "cleaning": None,
        "note": "index series (the first) excluded; moments of weekly log returns",
    }
    return Dataset(name=path.stem, tickers=tickers, mu=log_returns.mean(axis=0), cov=(cov + cov.T) / 2.0, returns=returns, metadata=metadata)


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True
