"""``yahoo:T1,T2,...`` and ``yahoo:sp500``: live daily closes through yfinance, cached on disk.

- Prices are split- and dividend-adjusted closes (``auto_adjust=True``, always passed
  explicitly: yfinance has changed this default before).
- Tickers are downloaded in batches of ``batch_size``; a rate limit
  (``yfinance.exceptions.YFRateLimitError``) is retried with exponential backoff
  (``backoff_seconds`` * 2**attempt, at most ``max_retries`` times).
- The cache (:mod:`geo.data.cache`) is reused for overlapping ranges: only the part of a
  request outside the ticker's covered range is downloaded, together with OVERLAP_DAYS of
  the covered range. Adjusted prices are rescaled by Yahoo whenever a new split or dividend
  happens, so the overlap is compared and the cached prices are rescaled to the new basis
  (reported under ``download.rescaled``); without it the seam would look like a jump.
  For the same reason a request disjoint from the cache also downloads the gap between them:
  a ticker's cached range is always one contiguous, consistently adjusted stretch.
- Offline or still rate-limited: the cache is used if it covers the request (a missing tail
  of at most STALE_TAIL_DAYS is tolerated and reported); otherwise a GeoError points to the
  offline sources ``sp500-sample`` and ``csv:``.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
import pandas as pd

from geo.data.cache import CachedPrices, PriceCache, default_cache_dir
from geo.data.constituents import sp500_constituents, to_yahoo_symbol
from geo.data.dataset import Dataset
from geo.data.options import EstimationOptions, parse_bool, reject_unknown
from geo.data.pipeline import dataset_from_table
from geo.core.errors import GeoError

logger = logging.getLogger(__name__)

YAHOO_BATCH_SIZE = 50
MAX_RETRIES = 4
BACKOFF_SECONDS = 2.0
OVERLAP_DAYS = 10
STALE_TAIL_DAYS = 7
DEFAULT_YEARS = 5
# Two adjusted closes of the same day agree to this relative precision unless Yahoo re-adjusted.
RESCALE_TOLERANCE = 1e-6
YAHOO_OPTIONS = (
    "cache_dir", "downloader", "batch_size", "max_retries", "backoff_seconds", "sleep",
    "offline", "today", "tickers_file", "fetch_html", "progress",
)


class Downloader(Protocol):
    """What :func:`yfinance.download` offers and geo uses; tests inject a fake."""

    def __call__(self, tickers: list[str], *, start: str, end: str, auto_adjust: bool, progress: bool) -> pd.DataFrame: ...


class DownloadFailed(Exception):
    """A batch could not be downloaded (rate limit after retries, network down...)."""


def load_yahoo(body: str, spec: str, estimation: EstimationOptions, options: dict[str, Any]) -> Dataset:
    cache_dir = Path(options.pop("cache_dir", None) or default_cache_dir()).expanduser()
    settings = {name: options.pop(name) for name in ("downloader", "sleep", "progress") if name in options}
    # Options may arrive as strings from a command line.
    for name, convert in (("batch_size", int), ("max_retries", int), ("backoff_seconds", float)):
        if name in options:
            try:
                settings[name] = convert(options.pop(name))
            except (TypeError, ValueError):
                raise GeoError(f"yahoo: option {name} has an invalid value", f"give {name} as a number") from None
    if "offline" in options:
        settings["offline"] = parse_bool(options.pop("offline"), "offline")
    today = pd.Timestamp(options.pop("today", None) or pd.Timestamp.now()).normalize()
    tickers_file, fetch_html = options.pop("tickers_file", None), options.pop("fetch_html", None)
    reject_unknown(options, "yahoo:", YAHOO_OPTIONS + tuple(EstimationOptions.__dataclass_fields__))
    whole_index = body.strip().lower() == "sp500"
    sectors, constituents = None, None
    if whole_index:
        tickers, sectors, constituents = sp500_constituents(
            cache_dir=cache_dir, tickers_file=tickers_file, fetch_html=fetch_html, offline=bool(settings.get("offline", False))
        )
    else:
        tickers = parse_ticker_list(body)
    end = estimation.end if estimation.end is not None else today - pd.Timedelta(days=1)
    start = estimation.start if estimation.start is not None else end - pd.DateOffset(years=DEFAULT_YEARS)
    prices, report = fetch_prices(tickers, start, end + pd.Timedelta(days=1), cache_dir=cache_dir, today=today, **settings)
    if report["no_data"] and not whole_index and len(report["no_data"]) == len(tickers):
        raise GeoError(
            f"Yahoo returned no prices for any of {', '.join(tickers[:10])} between {start.date()} and {end.date()}",
            "choose a window (--start/--end) with trading days in which these stocks were listed, "
            "and check the symbols (Yahoo writes share classes with '-', e.g. BRK-B)",
        )
    if report["no_data"] and not whole_index:
        raise GeoError(
            f"Yahoo returned no prices for {', '.join(report['no_data'][:10])} between {start.date()} and {end.date()}",
            "check the symbols (Yahoo writes share classes with '-', e.g. BRK-B) or remove them",
        )
    if prices.shape[1] < 2:
        raise GeoError(f"yahoo: only {prices.shape[1]} ticker(s) have prices between {start.date()} and {end.date()}", "give at least two tickers with data in the window")
    extra = {"download": report, "cache_dir": str(cache_dir), "constituents": constituents}
    name = "yahoo:sp500" if whole_index else f"yahoo:{','.join(tickers)}"
    return dataset_from_table(
        prices, kind="prices", name=name, spec=spec, source="yahoo",
        options=replace(estimation, start=start, end=end), sectors=sectors, extra_metadata=extra,
    )


def parse_ticker_list(body: str) -> list[str]:
    tickers = [to_yahoo_symbol(t) for t in body.split(",") if t.strip()]
    if not tickers:
        raise GeoError("yahoo: needs tickers", "write yahoo:AAPL,MSFT,... or yahoo:sp500")
    repeated = sorted({t for t in tickers if tickers.count(t) > 1})
    if repeated:
        raise GeoError(f"yahoo: lists duplicate tickers {', '.join(repeated)}", "list each ticker once")
    return tickers


def fetch_prices(
    tickers: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    cache_dir: str | Path,
    downloader: Downloader | None = None,
    batch_size: int = YAHOO_BATCH_SIZE,
    max_retries: int = MAX_RETRIES,
    backoff_seconds: float = BACKOFF_SECONDS,
    sleep: Callable[[float], None] | None = None,
    offline: bool = False,
    today: pd.Timestamp | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Adjusted closes of ``tickers`` from ``start`` (inclusive) to ``end`` (exclusive).

    Each batch is written to the cache as soon as it arrives, so an interrupted download
    (Ctrl-C, a kill, a lost connection) keeps what it fetched: running it again downloads
    only the rest. ``progress(done, total)`` counts batches. ``sleep`` waits between rate-limit
    retries: ``time.sleep`` by default, looked up at call time so that tests can replace it.
    """
    sleep = sleep or _sleep
    today = pd.Timestamp(today or pd.Timestamp.now()).normalize()
    # Nothing after today exists and today's bar is not final: never count it as covered.
    stop = min(pd.Timestamp(end), today)
    start = pd.Timestamp(start)
    if start >= stop:
        raise GeoError(f"no complete trading day between {start.date()} and {stop.date()}", "choose a start date before yesterday")
    cache = PriceCache(cache_dir)
    entries = {t: cache.read(t) for t in tickers}
    plan: dict[tuple[pd.Timestamp, pd.Timestamp], list[str]] = defaultdict(list)
    for ticker in tickers:
        for part in missing_parts(entries[ticker], start, stop):
            plan[part].append(ticker)
    report: dict[str, Any] = {
        "cache_hits": [t for t in tickers if not any(t in group for group in plan.values())],
        "downloads": [], "retries": 0, "failed": {}, "rescaled": {}, "stale_days": {}, "no_data": [],
        "non_positive_removed": 0,
    }
    size = max(1, int(batch_size))
    batches = [(part, group[first : first + size]) for part, group in plan.items() for first in range(0, len(group), size)]
    for done, ((part_start, part_end), batch) in enumerate(batches, start=1):
        if offline:
            report["failed"].update({t: "offline=True" for t in batch})
            continue
        try:
            frame = _download(downloader, batch, part_start, part_end, max_retries, backoff_seconds, sleep, report)
        except DownloadFailed as exc:
            report["failed"].update({t: str(exc) for t in batch})
            continue
        report["downloads"].append({"tickers": len(batch), "start": _iso(part_start), "end": _iso(part_end)})
        closes = close_table(frame, batch)
        for ticker in batch:
            series = closes[ticker].dropna() if ticker in closes.columns else pd.Series(dtype=float)
            bad = series <= 0
            report["non_positive_removed"] += int(bad.sum())
            # Each missing part borders the cached stretch, so merging part by part keeps the
            # cache one contiguous range.
            merged = merge_download(ticker, entries[ticker], [(part_start, part_end, series[~bad])], report)
            if merged is not None:
                cache.write(merged)
                entries[ticker] = merged
        if progress:
            progress(done, len(batches))
    _use_cache_or_fail(report, entries, start, stop, cache.folder)
    columns = {}
    for ticker in tickers:
        entry = entries[ticker]
        closes = None if entry is None else entry.closes[(entry.closes.index >= start) & (entry.closes.index < stop)]
        if closes is None or closes.empty:
            report["no_data"].append(ticker)
        else:
            columns[ticker] = closes
    prices = pd.DataFrame(columns).sort_index()
    prices.index.name = "date"
    return prices, report


