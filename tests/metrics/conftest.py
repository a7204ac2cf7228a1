"""Fixtures of the metrics tests (the shared data folder comes from tests/conftest.py)."""

from __future__ import annotations

import pytest

from geo.core.results import FrontierPoint, FrontierResult


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
