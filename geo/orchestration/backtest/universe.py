"""Which stocks a rebalance date may buy: the point-in-time universe, and what the data cannot know.

With a membership (``--membership FILE``, ``membership=`` of the API, or the one ``yahoo:sp500``
builds), a date's universe is the members of the index on that day that have a price in the
data; without one it is every ticker of the price file, which looks ahead: names that joined
the index later, often after rising, are on offer before they joined. Either way the cleaning of
the trailing window (``--max-missing``) and a price on the trade day narrow it further.

No rule can bring back what the price file lacks: companies that left the index before the
file's end usually have no prices in it (survivorship bias). The results record, per date, how
many members the index had, how many of them have prices, and how many were eligible.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from geo.core.errors import GeoError
from geo.data.prices import PriceTable

SURVIVORSHIP = ("prices exist only for names in the file; companies that left before its end are missing "
                "(survivorship bias)")
RULE_MEMBERS = ("only members of the index on a rebalance date may be bought (membership: {source}); a held stock "
                "that leaves the index is sold at the next rebalance")
RULE_ALL = ("every ticker of the price file may be bought on every date (no membership given): names that joined "
            "the index later are chosen from before they joined (look-ahead)")


def date_universe(window: pd.DataFrame, table: PriceTable, date: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The window's columns a date may choose from, and the counts of members and members with prices."""
    traded = np.isfinite(window.iloc[-1].to_numpy(dtype=float))
    if table.membership is None:
        return window, {"members": None, "members_with_prices": int(traded.sum())}
    members = table.membership.members_on(date)
    keep = [t for t in window.columns if t in members]
    with_prices = sum(1 for t, ok in zip(window.columns, traded) if ok and t in members)
    return window[keep], {"members": len(members), "members_with_prices": with_prices}


def check_universe(table: PriceTable, positions: Sequence[int], k: int) -> None:
    """Before any work: every rebalance date has at least K (and 2) members with a price that day."""
    prices = table.prices
    if table.membership is not None and not table.membership.tickers & set(prices.columns):
        raise GeoError(f"no ticker of the membership {table.membership.source} is in the price data {table.name}",
                       "spell the tickers of both alike (e.g. BRK-B in both)")
    for position in positions:
        day = prices.index[position]
        _, counts = date_universe(prices.iloc[[position]], table, day)
        available = counts["members_with_prices"]
        if available < max(k, 2):
            whose = (f"{counts['members']} members of the index, {available} of them with a price"
                     if counts["members"] is not None else f"{available} tickers with a price")
            raise GeoError(f"no eligible K = {k} universe on {day.date()}: {whose} that day",
                           "check the membership's dates against the prices, or start the backtest later")


def universe_summary(table: PriceTable, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The rule, the data's blind spot, and the counts of each rebalance date (for the results file)."""
    membership = table.membership
    summary: dict[str, Any] = {
        "rule": RULE_MEMBERS.format(source=membership.source) if membership is not None else RULE_ALL,
        "membership": membership.source if membership is not None else None,
        "survivorship": SURVIVORSHIP,
        "per_date": [{"date": r["date"], **r.get("universe_counts", {})} for r in records],
    }
    if membership is not None:
        # A membership that names only the price file's tickers cannot show the members that left:
        # its "members" then count those tickers only, not the whole index of the day.
        summary["membership_tickers"] = len(membership.tickers)
        summary["membership_tickers_without_prices"] = len(membership.tickers - set(table.prices.columns))
        summary["price_tickers_never_members"] = sorted(set(table.prices.columns) - membership.tickers)
    return summary
