"""The results a report is made of: loaded, checked to be of one problem, and labelled.

Every results file of one report must be of the same problem (data set, universe size, K,
cardinality mode, weight bounds, objective): the report overlays their frontiers and compares
their metrics, which means nothing across problems. Two results of the same method (say GEO
with two generators, or two seeds) get distinct labels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from geo.core.errors import GeoError
from geo.core.results import FrontierResult

# Problem fields that must agree between the results of one report.
PROBLEM_KEYS = ("dataset", "n_assets", "k", "cardinality", "w_min", "w_max", "objective")
# Methods whose "optimal" points are proven optima: a results file of theirs is a reference.
EXACT_METHODS = ("exact", "enumeration")
# matplotlib's tab10 colours: one per method, the same in figures and tables.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")


@dataclass
class ReportInput:
    """One results file (or in-memory result) with its label and colour in the report."""

    result: FrontierResult
    source: str  # the file path, or a description of an in-memory result
    label: str = ""
    color: str = PALETTE[0]

    @property
    def is_exact(self) -> bool:
        return self.result.method in EXACT_METHODS and any(p.status == "optimal" for p in self.result.points)

    @property
    def is_geo(self) -> bool:
        return bool(self.result.details.get("iterations"))


def load_results(paths: Sequence[str | Path]) -> list[ReportInput]:
    """Read every results file (a missing or corrupt one is a one-line GeoError)."""
    if not paths:
        raise GeoError("no results file given", "give one or more JSON files written by 'geo frontier --output'")
    return prepare_inputs([ReportInput(FrontierResult.read_json(path), str(path)) for path in paths])


def prepare_inputs(inputs: list[ReportInput]) -> list[ReportInput]:
    """Check the inputs are of one problem, then give each a distinct label and a colour."""
    for item in inputs:
        if not item.result.points:
            raise GeoError(f"{item.source} holds no frontier points", "give a results file of a finished run")
    check_same_problem(inputs)
    labels = [base_label(item.result) for item in inputs]
    counts = Counter(labels)
    stems = Counter(Path(item.source).stem for item in inputs)
    numbers: Counter[str] = Counter()
    for index, (item, label) in enumerate(zip(inputs, labels)):
        if counts[label] > 1:  # the same method twice: tell them apart by file name, else by number
            numbers[label] += 1
            stem = Path(item.source).stem
            label = f"{label} [{stem}]" if stems[stem] == 1 else f"{label} #{numbers[label]}"
        item.label = label
        item.color = PALETTE[index % len(PALETTE)]
    return inputs


def base_label(result: FrontierResult) -> str:
    """The method's name, with GEO's generator and, unless it is the default booster from local
    search, how its pool was seeded."""
    if result.method != "geo":
        return result.method
    settings = result.details.get("settings", {})
    generator = result.details.get("generator") or settings.get("generator")
    seed_method = result.details.get("seed_method") or settings.get("seed_method")
    parts = [str(generator)] if generator else []
    if seed_method == "random":
        parts.append("stand-alone")
    elif seed_method and seed_method != "local-search":  # booster from local search is the default
        parts.append(f"seeded by {seed_method}")
    return f"geo ({', '.join(parts)})" if parts else "geo"


def check_same_problem(inputs: list[ReportInput]) -> None:
    first = inputs[0]
    for item in inputs[1:]:
        for key in PROBLEM_KEYS:
            ours, theirs = _problem_value(first.result, key), _problem_value(item.result, key)
            if ours != theirs:
                raise GeoError(
                    f"the results are of different problems: {key} is {ours!r} in {first.source} "
                    f"but {theirs!r} in {item.source}",
                    "make one report per problem (same data set, K, cardinality, bounds and objective)")


def _problem_value(result: FrontierResult, key: str) -> Any:
    if key == "objective":
        return result.objective
    value = result.problem.get(key)
    return float(value) if key in ("w_min", "w_max") and value is not None else value
