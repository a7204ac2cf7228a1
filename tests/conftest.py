"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The benchmark data live beside the repository (../shared/data), never inside it. From a test
# module in tests/<area>/ this is Path(__file__).resolve().parents[2].parent / "shared" / "data".
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared benchmark data folder: skipped when absent locally, a failure under CI."""
    if not SHARED_DATA.is_dir():
        message = f"shared benchmark data not found at {SHARED_DATA}"
        if os.environ.get("CI"):
            pytest.fail(message + " (required when CI is set)")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def sp500_sample():
    """The bundled offline data set (20 S&P 500 stocks, daily), loaded once per session."""
    from geo.data import load_dataset

    return load_dataset("sp500-sample")


def _orlib(shared_data: Path, name: str):
    from geo.data import load_dataset

    return load_dataset(f"orlib:{shared_data / 'orlib' / name}")


@pytest.fixture(scope="session")
def port1(shared_data):
    return _orlib(shared_data, "port1.txt")


@pytest.fixture(scope="session")
def port4(shared_data):
    return _orlib(shared_data, "port4.txt")
