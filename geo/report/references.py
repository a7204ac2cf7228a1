"""The frontiers a report measures the methods against.

- Gap reference (same target returns): an exact results file among the inputs (its points
  proven ``optimal``; a timed-out point is never used as exact), else the published CCEF of the
  OR-Library universe of that size (Cesarone et al., ``<data>/orlib/ccef``) when K is 2..10.
- Unconstrained frontier (UEF, for the plot and the Chang errors): recomputed from the data
  set, either the one the caller already holds (``geo frontier --report``) or the one named by
  the results' ``dataset["spec"]`` reloaded with the recorded estimation options. Reloading
  can fail (a file moved, a yahoo: set not cached): the report then says so and goes on.

The shared data folder is ``--reference-data DIR`` when given, else ``../shared/data``
relative to the working directory, else relative to the repository.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.core.errors import GeoError
from geo.report.inputs import ReportInput

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA_RELATIVE = Path("..") / "shared" / "data"
# Chord error of the linear interpolation between UEF points: about 0.005% of the variance at 150.
UEF_POINTS = 150
# Options of price and return sources recorded in the results' dataset["requested"].
RELOADABLE_OPTIONS = ("start", "end", "frequency", "return_kind", "estimator", "ddof", "max_missing", "detect_jumps")


@dataclass
class GapReference:
    """The frontier the gaps are taken against: ``frame`` has target_return and variance."""

    frame: pd.DataFrame
    description: str
    source: str  # "results" or "published"
    exact_label: str | None = None  # the input's label when it is an exact results file
    notes: list[str] = field(default_factory=list)


@dataclass
class Universe:
    """What the report knows of the data set: the UEF and the sectors, when they could be had."""

    uef: pd.DataFrame | None = None  # columns return, variance (sorted by return)
    uef_description: str = ""
    sectors: dict[str, str] | None = None
    sectors_note: str = ""
    notes: list[str] = field(default_factory=list)


def find_data_root(reference_data: str | Path | None = None) -> Path | None:
    """The shared data folder: the given one (must exist), else ../shared/data if present."""
    if reference_data is not None:
        folder = Path(reference_data).expanduser()
        if not folder.is_dir():
            raise GeoError(f"reference data folder {folder} does not exist",
                           "give the folder that holds orlib/ccef (e.g. ../shared/data)")
        return folder
    for base in (Path.cwd(), REPO_ROOT):
        candidate = (base / SHARED_DATA_RELATIVE).resolve()
        if candidate.is_dir():
            return candidate
    return None


def gap_reference(inputs: list[ReportInput], data_root: Path | None) -> GapReference | None:
    """An exact results file among the inputs, else the published CCEF, else None."""
    exact = [item for item in inputs if item.is_exact]
    if exact:
        item = exact[0]
        result = item.result
        if result.objective != "target-return":
            return None
        targets = result.parameters.astype(float)
        variances = np.array([p.variance if p.status == "optimal" else math.nan for p in result.points])
        n_optimal = int(np.isfinite(variances).sum())
        description = (f"exact results {item.label} ({item.source}): {n_optimal} of {len(variances)} points "
                       "proven optimal; only those are used")
        notes = [f"{len(exact) - 1} more exact results file(s) were given; the first is the reference"] \
            if len(exact) > 1 else []
        return GapReference(pd.DataFrame({"target_return": targets, "variance": variances}), description,
                            "results", exact_label=item.label, notes=notes)
    return published_reference(inputs[0].result.problem, data_root)


def published_reference(problem: dict[str, Any], data_root: Path | None) -> GapReference | None:
    from geo.metrics import PUBLISHED_CCEF_SIZES, published_ccef_path, read_published_ccef

    n_assets, k = int(problem.get("n_assets") or 0), int(problem.get("k") or 0)
    if data_root is None or n_assets not in PUBLISHED_CCEF_SIZES or not 2 <= k <= 10:
        return None
    path = published_ccef_path(n_assets, data_root)
    if path is None:
        return None
    frame = read_published_ccef(path, k)
    description = (f"published CCEF (Cesarone, Scozzari & Tardella 2013) for at most K = {k} of {n_assets} "
                   f"assets, 0 <= w <= 1: {path}")
    notes = []
    if problem.get("cardinality") != "at-most" or float(problem.get("w_min", 0)) > 0 \
            or float(problem.get("w_max", 1)) < 1:
        notes.append(f"the published frontier is for at most K assets with 0 <= w <= 1; this problem "
                     f"({problem.get('cardinality')} K, {problem.get('w_min')} <= w <= {problem.get('w_max')}) "
                     "differs, so a gap also measures that difference")
    if problem.get("dataset") and not str(problem.get("dataset")).startswith(("port", "indtrack")):
        notes.append(f"the published frontier is of the OR-Library universe of {n_assets} assets; "
                     f"the data set {problem.get('dataset')} only has the same size")
    return GapReference(frame, description, "published", notes=notes)


def universe_of(inputs: list[ReportInput], dataset: Any = None) -> Universe:
    """The UEF and the sectors, from ``dataset`` or from reloading the results' data set."""
    result = inputs[0].result
    universe = Universe()
    if dataset is None:
        dataset = _reload(result.dataset, universe.notes)
    if dataset is None:
        universe.sectors_note = "the data set could not be reloaded"
        return universe
    tickers = set(dataset.tickers)
    held = {t for item in inputs for p in item.result.points for t in p.weights}
    if dataset.n_assets != result.problem.get("n_assets") or not held <= tickers:
        universe.notes.append(f"the data set reloaded with {dataset.n_assets} assets, not the results' "
                              f"{result.problem.get('n_assets')} (or other tickers): no unconstrained frontier")
        return universe
    universe.sectors = dict(dataset.sectors) if dataset.sectors else None
    if universe.sectors is None:
        universe.sectors_note = f"the data set {dataset.name} records none"
    published = getattr(dataset, "published_uef", None)
    if published is not None and float(result.problem.get("w_max", 1.0)) >= 1.0 and len(published) >= 2:
        universe.uef = published[["return", "variance"]].sort_values("return", ignore_index=True)
        universe.uef_description = (f"the published unconstrained frontier of {dataset.name} "
                                    f"({len(published)} points, {dataset.metadata.get('published_uef') or 'portef file'})")
        return universe
    try:
        universe.uef = unconstrained_curve(dataset, result.problem)
        universe.uef_description = (f"recomputed from the data set {dataset.name} at {len(universe.uef)} target returns "
                                    f"(0 <= w <= {result.problem.get('w_max')}, no K, no w_min)")
    except (GeoError, ArithmeticError, ValueError) as exc:
        universe.notes.append(f"the unconstrained frontier could not be computed ({exc})")
    return universe


