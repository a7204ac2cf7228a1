"""Wide tables of prices or returns: a date column, then one column per ticker.

Every structural problem of a user's file (missing, empty, wrong delimiter, bad dates,
non-numeric cells, duplicates, impossible values) becomes a one-line :class:`GeoError` here,
before any number is computed, so a user never has to read a pandas traceback.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from geo.core.errors import GeoError

TABLE_KINDS = ("prices", "returns")
_OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
# How a delimiter is named on the command line (a tab is hard to type there).
SEP_NAMES = {"tab": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
# A file of returns whose typical magnitude exceeds 1 is almost surely in percent.
_PERCENT_MEDIAN_ABS = 1.0


def read_wide_table(path: str | Path, kind: str = "prices", sep: str = ",") -> tuple[pd.DataFrame, dict]:
    """The table as floats indexed by date, and what was done to it (e.g. dates sorted)."""
    if kind not in TABLE_KINDS:
        raise GeoError(f"kind={kind!r} is not supported", "use kind=prices or kind=returns")
    path = Path(path).expanduser()
    if not path.exists():
        raise GeoError(f"data file {path} does not exist", "check the path given after csv:")
    if path.is_dir():
        raise GeoError(f"{path} is a folder, not a CSV file", "give the path of the CSV file after csv:")
    sep = parse_sep(sep)
    header = _read_header(path, sep)
    raw = _read_body(path, sep)
    if raw.empty:
        raise GeoError(f"{path} has a header but no data rows", "add one row per date below the header")
    if raw.shape[1] != len(header):
        raise GeoError(f"{path}: rows have {raw.shape[1]} cells but the header {len(header)}", "give every row as many cells as the header")
    table = _with_date_index(raw, path)
    table.columns = header[1:]
    return checked_table(table, kind, str(path))


def frame_as_wide_table(frame: pd.DataFrame, kind: str = "prices",
                        where: str = "the DataFrame") -> tuple[pd.DataFrame, dict]:
    """A pandas DataFrame (dates x tickers) through the same checks as a CSV file's table."""
    if kind not in TABLE_KINDS:
        raise GeoError(f"kind={kind!r} is not supported", "use kind=prices or kind=returns")
    if not isinstance(frame, pd.DataFrame):
        raise GeoError(f"{where} is a {type(frame).__name__}, not a DataFrame",
                       "give a DataFrame with a DatetimeIndex and one column per ticker")
    if frame.empty:
        raise GeoError(f"{where} is empty", "give one row per date and one column per ticker")
    try:
        index = frame.index if isinstance(frame.index, pd.DatetimeIndex) else pd.DatetimeIndex(
            pd.to_datetime(frame.index, format="mixed"))
    except (ValueError, TypeError):
        raise GeoError(f"the index of {where} does not hold dates (first {frame.index[0]!r})",
                       "index the rows by date (a DatetimeIndex), e.g. df.set_index('date')") from None
    if index.isna().any():
        raise GeoError(f"the index of {where} has missing dates", "give every row a date")
    if index.tz is not None:
        index = index.tz_localize(None)
    names = [str(c).strip() for c in frame.columns]
    seen: set[str] = set()
    repeated = sorted({n for n in names if n in seen or seen.add(n)})
    if repeated:
        raise GeoError(f"{where} has duplicate tickers: {', '.join(repeated[:5])}", "keep one column per ticker")
    table = frame.copy()
    table.index, table.columns = pd.DatetimeIndex(index, name="date"), names
    return checked_table(table, kind, where)


def checked_table(table: pd.DataFrame, kind: str, where: str) -> tuple[pd.DataFrame, dict]:
    """Numbers, one row per date in order, possible values: every wide table passes here."""
    table = _as_numbers(table, where)
    report = {"sorted_dates": False}
    duplicated = table.index[table.index.duplicated()]
    if len(duplicated):
        raise GeoError(
            f"{where} has duplicate dates ({len(duplicated)}, first {duplicated[0].date()})",
            "keep one row per date",
        )
    if not table.index.is_monotonic_increasing:
        # Order carries no information in a dated table, so sorting is safe; it is reported.
        table = table.sort_index()
        report["sorted_dates"] = True
    check_values(table, kind, where)
    return table, report