def missing_parts(entry: CachedPrices | None, start: pd.Timestamp, stop: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Ranges to download so that the cache covers [start, stop) in one contiguous stretch."""
    if entry is None:
        return [(start, stop)]
    overlap = pd.Timedelta(days=OVERLAP_DAYS)
    parts = []
    if start < entry.covered_start:
        parts.append((start, min(entry.covered_start + overlap, entry.covered_end)))
    if stop > entry.covered_end:
        parts.append((max(entry.covered_end - overlap, entry.covered_start), stop))
    return parts


def merge_download(ticker: str, entry: CachedPrices | None, parts: list, report: dict[str, Any]) -> CachedPrices | None:
    """The cache entry extended by the downloaded parts, rescaled to the newest adjustment."""
    fresh = pd.concat([series for _, _, series in parts]).sort_index()
    fresh = fresh[~fresh.index.duplicated(keep="last")]
    starts, ends = [s for s, _, _ in parts], [e for _, e, _ in parts]
    if entry is None:
        if fresh.empty:
            return None  # unknown ticker, or no data in range: nothing worth caching
        return CachedPrices(ticker, fresh, min(starts), max(ends))
    old = entry.closes
    common = old.index.intersection(fresh.index)
    if len(common):
        ratio = float(np.median(fresh.loc[common].to_numpy() / old.loc[common].to_numpy()))
        if abs(ratio - 1.0) > RESCALE_TOLERANCE:
            old = old * ratio
            report["rescaled"][ticker] = round(ratio, 8)
    closes = pd.concat([old[~old.index.isin(fresh.index)], fresh]).sort_index()
    return CachedPrices(ticker, closes, min([entry.covered_start, *starts]), max([entry.covered_end, *ends]))


def close_table(frame: pd.DataFrame | None, batch: list[str]) -> pd.DataFrame:
    """The ``Close`` columns of a :func:`yfinance.download` result, one column per ticker."""
    if frame is None or frame.empty:
        return pd.DataFrame()
    if isinstance(frame.columns, pd.MultiIndex):
        level = next((i for i in range(frame.columns.nlevels) if "Close" in frame.columns.get_level_values(i)), None)
        if level is None:
            return pd.DataFrame()
        closes = frame.xs("Close", axis=1, level=level)
    elif "Close" in frame.columns and len(batch) == 1:
        closes = frame[["Close"]].set_axis(batch, axis=1)
    else:
        return pd.DataFrame()
    closes = closes.apply(pd.to_numeric, errors="coerce")
    closes.columns = [str(c).upper() for c in closes.columns]
    index = pd.DatetimeIndex(closes.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    closes.index = index.normalize()
    return closes[~closes.index.duplicated(keep="last")]


def _download(downloader, batch, start, end, max_retries, backoff_seconds, sleep, report) -> pd.DataFrame:
    from yfinance.exceptions import YFRateLimitError

    call = downloader or yfinance_download
    for attempt in range(int(max_retries) + 1):
        try:
            return call(list(batch), start=_iso(start), end=_iso(end), auto_adjust=True, progress=False)
        except YFRateLimitError:
            if attempt == max_retries:
                raise DownloadFailed(f"rate-limited by Yahoo after {max_retries} retries") from None
            delay = float(backoff_seconds) * 2**attempt
            logger.warning("Yahoo rate limit; retrying in %.0f s", delay)
            report["retries"] += 1
            sleep(delay)
        except Exception as exc:  # no network, DNS, HTTP errors: not worth retrying blindly
            raise DownloadFailed(f"download failed ({type(exc).__name__}: {str(exc)[:100]})") from None
    raise AssertionError("unreachable")


def _use_cache_or_fail(report, entries, start, stop, folder) -> None:
    """After failed downloads, accept a cache that covers the request but for a short tail."""
    uncovered = []
    for ticker in report["failed"]:
        entry = entries[ticker]
        if entry is not None and entry.covered_start <= start and entry.covered_end >= stop - pd.Timedelta(days=STALE_TAIL_DAYS):
            report["stale_days"][ticker] = max(0, (stop - entry.covered_end).days)
        else:
            uncovered.append(ticker)
    if uncovered:
        reason = report["failed"][uncovered[0]]
        raise GeoError(
            f"could not download {len(uncovered)} ticker(s) ({', '.join(uncovered[:5])}) from Yahoo: {reason}; "
            f"the cache in {folder} does not cover {start.date()} to {stop.date()}",
            "retry later, or work offline with the bundled data set sp500-sample or your own prices via csv:PATH",
        )


def yfinance_download(tickers: list[str], *, start: str, end: str, auto_adjust: bool = True, progress: bool = False, **kwargs) -> pd.DataFrame:
    """:func:`yfinance.download`, raising on rate limits and network failures.

    yfinance logs per-ticker failures instead of raising them; they are caught from its logger
    here so that the caller can retry (rate limit) or fall back to the cache (offline).
    """
    import yfinance
    from yfinance.exceptions import YFRateLimitError

    handler = _Collect()
    yf_logger = logging.getLogger("yfinance")
    yf_logger.addHandler(handler)
    try:
        frame = yfinance.download(tickers, start=start, end=end, auto_adjust=auto_adjust, progress=progress, **kwargs)
    finally:
        yf_logger.removeHandler(handler)
    text = " ".join(handler.messages)
    if "RateLimit" in text or "Too Many Requests" in text:
        raise YFRateLimitError()
    nothing = frame is None or frame.empty or frame.isna().all().all()
    if nothing and any(word in text for word in ("Failed to perform", "Could not resolve", "Connection", "timed out", "Timeout")):
        raise ConnectionError(text[:200])
    return frame


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _iso(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).date().isoformat()
