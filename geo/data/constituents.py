"""The S&P 500 constituent list for ``yahoo:sp500``: a user's file, or Wikipedia (cached).

Symbols are converted to Yahoo's spelling (share classes with '-': BRK.B -> BRK-B).
"""

from __future__ import annotations

import io
import logging
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from geo.core.atomic import atomic_write_text
from geo.core.errors import GeoError

logger = logging.getLogger(__name__)

WIKIPEDIA_SP500_URL = "https://en.wikipedia.org/wiki/List_of_S%26P_500_companies"
CONSTITUENTS_FILE = "sp500_constituents.csv"
# The index changes a few names a month: a month-old list is still a faithful universe.
CONSTITUENTS_MAX_AGE_DAYS = 30
_HTTP_TIMEOUT_SECONDS = 20
_SYMBOL_COLUMNS = ("symbol", "ticker")
_SECTOR_COLUMNS = ("gics sector", "sector")

HtmlFetcher = Callable[[str], str]


def sp500_constituents(
    *,
    cache_dir: Path,
    tickers_file: str | Path | None = None,
    fetch_html: HtmlFetcher | None = None,
    offline: bool = False,
    now: float | None = None,
) -> tuple[list[str], dict[str, str] | None, dict[str, Any]]:
    """Tickers, their sectors when known, and where the list came from."""
    if tickers_file is not None:
        tickers, sectors = read_tickers_file(tickers_file)
        return tickers, sectors, {"source": "tickers_file", "path": str(tickers_file)}
    cached = Path(cache_dir) / CONSTITUENTS_FILE
    age_days = ((now or time.time()) - cached.stat().st_mtime) / 86400.0 if cached.is_file() else None
    if age_days is not None and (offline or age_days <= CONSTITUENTS_MAX_AGE_DAYS):
        tickers, sectors = read_tickers_file(cached)
        return tickers, sectors, {"source": "cache", "path": str(cached), "age_days": round(age_days, 1)}
    problem = "offline=True" if offline else ""
    if not offline:
        try:
            table = parse_wikipedia((fetch_html or _fetch_html)(WIKIPEDIA_SP500_URL))
        except GeoError:
            raise
        except Exception as exc:  # any network or parsing failure: fall back below
            problem = f"{type(exc).__name__}: {exc}"
        else:
            tickers, sectors = _from_table(table)
            atomic_write_text(cached, table.to_csv(index=False))
            return tickers, sectors, {"source": "wikipedia", "url": WIKIPEDIA_SP500_URL}
    if age_days is not None:
        logger.warning("using the cached S&P 500 list (%.0f days old): %s", age_days, problem)
        tickers, sectors = read_tickers_file(cached)
        return tickers, sectors, {"source": "cache", "path": str(cached), "age_days": round(age_days, 1), "refresh_failed": problem}
    raise GeoError(
        f"cannot get the S&P 500 list from Wikipedia ({problem[:120]}) and no cached copy exists",
        "pass tickers_file=FILE (one ticker per line, or a CSV with a Symbol column), "
        "or use the offline data set sp500-sample or your own prices with csv:PATH",
    )


def read_tickers_file(path: str | Path) -> tuple[list[str], dict[str, str] | None]:
    """One ticker per line (``#`` comments allowed), or a CSV with a Symbol column."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise GeoError(f"tickers file {path} does not exist", "give a file with one ticker per line or a Symbol column")
    text = path.read_text(errors="replace")
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise GeoError(f"tickers file {path} is empty", "write one ticker per line")
    if "," in lines[0]:
        try:
            table = pd.read_csv(io.StringIO(text), dtype=str)
        except (pd.errors.ParserError, ValueError) as exc:
            raise GeoError(f"tickers file {path} is not a readable CSV ({type(exc).__name__})", "give a Symbol column") from None
        return _from_table(table, where=str(path))
    return _unique([to_yahoo_symbol(line) for line in lines], str(path)), None


def parse_wikipedia(html: str) -> pd.DataFrame:
    """The constituents table (Symbol, Sector) of Wikipedia's S&P 500 page."""
    for table in pd.read_html(io.StringIO(html)):
        columns = {str(c).strip().lower(): c for c in table.columns}
        if "symbol" in columns:
            sector = next((columns[c] for c in _SECTOR_COLUMNS if c in columns), None)
            out = pd.DataFrame({"Symbol": table[columns["symbol"]].astype(str)})
            if sector is not None:
                out["Sector"] = table[sector].astype(str)
            return out
    raise ValueError("no table with a Symbol column on the page")


def to_yahoo_symbol(symbol: str) -> str:
    return symbol.strip().upper().replace(".", "-")


def _from_table(table: pd.DataFrame, where: str = "the constituents table") -> tuple[list[str], dict[str, str] | None]:
    columns = {str(c).strip().lower(): c for c in table.columns}
    symbol = next((columns[c] for c in _SYMBOL_COLUMNS if c in columns), None)
    if symbol is None:
        raise GeoError(f"{where} has no Symbol column (columns: {list(table.columns)[:5]})", "name the ticker column Symbol")
    sector = next((columns[c] for c in _SECTOR_COLUMNS if c in columns), None)
    rows = table[table[symbol].notna()]
    tickers = _unique([to_yahoo_symbol(s) for s in rows[symbol].astype(str)], where)
    sectors = None
    if sector is not None:
        sectors = {to_yahoo_symbol(s): str(v) for s, v in zip(rows[symbol].astype(str), rows[sector]) if pd.notna(v)}
    return tickers, sectors


def _unique(tickers: list[str], where: str) -> list[str]:
    seen: set[str] = set()
    repeated = sorted({t for t in tickers if t in seen or seen.add(t)})
    if repeated:
        raise GeoError(f"{where} lists duplicate tickers: {', '.join(repeated[:5])}", "list each ticker once")
    return tickers


def _fetch_html(url: str) -> str:
    # Wikipedia refuses urllib's default User-Agent; identify ourselves instead.
    request = urllib.request.Request(url, headers={"User-Agent": "geo-portfolio/0.1 (research; python urllib)"})
    with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT_SECONDS) as response:
        return response.read().decode("utf-8", errors="replace")
