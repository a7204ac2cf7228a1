"""yahoo:sp500's membership: rebuilt from the list and the table of changes of a saved page, cached."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import geo.data.constituents as constituents
from geo.core.errors import GeoError
from geo.data.constituents import MEMBERSHIP_FILE, parse_wikipedia_membership, sp500_constituents, sp500_membership

PAGE = (Path(__file__).parent / "fixtures" / "sp500_wikipedia_excerpt.html").read_text()


def test_spells_are_rebuilt_from_the_changes():
    membership = parse_wikipedia_membership(PAGE)
    spells = {(r.ticker, r.start_date.date().isoformat(), None if pd.isna(r.end_date) else r.end_date.date().isoformat())
              for r in membership.table.itertuples()}
    assert spells == {
        ("AAPL", "1982-11-30", None),         # before the table: its own "date added"
        ("BRK-B", "2010-02-16", None),        # Yahoo's spelling
        ("AAL", "2015-03-23", None), ("NEWCO", "2024-01-02", None),
        ("OLDCO", "2020-09-21", "2024-01-02"),
        ("XYZ", "2012-01-03", "2013-06-03"), ("XYZ", "2016-05-02", "2020-09-21"),  # left and came back
        ("BAZ", "2013-06-03", "2016-05-02"),
        ("FOO", "2012-01-03", "2015-03-23"),
    }
    assert membership.members_on("2014-01-31") == {"AAPL", "BRK-B", "BAZ", "FOO"}
    assert membership.members_on("2018-01-02") == {"AAPL", "AAL", "BRK-B", "XYZ"}


def test_fetched_once_with_the_list_then_cached(tmp_path):
    pages = []
    tickers, _, _ = sp500_constituents(cache_dir=tmp_path, fetch_html=lambda url: pages.append(url) or PAGE)
    assert tickers == ["AAPL", "AAL", "BRK-B", "NEWCO"] and (tmp_path / MEMBERSHIP_FILE).is_file()

    def no_network(url):
        raise OSError("network is unreachable")

    membership, where = sp500_membership(cache_dir=tmp_path, fetch_html=no_network)
    assert where["source"] == "cache" and len(pages) == 1
    assert membership.members_on("2022-01-03") == {"AAPL", "AAL", "BRK-B", "OLDCO"}
    with pytest.raises(GeoError, match="--membership"):
        sp500_membership(cache_dir=tmp_path / "empty", fetch_html=no_network)


def test_a_yahoo_sp500_price_table_carries_the_membership(tmp_path, monkeypatch):
    from geo.data import yahoo
    from geo.data.prices import load_price_table

    monkeypatch.setattr(constituents, "_fetch_html", lambda url: PAGE)
    dates = pd.bdate_range("2021-01-04", periods=5)
    closes = pd.DataFrame(100.0, index=dates, columns=["AAPL", "AAL", "BRK-B", "NEWCO"])
    monkeypatch.setattr(yahoo, "fetch_prices", lambda tickers, start, end, **kw: (closes[tickers], {}))
    table = load_price_table("yahoo:sp500", cache_dir=str(tmp_path))
    assert table.membership.members_on("2021-01-04") == {"AAPL", "AAL", "BRK-B", "OLDCO"}
    assert "Wikipedia" in table.membership.source