def check_values(table: pd.DataFrame, kind: str, where: str) -> None:
    """Impossible values: empty columns, non-positive prices, returns at or below -100%."""
    if table.shape[1] < 2:
        raise GeoError(
            f"{where} holds a single asset ({', '.join(map(str, table.columns)) or 'none'})",
            "a portfolio needs at least two assets: add columns, one per ticker",
        )
    empty = [str(c) for c in table.columns if table[c].isna().all()]
    if empty:
        raise GeoError(f"{where}: column(s) {', '.join(empty[:5])} hold no values", "remove those columns or fill them")
    values = table.to_numpy(dtype=float)
    if not np.isfinite(values[~np.isnan(values)]).all():
        raise GeoError(f"{where} holds infinite values", "replace them by numbers or leave the cells empty")
    if kind == "prices":
        bad = table.le(0).to_numpy()
        if bad.any():
            row, col = map(int, np.argwhere(bad)[0])
            raise GeoError(
                f"{where}: price {table.iat[row, col]} of {table.columns[col]} on "
                f"{_label(table.index[row])} is zero or negative ({int(bad.sum())} such cells)",
                "prices must be positive: fix those cells or leave them empty (missing); "
                "if the file holds returns, pass kind=returns",
            )
    else:
        # Percent first: a percent file also has "returns" below -1, but the fix differs.
        finite = np.abs(values[~np.isnan(values)])
        if finite.size and np.median(finite) > _PERCENT_MEDIAN_ABS:
            raise GeoError(
                f"{where}: the typical return is {np.median(finite):.3g}, which looks like percent",
                "give returns as fractions (divide by 100)",
            )
        bad = table.le(-1).to_numpy()
        if bad.any():
            row, col = map(int, np.argwhere(bad)[0])
            raise GeoError(
                f"{where}: return {table.iat[row, col]} of {table.columns[col]} on "
                f"{_label(table.index[row])} is -100% or worse",
                "returns must be simple returns as fractions (0.01 = 1%) above -1; "
                "if the file holds prices, pass kind=prices",
            )


def parse_sep(sep: str) -> str:
    """A delimiter given as itself (";") or by name ("tab", "semicolon", "comma", "pipe")."""
    sep = SEP_NAMES.get(str(sep).strip().lower(), sep) if sep else ","
    if len(sep) != 1:
        raise GeoError(f"sep={sep!r} is not a single character", "use --sep , or ; or tab or |")
    return sep


def _read_header(path: Path, sep: str) -> list[str]:
    try:
        first = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise GeoError(f"{path} is empty", "give a CSV file with a date column and one column per ticker") from None
    except (UnicodeDecodeError, OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, pd.errors.ParserError) as exc:
        raise GeoError(f"{path} cannot be read as a CSV file ({type(exc).__name__})", "give a text CSV (optionally .gz)") from None
    names = [str(v).strip() for v in first.iloc[0].tolist()]
    if len(names) == 1:
        for delimiter, word in _OTHER_DELIMITERS.items():
            if delimiter in names[0]:
                raise GeoError(
                    f"{path} reads as a single column; its header looks {word}-separated",
                    f"pass --sep {word} (sep={delimiter!r} in Python) or save it comma-separated",
                )
        raise GeoError(f"{path} has a single column", "give a date column, then one column per ticker")
    blank = [i + 1 for i, name in enumerate(names[1:], start=1) if not name]
    if blank:
        raise GeoError(f"{path}: column(s) {', '.join(map(str, blank[:5]))} have no ticker name", "put a ticker in every header cell")
    seen: set[str] = set()
    repeated = sorted({n for n in names[1:] if n in seen or seen.add(n)})
    if repeated:
        raise GeoError(f"{path} has duplicate tickers: {', '.join(repeated[:5])}", "keep one column per ticker")
    return names


