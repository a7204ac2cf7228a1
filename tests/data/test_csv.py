"""csv: sources: wide prices or returns, and every way a user's file can be wrong."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from geo.data import load_dataset
from geo.core.errors import GeoError

GOOD = "date,AAA,BBB\n2020-01-01,10,20\n2020-01-02,11,19\n2020-01-03,12,21\n2020-01-06,11,22\n2020-01-07,12,23\n"


def write(tmp_path, text, name="prices.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_one_line_error(excinfo, *fragments):
    message = str(excinfo.value)
    assert "\n" not in message and "Traceback" not in message
    assert excinfo.value.problem and excinfo.value.fix, "a GeoError must name the problem and the fix"
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message


def test_prices_give_simple_returns_and_sample_moments(prices_csv):
    data = load_dataset(f"csv:{prices_csv}")
    prices = pd.read_csv(prices_csv, index_col=0, parse_dates=True)
    expected = prices.pct_change().iloc[1:]
    assert data.tickers == ("AAA", "BBB", "CCC")
    np.testing.assert_allclose(data.returns.to_numpy(), expected.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(data.mu, expected.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(data.cov, np.cov(expected.to_numpy(), rowvar=False, ddof=1), rtol=1e-12)
    meta = data.metadata
    assert meta["source"] == "csv" and meta["spec"] == f"csv:{prices_csv}"
    assert meta["frequency"] == "daily" and meta["return_kind"] == "simple" and meta["estimator"] == "sample"
    assert meta["n_observations"] == len(expected)
    assert meta["start"] == expected.index[0].date().isoformat()
    assert meta["end"] == expected.index[-1].date().isoformat()
    json.dumps(meta)


def test_returns_file_and_log_conversion(tmp_path, make_prices):
    simple = make_prices(periods=50).pct_change().iloc[1:]
    path = tmp_path / "returns.csv"
    simple.to_csv(path, index_label="Date")
    data = load_dataset(f"csv:{path}", kind="returns")
    np.testing.assert_allclose(data.mu, simple.mean().to_numpy(), rtol=1e-12)
    logs = load_dataset(f"csv:{path}", kind="returns", return_kind="log")
    np.testing.assert_allclose(logs.mu, np.log1p(simple).mean().to_numpy(), rtol=1e-12)


def test_weekly_returns_from_returns_file_match_prices(tmp_path, make_prices):
    prices = make_prices(periods=120)
    prices.to_csv(tmp_path / "p.csv", index_label="date")
    prices.pct_change().iloc[1:].to_csv(tmp_path / "r.csv", index_label="date")
    from_prices = load_dataset(f"csv:{tmp_path / 'p.csv'}", frequency="weekly", start="2020-01-06")
    from_returns = load_dataset(f"csv:{tmp_path / 'r.csv'}", kind="returns", frequency="weekly", start="2020-01-06")
    # The price route needs the first week's closing price as a base, so it has one return less.
    common = from_prices.returns.index.intersection(from_returns.returns.index)
    assert len(common) >= len(from_prices.returns) - 1
    np.testing.assert_allclose(from_prices.returns.loc[common], from_returns.returns.loc[common], rtol=1e-10)


def test_gzip_file_and_any_date_column_name(tmp_path):
    path = tmp_path / "prices.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(GOOD.replace("date,", "Timestamp,"))
    assert load_dataset(f"csv:{path}").n_assets == 2


def test_sectors_file(tmp_path):
    prices = write(tmp_path, GOOD)
    sectors = write(tmp_path, "Symbol,Name,Sector\nAAA,A Inc,Energy\nBBB,B Inc,Financials\nZZZ,Z,Utilities\n", "sectors.csv")
    data = load_dataset(f"csv:{prices}", sectors_file=str(sectors))
    assert data.sectors == {"AAA": "Energy", "BBB": "Financials"}


def test_unsorted_dates_are_sorted_and_reported(tmp_path):
    lines = GOOD.strip().split("\n")
    path = write(tmp_path, "\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    data = load_dataset(f"csv:{path}")
    assert data.returns.index.is_monotonic_increasing
    assert data.metadata["cleaning"]["sorted_dates"] is True


def test_window_selects_dates(prices_csv):
    data = load_dataset(f"csv:{prices_csv}", start="2020-03-01", end="2020-03-31")
    assert data.returns.index[0] >= pd.Timestamp("2020-03-01")
    assert data.returns.index[-1] <= pd.Timestamp("2020-03-31")
    assert data.metadata["requested"]["start"] == "2020-03-01"


BAD_FILES = {
    "empty file": ("", "empty"),
    "header only": ("date,AAA,BBB\n", "no data rows"),
    "no date column": ("AAA,BBB,CCC\n1,2,3\n2,3,4\n3,4,5\n4,5,6\n", "not dates"),
    "unparseable date": (GOOD.replace("2020-01-03", "yesterday"), "yesterday"),
    "non-numeric cell": (GOOD.replace("12,21", "12,abc"), "abc"),
    "duplicate tickers": ("date,AAA,AAA\n2020-01-01,1,2\n2020-01-02,2,3\n2020-01-03,3,4\n2020-01-06,4,5\n", "duplicate tickers"),
    "duplicate dates": (GOOD + "2020-01-07,13,24\n", "duplicate dates"),
    "zero price": (GOOD.replace("11,19", "0,19"), "zero or negative"),
    "negative price": (GOOD.replace("11,19", "-11,19"), "zero or negative"),
    "all-NaN column": ("date,AAA,BBB,CCC\n2020-01-01,1,2,\n2020-01-02,2,3,\n2020-01-03,3,4,\n2020-01-06,4,5,\n", "CCC"),
    "too few rows": ("date,AAA,BBB\n2020-01-01,10,20\n2020-01-02,11,19\n2020-01-03,12,21\n", "at least 3"),
    "single asset": ("date,AAA\n2020-01-01,10\n2020-01-02,11\n2020-01-03,12\n2020-01-06,13\n", "single asset"),
    "semicolon delimiter": (GOOD.replace(",", ";"), "pass --sep semicolon (sep=';' in Python)"),
    "ragged rows": (GOOD + "2020-01-08,1,2,3,4\n", "cells"),
    "blank ticker name": ("date,AAA,\n2020-01-01,1,2\n2020-01-02,2,3\n2020-01-03,3,4\n2020-01-06,4,5\n", "no ticker name"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_raise_one_line_geo_error(tmp_path, case):
    text, fragment = BAD_FILES[case]
    path = write(tmp_path, text)
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{path}")
    assert_one_line_error(excinfo, fragment)


def test_missing_file(tmp_path):
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{tmp_path / 'nope.csv'}")
    assert_one_line_error(excinfo, "does not exist")


def test_binary_file(tmp_path):
    path = tmp_path / "prices.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08not really gzip")
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{path}")
    assert_one_line_error(excinfo, "cannot be read")


def test_bad_returns(tmp_path):
    path = write(tmp_path, "date,AAA,BBB\n2020-01-01,0.1,-1.2\n2020-01-02,0.0,0.1\n2020-01-03,0.1,0.0\n2020-01-06,0.2,0.1\n")
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{path}", kind="returns")
    assert_one_line_error(excinfo, "-100%")
    percent = write(tmp_path, "date,AAA,BBB\n2020-01-01,1.5,-2.1\n2020-01-02,3.0,2.2\n2020-01-03,-1.7,4.0\n", "pct.csv")
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{percent}", kind="returns")
    assert_one_line_error(excinfo, "percent")


def test_window_without_data(prices_csv):
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{prices_csv}", start="2030-01-01")
    assert_one_line_error(excinfo, "no data", "2030-01-01")


def test_finer_frequency_than_data_is_refused(tmp_path, make_prices):
    path = tmp_path / "weekly.csv"
    make_prices(periods=60, freq="W-FRI").to_csv(path, index_label="date")
    assert load_dataset(f"csv:{path}").metadata["frequency"] == "weekly"
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{path}", frequency="daily")
    assert_one_line_error(excinfo, "weekly")


def test_bad_kind_and_unknown_option(prices_csv):
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{prices_csv}", kind="volumes")
    assert_one_line_error(excinfo, "kind")
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{prices_csv}", frequncy="weekly")
    assert_one_line_error(excinfo, "frequncy", "frequency")


@pytest.mark.parametrize("sep, name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_the_delimiter_the_message_suggests_is_accepted(tmp_path, sep, name):
    """The wrong-delimiter message names an option that exists, and that option reads the file."""
    path = write(tmp_path, GOOD.replace(",", sep))
    with pytest.raises(GeoError, match=f"--sep {name}"):
        load_dataset(f"csv:{path}")
    expected = load_dataset(f"csv:{write(tmp_path, GOOD, 'comma.csv')}")
    for given in (sep, name):
        data = load_dataset(f"csv:{path}", sep=given)
        assert data.tickers == expected.tickers and (data.cov == expected.cov).all()


def test_sep_on_the_command_line(tmp_path, run_cli):
    path = write(tmp_path, GOOD.replace(",", ";"))
    result = run_cli("data", "info", f"csv:{path}", "--sep", "semicolon")
    assert result.exit_code == 0, result.output
    assert run_cli("data", "info", f"csv:{path}", "--sep", "ab").exit_code == 2
