"""yahoo: sources with a fake downloader: cache, partial ranges, rate limits, offline."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
from yfinance.exceptions import YFRateLimitError

from geo.data import load_dataset
from geo.data.cache import PriceCache
from geo.data.yahoo import OVERLAP_DAYS, close_table, fetch_prices, yfinance_download
from geo.core.errors import GeoError

TODAY = pd.Timestamp("2022-01-10")


class FakeYahoo:
    """Answers like :func:`yfinance.download` from a fixed table of closes; records its calls."""

    def __init__(self, closes: pd.DataFrame, rate_limits: int = 0, error: Exception | None = None):
        self.closes = closes
        self.rate_limits = rate_limits
        self.error = error
        self.calls: list[dict] = []

    def __call__(self, tickers, start=None, end=None, auto_adjust=None, **kwargs):
        self.calls.append({"tickers": list(tickers), "start": start, "end": end, "auto_adjust": auto_adjust, **kwargs})
        if self.error is not None:
            raise self.error
        if self.rate_limits:
            self.rate_limits -= 1
            raise YFRateLimitError()
        rows = self.closes.loc[(self.closes.index >= pd.Timestamp(start)) & (self.closes.index < pd.Timestamp(end))]
        # Unknown tickers come back as all-NaN columns, as yfinance does.
        close = rows.reindex(columns=[t.upper() for t in tickers])
        frames = {"Close": close, "Open": close * 0.99, "Volume": close * 0 + 1000}
        frame = pd.concat(frames, axis=1, names=["Price", "Ticker"])
        frame.index.name = "Date"
        return frame


class NoNetwork(FakeYahoo):
    def __init__(self):
        super().__init__(pd.DataFrame(), error=ConnectionError("Failed to perform, curl: (6) Could not resolve host"))


@pytest.fixture
def closes(make_prices):
    return make_prices(tickers=("AAA", "BBB", "CCC"), start="2019-01-01", periods=800, seed=7)


def fetch(tickers, start, end, cache_dir, downloader, **kwargs):
    kwargs.setdefault("today", TODAY)
    return fetch_prices(list(tickers), pd.Timestamp(start), pd.Timestamp(end), cache_dir=cache_dir, downloader=downloader, sleep=lambda s: None, **kwargs)


def expected(closes, tickers, start, end):
    return closes.loc[(closes.index >= pd.Timestamp(start)) & (closes.index < pd.Timestamp(end)), list(tickers)]


def test_first_download_fills_the_cache(tmp_path, closes):
    fake = FakeYahoo(closes)
    prices, report = fetch(["AAA", "BBB"], "2020-01-01", "2021-01-01", tmp_path, fake)
    pd.testing.assert_frame_equal(prices, expected(closes, ["AAA", "BBB"], "2020-01-01", "2021-01-01"), check_freq=False, check_names=False)
    assert len(fake.calls) == 1 and fake.calls[0]["auto_adjust"] is True
    assert (fake.calls[0]["start"], fake.calls[0]["end"]) == ("2020-01-01", "2021-01-01")
    assert (tmp_path / "AAA.parquet").is_file() and (tmp_path / "BBB.parquet").is_file()
    entry = PriceCache(tmp_path).read("AAA")
    assert (entry.covered_start, entry.covered_end) == (pd.Timestamp("2020-01-01"), pd.Timestamp("2021-01-01"))


def test_cache_hit_makes_no_download_call(tmp_path, closes):
    fetch(["AAA", "BBB"], "2020-01-01", "2021-01-01", tmp_path, FakeYahoo(closes))
    refuse = FakeYahoo(closes, error=AssertionError("must not download"))
    prices, report = fetch(["AAA", "BBB"], "2020-03-01", "2020-09-01", tmp_path, refuse)
    assert refuse.calls == [] and report["cache_hits"] == ["AAA", "BBB"]
    pd.testing.assert_frame_equal(prices, expected(closes, ["AAA", "BBB"], "2020-03-01", "2020-09-01"), check_freq=False, check_names=False)


def test_partial_cache_downloads_only_the_missing_range(tmp_path, closes):
    fetch(["AAA", "BBB"], "2020-01-01", "2020-07-01", tmp_path, FakeYahoo(closes))
    fake = FakeYahoo(closes)
    prices, report = fetch(["AAA", "BBB"], "2020-01-01", "2021-01-01", tmp_path, fake)
    overlap_start = (pd.Timestamp("2020-07-01") - pd.Timedelta(days=OVERLAP_DAYS)).date().isoformat()
    assert [(c["start"], c["end"]) for c in fake.calls] == [(overlap_start, "2021-01-01")]
    pd.testing.assert_frame_equal(prices, expected(closes, ["AAA", "BBB"], "2020-01-01", "2021-01-01"), check_freq=False, check_names=False)
    entry = PriceCache(tmp_path).read("BBB")
    assert (entry.covered_start, entry.covered_end) == (pd.Timestamp("2020-01-01"), pd.Timestamp("2021-01-01"))


def test_earlier_range_and_new_ticker_are_planned_separately(tmp_path, closes):
    fetch(["AAA"], "2020-06-01", "2021-01-01", tmp_path, FakeYahoo(closes))
    fake = FakeYahoo(closes)
    fetch(["AAA", "CCC"], "2020-01-01", "2021-01-01", tmp_path, fake)
    calls = sorted((tuple(c["tickers"]), c["start"], c["end"]) for c in fake.calls)
    assert calls == [(("AAA",), "2020-01-01", "2020-06-11"), (("CCC",), "2020-01-01", "2021-01-01")]


def test_readjusted_prices_rescale_the_cache(tmp_path, closes):
    fetch(["AAA", "BBB"], "2020-01-01", "2020-07-01", tmp_path, FakeYahoo(closes))
    # A dividend after the first download: Yahoo now reports every earlier close 2% lower.
    readjusted = closes * 0.98
    prices, report = fetch(["AAA", "BBB"], "2020-01-01", "2021-01-01", tmp_path, FakeYahoo(readjusted))
    assert report["rescaled"] == {"AAA": pytest.approx(0.98), "BBB": pytest.approx(0.98)}
    np.testing.assert_allclose(prices.to_numpy(), expected(readjusted, ["AAA", "BBB"], "2020-01-01", "2021-01-01").to_numpy(), rtol=1e-12)


def test_rate_limit_then_success_after_backoff(tmp_path, closes):
    fake = FakeYahoo(closes, rate_limits=2)
    sleeps = []
    prices, report = fetch_prices(["AAA", "BBB"], pd.Timestamp("2020-01-01"), pd.Timestamp("2020-06-01"), cache_dir=tmp_path,
                                  downloader=fake, sleep=sleeps.append, backoff_seconds=1.5, today=TODAY)
    assert sleeps == [1.5, 3.0] and report["retries"] == 2 and len(fake.calls) == 3
    assert prices.shape[1] == 2 and not prices.empty


def test_rate_limited_without_cache_points_to_offline_sources(tmp_path, closes):
    with pytest.raises(GeoError) as excinfo:
        fetch(["AAA"], "2020-01-01", "2020-06-01", tmp_path, FakeYahoo(closes, rate_limits=99), max_retries=3)
    message = str(excinfo.value)
    assert "rate-limited" in message and "sp500-sample" in message and "csv:" in message


def test_offline_with_covering_cache_works(tmp_path, closes):
    fetch(["AAA", "BBB"], "2020-01-01", "2021-01-01", tmp_path, FakeYahoo(closes))
    offline = NoNetwork()
    prices, report = fetch(["AAA", "BBB"], "2020-02-01", "2020-12-01", tmp_path, offline)
    assert offline.calls == [] and prices.shape == expected(closes, ["AAA", "BBB"], "2020-02-01", "2020-12-01").shape
    # A few days past the cache: the download fails, and the cache is used with the tail reported.
    prices, report = fetch(["AAA", "BBB"], "2020-02-01", "2021-01-05", tmp_path, offline)
    assert len(offline.calls) == 1 and report["stale_days"] == {"AAA": 4, "BBB": 4}
    assert prices.index[-1] < pd.Timestamp("2021-01-01")


def test_offline_without_cache_raises_geo_error(tmp_path):
    with pytest.raises(GeoError) as excinfo:
        fetch(["AAA"], "2020-01-01", "2021-01-01", tmp_path, NoNetwork())
    message = str(excinfo.value)
    assert "ConnectionError" in message and "sp500-sample" in message and "\n" not in message
    with pytest.raises(GeoError, match="sp500-sample"):
        fetch(["AAA"], "2020-01-01", "2021-01-01", tmp_path, NoNetwork(), offline=True)


def test_batches_of_fifty(tmp_path, make_prices):
    tickers = [f"T{i:03d}" for i in range(120)]
    fake = FakeYahoo(make_prices(tickers=tickers, start="2020-01-01", periods=30))
    prices, _ = fetch(tickers, "2020-01-01", "2020-02-01", tmp_path, fake)
    assert [len(c["tickers"]) for c in fake.calls] == [50, 50, 20] and prices.shape[1] == 120


def test_today_is_never_covered(tmp_path, closes):
    fake = FakeYahoo(closes)
    fetch(["AAA"], "2021-12-01", "2022-02-01", tmp_path, fake, today=TODAY)
    assert fake.calls[0]["end"] == TODAY.date().isoformat()
    assert PriceCache(tmp_path).read("AAA").covered_end == TODAY


def test_load_dataset_yahoo_end_to_end(tmp_path, closes):
    fake = FakeYahoo(closes)
    data = load_dataset("yahoo:aaa,BBB,CCC", downloader=fake, cache_dir=tmp_path, today=TODAY, start="2020-01-01", end="2020-12-31", frequency="weekly")
    assert data.tickers == ("AAA", "BBB", "CCC") and data.metadata["source"] == "yahoo"
    assert data.metadata["download"]["downloads"][0]["end"] == "2021-01-01"
    assert data.metadata["frequency"] == "weekly" and data.metadata["end"] <= "2020-12-31"
    json.dumps(data.metadata)


def test_default_cache_dir_is_per_user_not_the_cwd(tmp_path, closes, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GEO_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # platformdirs' Linux convention
    data = load_dataset("yahoo:AAA,BBB", downloader=FakeYahoo(closes), today=TODAY, start="2020-01-01",
                        end="2020-06-30")
    assert (tmp_path / "user-cache" / "geo" / "prices" / "AAA.parquet").is_file()
    assert not (tmp_path / "data").exists()
    assert data.metadata["cache_dir"] == str(tmp_path / "user-cache" / "geo" / "prices")


def test_geo_cache_dir_overrides_the_default(tmp_path, closes, monkeypatch):
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "mine"))
    load_dataset("yahoo:AAA,BBB", downloader=FakeYahoo(closes), today=TODAY, start="2020-01-01", end="2020-06-30")
    assert (tmp_path / "mine" / "AAA.parquet").is_file()


def test_unknown_ticker(tmp_path, closes):
    with pytest.raises(GeoError) as excinfo:
        load_dataset("yahoo:AAA,NOPE", downloader=FakeYahoo(closes), cache_dir=tmp_path, today=TODAY, start="2020-01-01")
    assert "NOPE" in str(excinfo.value) and not (tmp_path / "NOPE.parquet").exists()


def test_duplicate_and_missing_yahoo_tickers(tmp_path):
    with pytest.raises(GeoError, match="duplicate"):
        load_dataset("yahoo:AAA,aaa", cache_dir=tmp_path)
    with pytest.raises(GeoError, match="unknown option"):
        load_dataset("yahoo:AAA,BBB", cache_dir=tmp_path, proxy="x")


def test_yahoo_sp500_from_tickers_file(tmp_path, closes):
    tickers_file = tmp_path / "tickers.csv"
    tickers_file.write_text("Symbol,Name,Sector\nAAA,A,Energy\nBBB,B,Financials\nCCC,C,Energy\nGONE,G,Utilities\n")
    data = load_dataset("yahoo:sp500", tickers_file=str(tickers_file), downloader=FakeYahoo(closes),
                        cache_dir=tmp_path / "cache", today=TODAY, start="2020-01-01", end="2020-12-31")
    assert data.tickers == ("AAA", "BBB", "CCC") and data.sectors["BBB"] == "Financials"
    assert data.metadata["download"]["no_data"] == ["GONE"]
    plain = tmp_path / "plain.txt"
    plain.write_text("# my universe\nAAA\nBBB\n\nBRK.B\n")
    data = load_dataset("yahoo:sp500", tickers_file=str(plain), downloader=FakeYahoo(closes),
                        cache_dir=tmp_path / "cache", today=TODAY, start="2020-01-01", end="2020-12-31")
    assert data.metadata["download"]["no_data"] == ["BRK-B"]


WIKI_HTML = """<html><body><table><tr><th>Symbol</th><th>Security</th><th>GICS Sector</th></tr>
<tr><td>AAA</td><td>A Inc</td><td>Energy</td></tr><tr><td>BBB</td><td>B Inc</td><td>Financials</td></tr>
<tr><td>CCC</td><td>C Inc</td><td>Energy</td></tr></table></body></html>"""


def test_yahoo_sp500_from_wikipedia_then_cached_list(tmp_path, closes):
    pages = []
    data = load_dataset("yahoo:sp500", fetch_html=lambda url: pages.append(url) or WIKI_HTML, downloader=FakeYahoo(closes),
                        cache_dir=tmp_path, today=TODAY, start="2020-01-01", end="2020-12-31")
    assert data.tickers == ("AAA", "BBB", "CCC") and data.metadata["constituents"]["source"] == "wikipedia"
    assert len(pages) == 1 and data.sectors["AAA"] == "Energy"
    offline = load_dataset("yahoo:sp500", offline=True, cache_dir=tmp_path, today=TODAY, start="2020-01-01", end="2020-12-31")
    assert offline.metadata["constituents"]["source"] == "cache" and offline.n_assets == 3


def test_yahoo_sp500_offline_without_list(tmp_path):
    def broken(url):
        raise OSError("network is unreachable")

    with pytest.raises(GeoError) as excinfo:
        load_dataset("yahoo:sp500", fetch_html=broken, cache_dir=tmp_path)
    message = str(excinfo.value)
    assert "tickers_file" in message and "sp500-sample" in message


def test_close_table_shapes():
    index = pd.to_datetime(["2020-01-02", "2020-01-03"]).tz_localize("America/New_York")
    by_column = pd.concat({"Close": pd.DataFrame({"AAA": [1.0, 2.0]}, index=index)}, axis=1)
    by_ticker = pd.concat({"AAA": pd.DataFrame({"Close": [1.0, 2.0], "Open": [1.0, 1.0]}, index=index)}, axis=1)
    flat = pd.DataFrame({"Close": [1.0, 2.0], "Open": [1.0, 1.0]}, index=index)
    for frame in (by_column, by_ticker, flat):
        table = close_table(frame, ["AAA"])
        assert list(table.columns) == ["AAA"] and table.index.tz is None and table["AAA"].tolist() == [1.0, 2.0]
    assert close_table(pd.DataFrame(), ["AAA"]).empty


def test_yfinance_wrapper_raises_logged_rate_limits(monkeypatch):
    import yfinance

    def logged_failure(*args, **kwargs):
        logging.getLogger("yfinance").error("['AAA']: YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')")
        return pd.DataFrame()

    monkeypatch.setattr(yfinance, "download", logged_failure)
    with pytest.raises(YFRateLimitError):
        yfinance_download(["AAA"], start="2020-01-01", end="2020-02-01", auto_adjust=True)

    def offline(*args, **kwargs):
        logging.getLogger("yfinance").error("['AAA']: Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com")
        return pd.DataFrame()

    monkeypatch.setattr(yfinance, "download", offline)
    with pytest.raises(ConnectionError):
        yfinance_download(["AAA"], start="2020-01-01", end="2020-02-01", auto_adjust=True)
