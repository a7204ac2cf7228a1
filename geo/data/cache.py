"""On-disk cache of downloaded daily closes: one Parquet file per ticker.

Each file holds the ticker's closes and, in the Parquet schema metadata, the date range the
cache has *answered* (``covered``: start inclusive, end exclusive). Coverage is not the range
of the data: a request for 2010-2020 of a stock listed in 2015 covers 2010-2020 although
prices start in 2015, and asking again must not download 2010-2015 again.
Files are written through :func:`geo.core.atomic.atomic_write_bytes`, so a crash never leaves a
half-written file that a later run would trust.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.parquet as pq

from geo.core.atomic import atomic_write_bytes

# Overrides the per-user cache folder (the CLI's --cache-dir overrides both).
CACHE_DIR_VARIABLE = "GEO_CACHE_DIR"

logger = logging.getLogger(__name__)

_COVERED_KEY = b"geo.covered"
_FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    """Where downloaded prices are cached unless a cache_dir is given: ``$GEO_CACHE_DIR``, else the
    user's cache folder (platformdirs: ``~/.cache/geo/prices`` on Linux, ``~/Library/Caches/geo/prices``
    on macOS, ``%LOCALAPPDATA%\\geo\\Cache\\prices`` on Windows), never the current directory."""
    override = os.environ.get(CACHE_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_cache_path("geo", appauthor=False) / "prices"


def default_moments_dir() -> Path:
    """Where estimated moments are cached (:mod:`geo.data.moments_cache`): beside the prices,
    ``~/.cache/geo/moments`` on Linux (the same user cache folder as above), or
    ``$GEO_CACHE_DIR/moments`` when ``$GEO_CACHE_DIR`` moves the cache."""
    override = os.environ.get(CACHE_DIR_VARIABLE)
    if override:
        return Path(override).expanduser() / "moments"
    return platformdirs.user_cache_path("geo", appauthor=False) / "moments"


@dataclass(frozen=True)
class CachedPrices:
    ticker: str
    closes: pd.Series
    covered_start: pd.Timestamp
    covered_end: pd.Timestamp

    def covers(self, start: pd.Timestamp, end: pd.Timestamp) -> bool:
        return self.covered_start <= start and end <= self.covered_end


class PriceCache:
    """Read and write :class:`CachedPrices` under ``folder``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()

    def path(self, ticker: str) -> Path:
        # Tickers can hold '^', '=', '/' (indices, currencies): quote everything unusual.
        return self.folder / f"{quote(ticker, safe='-_.^=')}.parquet"

    def read(self, ticker: str) -> CachedPrices | None:
        path = self.path(ticker)
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path)
            info = json.loads(table.schema.metadata[_COVERED_KEY])
            frame = table.to_pandas()
            closes = frame["close"].astype(float)
            closes.index = pd.DatetimeIndex(frame.index, name="date")
            return CachedPrices(ticker, closes, pd.Timestamp(info["start"]), pd.Timestamp(info["end"]))
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
            # A damaged cache file is only a lost download: ignore it, it will be rewritten.
            logger.warning("ignoring unreadable cache file %s (%s)", path, exc)
            return None

    def write(self, entry: CachedPrices) -> None:
        frame = pd.DataFrame({"close": entry.closes.astype(float).to_numpy()}, index=pd.DatetimeIndex(entry.closes.index, name="date"))
        table = pa.Table.from_pandas(frame, preserve_index=True)
        info = {
            "version": _FORMAT_VERSION,
            "ticker": entry.ticker,
            "start": entry.covered_start.date().isoformat(),
            "end": entry.covered_end.date().isoformat(),
            "adjusted": True,
        }
        metadata = dict(table.schema.metadata or {})
        metadata[_COVERED_KEY] = json.dumps(info).encode()
        sink = pa.BufferOutputStream()
        pq.write_table(table.replace_schema_metadata(metadata), sink)
        atomic_write_bytes(self.path(entry.ticker), sink.getvalue().to_pybytes())

    def entries(self) -> list[CachedPrices]:
        """Every readable cached ticker, by name (unreadable files are skipped with a warning)."""
        if not self.folder.is_dir():
            return []
        from urllib.parse import unquote

        found = (self.read(unquote(path.stem)) for path in sorted(self.folder.glob("*.parquet")))
        return [entry for entry in found if entry is not None]
