"""Every numeric setting is checked before any data is loaded, with a one-line GeoError."""

from __future__ import annotations

import pytest

from geo.api.settings import BUDGET_FREE_METHODS, build_method, check_run_settings
from geo.core.errors import GeoError

OK = dict(method="geo", seed=0, budget=None, time_limit=None)


@pytest.mark.parametrize("name, value, message", [
    ("samples", -5, "--samples must be positive"), ("samples", 0, "--samples must be positive"),
    ("iterations", -1, "--iterations must be positive"), ("iterations", 0, "--iterations must be positive"),
    ("points", 0, "--points must be positive"), ("budget", 0, "--budget must be positive"),
    ("seed", -1, "--seed must be at least 0"), ("time_limit", -2.0, "--time-limit must be a positive"),
    ("time_limit", float("nan"), "--time-limit must be a positive"), ("samples", 2.5, "--samples must be a whole"),
])
def test_bad_numbers_are_refused(name, value, message):
    with pytest.raises(GeoError, match=message):
        check_run_settings(**{**OK, name: value})


def test_good_numbers_pass():
    import numpy as np

    check_run_settings(method="geo", seed=3, budget=100, time_limit=1.5, points=1, iterations=1, samples=1)
    check_run_settings(method="geo", seed=np.int64(3), budget=np.int64(100), time_limit=np.float64(2.0),
                       points=np.int32(20))


@pytest.mark.parametrize("method", BUDGET_FREE_METHODS)
def test_a_budget_is_refused_by_methods_that_spend_none(method):
    with pytest.raises(GeoError, match=f"--budget does not apply to --method {method}"):
        check_run_settings(method=method, seed=0, budget=1000, time_limit=None)


def test_geo_settings_only_for_geo():
    with pytest.raises(GeoError, match="--samples only apply to --method geo"):
        build_method("local-search", samples=10)
    assert build_method("geo", samples=10, iterations=2).samples_per_iteration == 10


def test_unknown_generator_is_refused_early():
    with pytest.raises(GeoError, match="generator"):
        build_method("geo", generator="nope")
