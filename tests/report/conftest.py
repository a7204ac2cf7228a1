"""Real small runs to report on: computed once per session, written as results files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from geo.methods.registry import make_method
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem

SP500_K = 3
SP500_POINTS = 6
PORT1_K = 4
PORT1_POINTS = 8


def _run(dataset, problem, targets, method, path: Path, seed: int = 1):
    result = compute_frontier(problem, ObjectiveGrid.target_returns(targets), method, seed=seed,
                              dataset={"name": dataset.name, **dataset.metadata})
    result.details["command"] = f"geo frontier {dataset.metadata.get('spec')} -k {problem.k} (test fixture)"
    result.write_json(path)
    return path


@pytest.fixture(scope="session")
def sp500_runs(sp500_sample, tmp_path_factory) -> dict[str, Path]:
    """local-search, GEO (uniform generator) and exact enumeration on sp500-sample, K = 3."""
    folder = tmp_path_factory.mktemp("sp500-runs")
    problem = Problem.from_dataset(sp500_sample, SP500_K)
    targets = evenly_spaced_targets(problem, SP500_POINTS)
    methods = {"local-search": make_method("local-search"),
               "geo": make_method("geo", generator="uniform", iterations=3),
               "enumeration": make_method("enumeration")}
    return {name: _run(sp500_sample, problem, targets, method, folder / f"{name}.json")
            for name, method in methods.items()}


@pytest.fixture(scope="session")
def port1_run(port1, shared_data, tmp_path_factory) -> Path:
    """local-search on OR-Library port1 (at most K = 4) at targets of the published frontier."""
    from geo.metrics import pick_reference_targets, published_ccef_path, read_published_ccef

    reference = read_published_ccef(published_ccef_path(port1.n_assets, shared_data), PORT1_K)
    targets = pick_reference_targets(reference, PORT1_POINTS)["target_return"].to_numpy()
    problem = Problem.from_dataset(port1, PORT1_K, cardinality="at-most")
    folder = tmp_path_factory.mktemp("port1-run")
    return _run(port1, problem, targets, make_method("local-search"), folder / "port1-local-search.json", seed=0)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium: skipped when absent locally, a failure under CI (.ci/run installs it)."""
    path = shutil.which("chromium")
    if path is None:
        message = "chromium not found (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + " (required when CI is set)")
        pytest.skip(message)
    return path
