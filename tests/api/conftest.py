"""Small frontiers of the bundled sample, computed once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sample():
    import geo

    return geo.load("sp500-sample", start="2018-01-01")


@pytest.fixture(scope="session")
def optimum(sample):
    import geo

    return geo.frontier(sample, k=3, method="enumeration", points=6)


@pytest.fixture(scope="session")
def geo_front(sample):
    import geo

    return geo.frontier(sample, k=3, method="geo", budget=600, seed=7, points=6)
