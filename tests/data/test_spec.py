"""DATASET spec parsing and option validation."""

from __future__ import annotations

import pytest

from geo.data import SPEC_HELP, load_dataset
from geo.core.errors import GeoError


@pytest.mark.parametrize("spec", ["", "   ", "sp500", "parquet:x.parquet", "C:/data/prices.csv", "nasdaq-sample"])
def test_unknown_specs_name_the_valid_ones(spec):
    with pytest.raises(GeoError) as excinfo:
        load_dataset(spec)
    assert SPEC_HELP in str(excinfo.value)


@pytest.mark.parametrize("spec", ["csv:", "orlib:", "moments:", "yahoo:", "yahoo: , "])
def test_empty_spec_body(spec):
    with pytest.raises(GeoError):
        load_dataset(spec)


def test_prefix_is_case_insensitive(prices_csv):
    assert load_dataset(f"CSV:{prices_csv}").n_assets == 3


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"frequency": "hourly"}, "frequency"),
        ({"return_kind": "percent"}, "return_kind"),
        ({"estimator": "oas"}, "estimator"),
        ({"ddof": -1}, "ddof"),
        ({"ddof": 1.5}, "ddof"),
        ({"max_missing": 2}, "max_missing"),
        ({"max_missing": "lots"}, "max_missing"),
        ({"start": "not a date"}, "start"),
        ({"start": "2021-01-01", "end": "2020-01-01"}, "after end"),
        ({"detect_jumps": "maybe"}, "detect_jumps"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_options(prices_csv, options, fragment):
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"csv:{prices_csv}", **options)
    assert fragment in str(excinfo.value) and excinfo.value.fix


def test_string_options_from_a_command_line(prices_csv):
    data = load_dataset(f"csv:{prices_csv}", detect_jumps="false", max_missing="0.1", start="2020-02-03")
    assert data.metadata["requested"]["detect_jumps"] is False
    assert data.metadata["requested"]["max_missing"] == 0.1


def test_moments_take_no_options(tmp_path):
    with pytest.raises(GeoError, match="unknown option"):
        load_dataset(f"moments:{tmp_path}", estimator="sample")
