"""Library versions recorded in every results file, so a number can be traced to its stack."""

from __future__ import annotations

import functools
import platform
from importlib import metadata

try:
    GEO_VERSION = metadata.version("geo")
except metadata.PackageNotFoundError:  # running from a checkout without installing
    GEO_VERSION = "0.0.0+unknown"

TRACKED_DISTRIBUTIONS = (
    "geo", "numpy", "scipy", "pandas", "cvxpy", "clarabel", "pyscipopt", "daqp",
    "scikit-learn", "skfolio", "yfinance", "tensornetwork", "cirq-core", "qsimcirq", "click",
    "dask", "distributed",
)


def library_versions() -> dict[str, str]:
    return dict(_installed_versions())  # a copy: callers may add to it


@functools.cache  # reading package metadata costs ~0.1 s, inside a run's time limit
def _installed_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
