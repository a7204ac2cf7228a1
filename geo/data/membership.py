"""When each ticker belonged to an index: the point-in-time universe of a backtest.

A membership table has one row per spell in the index, ``ticker,start_date,end_date``; a ticker
may have several rows (it left and came back). A ticker is a member on day ``t`` when
``start_date <= t < end_date`` for one of its rows: the start is the first day in the index, the
end the effective date of the removal (the first day out), as index providers and the change
tables of Wikipedia date them. An empty end date means the ticker is still a member.

The same table comes from a CSV file (``--membership FILE``), from a pandas DataFrame
(``geo.backtest(..., membership=df)``), or for ``yahoo:sp500`` from the S&P 500 list and its
table of changes (:mod:`geo.data.constituents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.core.errors import GeoError

COLUMNS = ("ticker", "start_date", "end_date")
FORMAT_HELP = "give a CSV with the columns ticker,start_date,end_date (dates YYYY-MM-DD; an empty end = still a member)"


@dataclass(frozen=True)
class Membership:
    """Spells in the index: ``table`` has the columns ticker, start_date, end_date (NaT = open)."""

    table: pd.DataFrame
    source: str

    def members_on(self, day: pd.Timestamp | str) -> frozenset[str]:
        """The tickers in the index on ``day``."""
        day = pd.Timestamp(day)
        table = self.table
        inside = (table["start_date"] <= day) & (table["end_date"].isna() | (day < table["end_date"]))
        return frozenset(table.loc[inside, "ticker"])

    @property
    def tickers(self) -> frozenset[str]:
        return frozenset(self.table["ticker"])

    def to_frame(self) -> pd.DataFrame:
        """The spells as written to a file: ISO dates, an empty end for a current member."""
        out = self.table.copy()
        for column in ("start_date", "end_date"):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        return out.fillna({"end_date": ""})

    def write_csv(self, path: str | Path) -> None:
        from geo.core.atomic import atomic_write_text

        atomic_write_text(path, self.to_frame().to_csv(index=False))


def read_membership_file(path: str | Path) -> Membership:
    """The membership CSV ``ticker,start_date,end_date`` (one-line errors for every bad file)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise GeoError(f"membership file {path} does not exist", FORMAT_HELP)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise GeoError(f"membership file {path} cannot be read as a CSV ({type(exc).__name__})", FORMAT_HELP) from None
    return membership_from_frame(frame, source=str(path))


def membership_from_frame(frame: pd.DataFrame, source: str = "DataFrame") -> Membership:
    """A membership from a DataFrame with the columns ticker, start_date, end_date."""
    if not isinstance(frame, pd.DataFrame):
        raise GeoError(f"the membership is a {type(frame).__name__}, not a table", FORMAT_HELP)
    columns = {str(c).strip().lower(): c for c in frame.columns}
    unknown = [str(c) for c in frame.columns if str(c).strip().lower() not in COLUMNS]
    missing = [c for c in COLUMNS if c not in columns]
    if unknown or missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise GeoError(f"membership {source} has the columns {found} "
                       f"({'unknown: ' + ', '.join(unknown) if unknown else 'missing: ' + ', '.join(missing)})",
                       FORMAT_HELP)
    if frame.empty:
        raise GeoError(f"membership {source} has no rows", FORMAT_HELP)
    tickers = frame[columns["ticker"]].astype(str).str.strip()
    if (tickers == "").any() or frame[columns["ticker"]].isna().any():
        row = int(np.flatnonzero((tickers == "").to_numpy() | frame[columns["ticker"]].isna().to_numpy())[0])
        raise GeoError(f"membership {source}: row {row + 1} has no ticker", "put a ticker in every row")
    start = _dates(frame[columns["start_date"]], "start_date", source, allow_empty=False)
    end = _dates(frame[columns["end_date"]], "end_date", source, allow_empty=True)
    bad = end.notna() & (end <= start)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise GeoError(f"membership {source}: {tickers.iloc[row]} ends on {end.iloc[row].date()}, "
                       f"not after its start {start.iloc[row].date()} (row {row + 1})",
                       "give each row an end_date after its start_date, or leave it empty for a current member")
    table = pd.DataFrame({"ticker": tickers.to_numpy(), "start_date": start.to_numpy(), "end_date": end.to_numpy()})
    table = table.sort_values(["ticker", "start_date"], kind="stable").reset_index(drop=True)
    return Membership(table, source)


def as_membership(membership: "Membership | pd.DataFrame | str | Path | None") -> Membership | None:
    """A membership given as a file path, a DataFrame or already built (None: none)."""
    if membership is None or isinstance(membership, Membership):
        return membership
    if isinstance(membership, pd.DataFrame):
        return membership_from_frame(membership)
    return read_membership_file(membership)


def _dates(values: pd.Series, column: str, source: str, allow_empty: bool) -> pd.Series:
    text = values.astype("string").str.strip()
    empty = text.isna() | (text == "")
    if empty.any() and not allow_empty:
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise GeoError(f"membership {source}: row {row + 1} has no {column}", "give every row a start date")
    parsed = pd.to_datetime(text.where(~empty), errors="coerce", format="mixed")
    bad = parsed.isna() & ~empty
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise GeoError(f"membership {source}: {column} {str(text.iloc[row])!r} in row {row + 1} is not a date",
                       "write dates as YYYY-MM-DD")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.normalize()


def membership_from_changes(current: dict[str, pd.Timestamp | None], changes: pd.DataFrame,
                            source: str) -> Membership:
    """Spells rebuilt from today's members and a table of changes (``date``, ``added``, ``removed``).

    Walking back from today: on a change's date the added ticker's spell began and the removed
    ticker's ended (it was a member the day before). A spell that began before the table's
    first change starts at that change's date (what came before is unknown), or at the
    member's own "date added" when that is earlier and the table never saw it join.
    """
    members = set(current)
    ends: dict[str, pd.Timestamp | None] = dict.fromkeys(current)
    rows = []
    ordered = changes.sort_values("date", ascending=False, kind="stable")
    for date, added, removed in zip(ordered["date"], ordered["added"], ordered["removed"]):
        if isinstance(added, str) and added in members:
            rows.append((added, date, ends.pop(added)))
            members.discard(added)
        if isinstance(removed, str) and removed and removed not in members:
            members.add(removed)
            ends[removed] = date
    earliest = ordered["date"].min() if len(ordered) else pd.Timestamp.today().normalize()
    for ticker in members:
        added_on = current.get(ticker)
        start = added_on if added_on is not None and pd.notna(added_on) and added_on < earliest else earliest
        rows.append((ticker, start, ends.get(ticker)))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    frame = frame[frame["end_date"].isna() | (frame["end_date"] > frame["start_date"])]
    return membership_from_frame(frame, source=source)
