"""Fixtures of the metrics tests.

``shared_data_metrics`` is the benchmark data folder (../shared/data beside the project). It
defers to the project-wide ``shared_data`` fixture of tests/conftest.py when that exists, so
the one rule (skip locally when missing, fail under CI) lives in one place; until then it
applies the same rule itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geo.frontier.result import FrontierPoint, FrontierResult

# tests/metrics/conftest.py -> project root -> its parent -> shared/data
_DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture
def shared_data_metrics(request: pytest.FixtureRequest) -> Path:
    try:
        return Path(request.getfixturevalue("shared_data"))
    except pytest.FixtureLookupError:
        pass
    if not _DEFAULT_SHARED_DATA.is_dir():
        message = f"benchmark data folder {_DEFAULT_SHARED_DATA} is missing"
        if os.environ.get("CI"):
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    return _DEFAULT_SHARED_DATA


@pytest.fixture
def make_result():
    """Builder of a small FrontierResult from (parameter, return, variance) triples; a variance
    of None makes the point infeasible."""

    def build(points, objective="target-return", method="test-method"):
        built = [FrontierPoint(parameter=p, status="infeasible") if v is None else
                 FrontierPoint(parameter=p, status="heuristic", expected_return=r, variance=v,
                               weights={"A": 1.0})
                 for p, r, v in points]
        return FrontierResult(method=method, objective=objective, problem={"k": 2}, points=built, seed=0)

    return build