def _read_body(path: Path, sep: str) -> pd.DataFrame:
    try:
        # index_col=False: a row with a trailing delimiter must not turn the dates into an index.
        return pd.read_csv(path, sep=sep, header=0, index_col=False)
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())[:120]
        raise GeoError(f"{path} is not a regular table ({detail})", "give every row as many cells as the header") from None
    except (UnicodeDecodeError, OSError, EOFError, ValueError) as exc:
        raise GeoError(f"{path} cannot be read as a CSV file ({type(exc).__name__})", "give a text CSV (optionally .gz)") from None


def _with_date_index(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    first = raw.iloc[:, 0]
    name = str(raw.columns[0])
    if pd.api.types.is_numeric_dtype(first) or pd.api.types.is_bool_dtype(first):
        raise GeoError(
            f"{path}: the first column '{name}' holds numbers, not dates",
            "put the dates (YYYY-MM-DD) in the first column, then one column per ticker",
        )
    dates = pd.to_datetime(first, errors="coerce")
    if dates.isna().all():
        # A single format guess can fail on mixed but valid formats; try per element.
        dates = pd.to_datetime(first, errors="coerce", format="mixed")
    bad = dates.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise GeoError(
            f"{path}: the first column '{name}' must hold dates, but row {row + 2} has {first.iloc[row]!r}",
            "write every date as YYYY-MM-DD (no empty dates)",
        )
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    table = raw.iloc[:, 1:].copy()
    table.index = pd.DatetimeIndex(dates, name="date")
    return table


def _as_numbers(table: pd.DataFrame, path: Path | str) -> pd.DataFrame:
    for column in table.columns:
        if pd.api.types.is_numeric_dtype(table[column]) and not pd.api.types.is_bool_dtype(table[column]):
            continue
        original = table[column]
        numbers = pd.to_numeric(original, errors="coerce")
        bad = numbers.isna() & original.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise GeoError(
                f"{path}: non-numeric value {original.iloc[row]!r} in column {column} on {_label(table.index[row])}",
                "every cell after the date must be a number or empty (missing); check the delimiter and decimal point",
            )
        table[column] = numbers
    return table.astype(float)


def _label(stamp: pd.Timestamp) -> str:
    return stamp.date().isoformat() if isinstance(stamp, pd.Timestamp) else str(stamp)


def read_named_numbers(path: str | Path, key: str, value: str, what: str, value_hint: str) -> dict[str, float]:
    """A CSV of two named columns, ``key`` (names, each once) and ``value`` (numbers), as a dict:
    the holdings file (ticker,weight) and the sector caps file (sector,cap). Headers match
    case-insensitively; ``what`` names the file in errors, ``value_hint`` says what a value is."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise GeoError(f"{what} file {file} does not exist", f"give a CSV with columns {key},{value}")
    try:
        table = pd.read_csv(file, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise GeoError(f"{what} file {file} cannot be read ({type(exc).__name__})",
                       f"give a CSV with columns {key},{value}") from None
    columns = {str(c).strip().lower(): c for c in table.columns}
    if key not in columns or value not in columns:
        raise GeoError(f"{what} file {file} has columns {list(table.columns)[:5]}", f"give it columns {key},{value}")
    numbers = pd.to_numeric(table[columns[value]], errors="coerce")
    if numbers.isna().any():
        raise GeoError(f"{what} file {file} has a {value} that is not a number", f"give each {value} as {value_hint}")
    names = [str(n).strip() for n in table[columns[key]]]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise GeoError(f"{what} file {file} lists {', '.join(twice[:3])} more than once", f"give each {key} once")
    return dict(zip(names, numbers.astype(float)))
