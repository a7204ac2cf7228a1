"""On-disk cache of estimated data sets: a ``csv:`` file loaded again with the same options is
read back, not re-read, re-cleaned and re-estimated (``geo report`` reloads the data set that
``geo frontier`` loaded a moment before).

An entry is keyed by everything that determines the numbers: the price file's identity (resolved
path, size, modification and change times), the sectors file's, the spec string, every
estimation and cleaning option, the covariance repair, the versions of numpy, pandas (and
scikit-learn for Ledoit-Wolf), and a hash of the data layer's own source, so a changed file, a
changed option or a changed rule misses. A hit returns the data set bit for bit as the cold load
gave it (tickers, mu, cov, returns, sectors, metadata) and re-emits the data warnings its
metadata records.

Safety: an unreadable or foreign entry is ignored (a warning in the log) and rewritten; a
failed write only loses the entry. Entries are written atomically
(:func:`geo.core.atomic.atomic_write_bytes`), at most :data:`MAX_ENTRIES` are kept (the least
recently used go first). ``GEO_MOMENTS_CACHE=off`` turns the cache off; the folder is
:func:`geo.data.cache.default_moments_dir`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from geo.core.atomic import atomic_write_bytes
from geo.data.cache import default_moments_dir
from geo.data.dataset import Dataset
from geo.data.estimation import DataWarning
from geo.data.options import EstimationOptions

# "off" (or 0, false, no) turns the cache off, "on" (or unset) keeps the default folder; a path moves it.
MOMENTS_CACHE_VARIABLE = "GEO_MOMENTS_CACHE"
OFF_VALUES = ("off", "0", "false", "no")
ON_VALUES = ("", "on", "1", "true", "yes")
# Entries kept; an S&P 500 daily set of four years takes about 5 MB.
MAX_ENTRIES = 32
_FORMAT_VERSION = 1
_SUFFIX = ".npz"

logger = logging.getLogger(__name__)


def moments_cache_dir() -> Path | None:
    """The cache folder, or None when ``GEO_MOMENTS_CACHE`` turns the cache off."""
    value = os.environ.get(MOMENTS_CACHE_VARIABLE, "").strip()
    if value.lower() in OFF_VALUES:
        return None
    return default_moments_dir() if value.lower() in ON_VALUES else Path(value).expanduser()


def file_identity(path: str | Path) -> dict[str, Any]:
    """What tells a file's content changed without reading it: the resolved path, the size, and
    the modification and change times in nanoseconds (the change time moves whenever the content
    is replaced, even by a copy that keeps the old modification time)."""
    resolved = Path(path).expanduser().resolve()
    stat = resolved.stat()
    return {"path": str(resolved), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns}


def csv_key(spec: str, path: str | Path, sectors_file: str | Path | None, kind: str, sep: str,
            estimation: EstimationOptions, repair: str) -> dict[str, Any] | None:
    """The key of a ``csv:`` load, or None when a file cannot be looked at (the load then says why)."""
    try:
        files = {"prices": file_identity(path),
                 "sectors": None if sectors_file is None else file_identity(sectors_file)}
    except OSError:
        return None
    key = {"spec": spec, "files": files, "kind": kind, "sep": sep, "estimation": estimation.as_metadata(),
           "repair": repair}
    if estimation.estimator == "ledoit-wolf":
        from importlib.metadata import version

        key["scikit-learn"] = version("scikit-learn")
    return key


def cached_dataset(key: dict[str, Any] | None, load: Callable[[], Dataset]) -> Dataset:
    """The data set of ``key`` from the cache, else ``load()`` (written to the cache)."""
    folder = moments_cache_dir()
    if folder is None or key is None:
        return load()
    full_key = json.dumps({**key, "format": _FORMAT_VERSION, "code": _code_fingerprint(),
                           "numpy": np.__version__, "pandas": pd.__version__}, sort_keys=True)
    path = folder / f"{hashlib.sha256(full_key.encode()).hexdigest()[:32]}{_SUFFIX}"
    dataset = _read(path, full_key)
    if dataset is not None:
        for message in dataset.metadata.get("warnings") or []:  # the load's DataWarnings, recorded there
            warnings.warn(message, DataWarning, stacklevel=3)
        logger.info("%s: moments read from the cache %s", dataset.name, path)
        return dataset
    dataset = load()
    _write(path, full_key, dataset)
    return dataset


def _read(path: Path, full_key: str) -> Dataset | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            header = json.loads(str(entry["header"]))
            if header["key"] != full_key:
                raise ValueError("the entry is of another key")
            tickers = tuple(str(t) for t in entry["tickers"])
            returns = None
            if "returns" in entry:
                returns = pd.DataFrame(entry["returns"], columns=list(tickers),
                                       index=pd.DatetimeIndex(entry["dates"], name=header["dates_name"]))
                returns.columns.name = header["columns_name"]
            dataset = Dataset(name=header["name"], tickers=tickers, mu=entry["mu"], cov=entry["cov"],
                              returns=returns, sectors=header["sectors"], metadata=header["metadata"])
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        # A damaged entry is only a lost estimate: ignore it, the load rewrites it.
        logger.warning("ignoring unreadable moments cache entry %s (%s)", path, exc)
        return None
    with contextlib.suppress(OSError):  # recently used: pruned last (a read-only cache still serves)
        os.utime(path)
    return dataset


def _write(path: Path, full_key: str, dataset: Dataset) -> None:
    header = {"key": full_key, "name": dataset.name, "sectors": dataset.sectors, "metadata": dataset.metadata,
              "dates_name": None, "columns_name": None}
    arrays = {"tickers": np.array(dataset.tickers, dtype=str), "mu": dataset.mu, "cov": dataset.cov}
    if dataset.returns is not None:
        header["dates_name"], header["columns_name"] = dataset.returns.index.name, dataset.returns.columns.name
        arrays["returns"] = dataset.returns.to_numpy(dtype=float)
        arrays["dates"] = dataset.returns.index.to_numpy()  # its own unit (pandas 2 reads dates in us)
    try:
        buffer = io.BytesIO()
        np.savez(buffer, header=np.array(json.dumps(header)), **arrays)
        atomic_write_bytes(path, buffer.getvalue())
        _prune(path.parent)
    except (OSError, TypeError, ValueError) as exc:
        logger.warning("could not write the moments cache entry %s (%s)", path, exc)


def _prune(folder: Path) -> None:
    """Keep the :data:`MAX_ENTRIES` most recently used entries (another process may prune too)."""
    used = []
    for entry in folder.glob(f"*{_SUFFIX}"):
        with contextlib.suppress(OSError):
            used.append((entry.stat().st_mtime_ns, entry))
    for _, stale in sorted(used, reverse=True)[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):
            stale.unlink()


_FINGERPRINT: list[str] = []


def _code_fingerprint() -> str:
    """A hash of the data layer's source: a changed cleaning or estimation rule misses."""
    if not _FINGERPRINT:
        digest = hashlib.sha256()
        for source in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
        _FINGERPRINT.append(digest.hexdigest()[:16])
    return _FINGERPRINT[0]
