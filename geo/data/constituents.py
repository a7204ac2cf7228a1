"""The S&P 500 constituent list for ``yahoo:sp500``: a user's file, or Wikipedia (cached).

Symbols are converted to Yahoo's spelling (share classes with '-': BRK.B -> BRK-B). The same
Wikipedia page holds the table of changes to the index; :func:`sp500_membership` rebuilds from it
when each ticker was a member (:mod:`geo.data.membership`), cached beside the list.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import replace
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from geo.core.atomic import atomic_write_text
from geo.core.errors import GeoError
from geo.data.membership import Membership, membership_from_changes, read_membership_file

logger = logging.getLogger(__name__)

WIKIPEDIA_SP500_URL = "https://en.wikipedia.org/wiki/List_of_S%26P_500_companies"
CONSTITUENTS_FILE = "sp500_constituents.csv"
MEMBERSHIP_FILE = "sp500_membership.csv"
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
            html = (fetch_html or _fetch_html)(WIKIPEDIA_SP500_URL)
            table = parse_wikipedia(html)
        except GeoError:
            raise
        except Exception as exc:  # any network or parsing failure: fall back below
            problem = f"{type(exc).__name__}: {exc}"
        else:
            tickers, sectors = _from_table(table)
            atomic_write_text(cached, table.to_csv(index=False))
            _cache_membership(html, Path(cache_dir))
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


def sp500_membership(*, cache_dir: Path, fetch_html: HtmlFetcher | None = None, offline: bool = False,
                     now: float | None = None) -> tuple[Membership, dict[str, Any]]:
    """When each ticker was in the S&P 500, from Wikipedia's list and table of changes (cached like the list)."""
    cached = Path(cache_dir) / MEMBERSHIP_FILE
    age_days = ((now or time.time()) - cached.stat().st_mtime) / 86400.0 if cached.is_file() else None
    if age_days is not None and (offline or age_days <= CONSTITUENTS_MAX_AGE_DAYS):
        return _cached_membership(cached), {"source": "cache", "path": str(cached), "age_days": round(age_days, 1)}
    problem = "offline=True" if offline else ""
    if not offline:
        try:
            membership = parse_wikipedia_membership((fetch_html or _fetch_html)(WIKIPEDIA_SP500_URL))
        except GeoError:
            raise
        except Exception as exc:  # any network or parsing failure: fall back below
            problem = f"{type(exc).__name__}: {exc}"
        else:
            membership.write_csv(cached)
            return _cached_membership(cached), {"source": "wikipedia", "url": WIKIPEDIA_SP500_URL}
    if age_days is not None:
        logger.warning("using the cached S&P 500 membership (%.0f days old): %s", age_days, problem)
        return _cached_membership(cached), {"source": "cache", "path": str(cached), "refresh_failed": problem}
    raise GeoError(f"cannot get the S&P 500 changes from Wikipedia ({problem[:120]}) and no cached copy exists",
                   "give --membership FILE (CSV ticker,start_date,end_date)")


def _cached_membership(path: Path) -> Membership:
    return replace(read_membership_file(path),
                   source=f"the S&P 500 list and its changes on Wikipedia, cached in {path}")


def _cache_membership(html: str, cache_dir: Path) -> None:
    """The page just fetched for the list also dates its changes: keep them, so no second download."""
    try:
        parse_wikipedia_membership(html).write_csv(cache_dir / MEMBERSHIP_FILE)
    except Exception as exc:  # the list stands on its own; sp500_membership says why when it is needed
        logger.info("no S&P 500 membership from the page: %s", exc)


def parse_wikipedia_membership(html: str) -> Membership:
    """The spells of every ticker from the page's constituents table and its table of changes."""
    tables = pd.read_html(io.StringIO(html))
    current, changes = None, None
    for table in tables:
        if isinstance(table.columns, pd.MultiIndex):
            top = [str(c[0]).strip().lower() for c in table.columns]
            if "added" in top and "removed" in top:
                changes = table
        elif "symbol" in {str(c).strip().lower() for c in table.columns} and current is None:
            current = table
    if current is None or changes is None:
        raise ValueError("no constituents table and table of changes on the page")
    columns = {str(c).strip().lower(): c for c in current.columns}
    added_column = columns.get("date added") or columns.get("date first added")
    added_on = (pd.to_datetime(current[added_column], errors="coerce", format="mixed") if added_column is not None
                else pd.Series(pd.NaT, index=current.index))
    members = {to_yahoo_symbol(str(s)): (d if pd.notna(d) else None)
               for s, d in zip(current[columns["symbol"]], added_on)}

    def column(first: str, second: str) -> pd.Series:
        match = [c for c in changes.columns if str(c[0]).strip().lower() == first and
                 str(c[1]).strip().lower() == second]
        return changes[match[0]]

    def symbols(values: pd.Series) -> list[str | None]:
        return [to_yahoo_symbol(str(v)) if pd.notna(v) and str(v).strip() else None for v in values]

    date_column = next(c for c in changes.columns if "date" in str(c[0]).lower())
    table = pd.DataFrame({"date": pd.to_datetime(changes[date_column], errors="coerce", format="mixed"),
                          "added": symbols(column("added", "ticker")), "removed": symbols(column("removed", "ticker"))})
    table = table[table["date"].notna()]
    return membership_from_changes(members, table, source=f"Wikipedia, {WIKIPEDIA_SP500_URL}")
