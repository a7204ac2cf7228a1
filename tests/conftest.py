"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

# The benchmark data live beside the repository (../shared/data), never inside it. From a test
# module in tests/<area>/ this is Path(__file__).resolve().parents[2].parent / "shared" / "data".
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never touch the network: any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(autouse=True)
def private_price_cache(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's price cache (geo.data.cache.default_cache_dir)."""
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path_factory.mktemp("price-cache")))


@pytest.fixture()
def run_cli():
    """Invoke the ``geo`` command line in-process (click's runner), arguments as strings."""
    from geo.cli import main

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def assert_one_line_error(result, *fragments):
    """Bad input: exit code 2, one ``geo: error:`` line holding every fragment, no traceback."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("geo: error: "), result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture()
def one_line_error():
    return assert_one_line_error


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