def _reload(info: dict[str, Any], notes: list[str]):
    from geo.data import load_dataset

    spec = info.get("spec")
    if not spec:
        notes.append("the results record no data set spec: no unconstrained frontier")
        return None
    options: dict[str, Any] = {}
    requested = info.get("requested") or {}
    prefix = str(spec).split(":", 1)[0].lower()
    if prefix in ("sp500-sample", "csv", "yahoo"):
        options = {key: requested[key] for key in RELOADABLE_OPTIONS if requested.get(key) is not None}
    if prefix == "csv" and info.get("kind"):
        options["kind"] = info["kind"]
    if prefix == "yahoo":
        options["offline"] = True  # a report never downloads: the cache or nothing
        if info.get("cache_dir"):
            options["cache_dir"] = info["cache_dir"]
    try:
        return load_dataset(spec, **options)
    except (GeoError, OSError, ValueError, KeyError, TypeError) as exc:
        message = exc.one_line() if isinstance(exc, GeoError) else f"{type(exc).__name__}: {exc}"
        notes.append(f"the data set {spec} could not be reloaded ({message}): no unconstrained frontier")
        log.info("report: reloading %s failed: %s", spec, message)
        return None


def unconstrained_curve(dataset: Any, problem_info: dict[str, Any], n_points: int = UEF_POINTS) -> pd.DataFrame:
    """The UEF (0 <= w <= w_max, no K) from the minimum-variance return to the highest return."""
    from geo.classical.unconstrained import unconstrained_frontier
    from geo.orchestration.frontier.targets import min_variance_return
    from geo.problem import ObjectiveGrid, Problem
    from geo.problem.problem import fractional_knapsack_return

    problem = Problem.from_dataset(dataset, int(problem_info["k"]), cardinality=problem_info.get("cardinality", "exact"),
                                   w_min=float(problem_info.get("w_min", 0.0)),
                                   w_max=float(problem_info.get("w_max", 1.0)))
    low = min_variance_return(problem)
    high = fractional_knapsack_return(np.sort(problem.mu)[::-1], 0.0, problem.w_max)
    high -= 1e-9 * max(abs(high - low), 1e-12)  # the very edge makes interior-point solvers give up
    grid = ObjectiveGrid.target_returns(np.linspace(low, high, n_points))
    points = [p for p in unconstrained_frontier(problem, grid) if p.feasible]
    frame = pd.DataFrame({"return": [p.expected_return for p in points],
                          "variance": [p.variance for p in points]})
    if len(frame) < 2:
        raise GeoError("the unconstrained frontier has fewer than two points", "check the data set")
    return frame.sort_values("return", ignore_index=True)

