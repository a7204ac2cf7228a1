"""Membership tables: who was in the index on a day, from a CSV file or a DataFrame; bad files."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.core.errors import GeoError
from geo.data.membership import as_membership, membership_from_frame, read_membership_file


def test_members_on_a_day_start_inclusive_end_exclusive_several_spells(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("ticker,start_date,end_date\nAAA,2015-01-02,\nBBB,2014-01-01,2016-03-01\n"
                    "BBB,2017-06-01,\nCCC,2016-01-04,2016-01-05\n")
    membership = read_membership_file(path)
    assert membership.members_on("2014-12-31") == {"BBB"}
    assert membership.members_on("2015-01-02") == {"AAA", "BBB"}           # the first day counts
    assert membership.members_on("2016-01-04") == {"AAA", "BBB", "CCC"}
    assert membership.members_on("2016-03-01") == {"AAA"}                  # the end date is the first day out
    assert membership.members_on("2017-06-01") == {"AAA", "BBB"}           # back in: a second spell
    assert membership.tickers == {"AAA", "BBB", "CCC"}
    again = membership_from_frame(membership.to_frame())
    assert again.table.equals(membership.table)


def test_the_shared_sp500_membership_counts_the_issues_figure(shared_data):
    """The issue's figure: on 2014-01-31, 93 of the 505 tickers of the price file were not yet members."""
    folder = shared_data / "sp500_daily_2013_2018"
    membership = read_membership_file(folder / "membership.csv")
    tickers = pd.read_csv(folder / "sp500_close_wide_2013_2018.csv.gz", nrows=0).columns[1:]
    assert len(tickers) == 505 and len(set(tickers) - membership.members_on("2014-01-31")) == 93


def test_a_dataframe_with_date_columns_is_read_alike():
    frame = pd.DataFrame({"ticker": ["A", "B"], "start_date": pd.to_datetime(["2020-01-01", "2020-02-03"]),
                          "end_date": [pd.NaT, pd.Timestamp("2021-01-01")]})
    membership = as_membership(frame)
    assert membership.members_on("2020-02-03") == {"A", "B"} and membership.members_on("2021-01-01") == {"A"}


@pytest.mark.parametrize("text, fragments", [
    ("ticker,start,end\nA,2020-01-01,\n", ["unknown: start, end"]),
    ("ticker,start_date\nA,2020-01-01\n", ["missing: end_date"]),
    ("ticker,start_date,end_date,weight\nA,2020-01-01,,1\n", ["unknown: weight"]),
    ("ticker,start_date,end_date\nA,2020-05-01,2020-01-01\n", ["A ends on 2020-01-01", "not after its start"]),
    ("ticker,start_date,end_date\nA,2020-05-01,2020-05-01\n", ["not after its start"]),
    ("ticker,start_date,end_date\nA,someday,\n", ["start_date 'someday'", "not a date"]),
    ("ticker,start_date,end_date\nA,,\n", ["row 1 has no start_date"]),
    ("ticker,start_date,end_date\n", ["has no rows"]),
])
def test_bad_membership_files_are_one_line_errors(tmp_path, text, fragments):
    path = tmp_path / "m.csv"
    path.write_text(text)
    with pytest.raises(GeoError) as caught:
        read_membership_file(path)
    message = caught.value.one_line()
    assert "\n" not in message and all(f in message for f in fragments), message


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(GeoError, match="does not exist"):
        read_membership_file(tmp_path / "nope.csv")
