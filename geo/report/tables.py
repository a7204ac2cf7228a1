"""The report's tables as plain rows (lists and dicts of numbers and strings).

Numbers stay numbers here: the template formats them (filters in ``render.py``), so a table
reads the same in the HTML and the PDF and the tests can check the values.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import numpy as np

from geo.core.errors import GeoError
from geo.core.results import POINT_STATUSES, FrontierResult, gap_percent
from geo.metrics import default_reference_point, summarise_frontier
from geo.report.inputs import ReportInput
from geo.report.references import GapReference, Universe

GENERATOR_COLUMNS = (
    ("iteration", "iteration"), ("n_samples", "samples"), ("n_new", "new"), ("n_valid_new", "valid new"),
    ("exploration", "exploration"), ("fidelity", "fidelity"), ("rate", "rate"),
    ("quality_coverage", "quality coverage"), ("targets_improved", "targets improved"),
    ("mean_best_cost", "mean best cost"), ("evaluations", "evaluations"),
    ("starts", "starts refined"), ("moves_per_start", "swaps per start"),
    ("already_optimal_share", "starts already optimal"), ("heldout_nll", "held-out NLL"),
    ("heldout_nll_independent", "held-out NLL, independent"),
)
CLEANING_LIST_LIMIT = 12


def common_hv_reference(inputs: list[ReportInput]):
    """One hypervolume reference point for every method (None when no point is feasible)."""
    try:
        return default_reference_point(*[item.result for item in inputs])
    except GeoError:
        return None


def method_rows(inputs: list[ReportInput], reference: GapReference | None, universe: Universe,
                hv_point) -> list[dict[str, Any]]:
    """One row per method: gap, Chang errors, hypervolume, time, evaluations, statuses."""
    rows = []
    for item in inputs:
        result = item.result
        is_reference = reference is not None and reference.exact_label == item.label
        gap_frame = None if reference is None or is_reference else reference.frame
        summary = summarise_frontier(result, reference=gap_frame, uef=universe.uef, hv_reference=hv_point)
        # Without the common point each frontier would get its own: not comparable, so not shown.
        volume = summary["hypervolume"]["value"] if hv_point is not None and summary["hypervolume"] else None
        rows.append({
            "label": item.label, "color": item.color, "source": item.source, "is_reference": is_reference,
            "n_points": summary["n_points"], "n_feasible": summary["n_feasible"],
            "gap": summary["gap_to_reference"], "chang": summary["chang"], "hypervolume": volume,
            "wall_s": result.timing.get("wall_s"), "evaluations": result.details.get("evaluations"),
            "statuses": status_counts(result), "per_point": summary["per_point"], "notes": summary["notes"],
        })
    volumes = [row["hypervolume"] for row in rows if row["hypervolume"] is not None]
    best = max(volumes) if volumes else None
    for row in rows:
        row["hypervolume_share"] = row["hypervolume"] / best if best and row["hypervolume"] is not None else None
    return rows


def status_counts(result: FrontierResult) -> list[tuple[str, int]]:
    """(status, count) in the order of POINT_STATUSES, then any unknown status."""
    counts = Counter(p.status for p in result.points)
    ordered = [s for s in POINT_STATUSES if counts[s]] + sorted(s for s in counts if s not in POINT_STATUSES)
    return [(status, counts[status]) for status in ordered]


def point_rows(item: ReportInput, per_point: dict[str, list]) -> list[dict[str, Any]]:
    """The frontier's points: number, target, return, volatility, status, gap, Chang error, and the
    certified gap (in %) where the point carries a proven bound."""
    rows = []
    gaps = per_point.get("gap_pct") or [None] * len(item.result.points)
    changs = per_point.get("chang_error_pct") or [None] * len(item.result.points)
    for number, (point, gap, chang) in enumerate(zip(item.result.points, gaps, changs), start=1):
        feasible = point.feasible
        rows.append({
            "number": number, "parameter": point.parameter,
            "return": point.expected_return if feasible else None,
            "variance": point.variance if feasible else None,
            "volatility": math.sqrt(point.variance) if feasible and point.variance >= 0 else None,
            "status": status_text(point), "n_assets": sum(w > 0 for w in point.weights.values()) if feasible else None,
            "gap_pct": gap, "chang_pct": chang,
            "certified_gap": gap_percent(point.certified_gap),
        })
    return rows


def status_text(point) -> str:
    """The status, with the MIP gap when an exact solver stopped at its limit; ``optimal
    (certified)`` when a proven bound is within CERTIFIED_GAP, whichever method found the point."""
    if point.certified_optimal:
        return point.shown_status
    gap = point.extras.get("mip_gap")
    if point.status == "time_limit" and gap is not None:
        return f"time_limit (MIP gap {100 * float(gap):.2f}%)"
    if point.status == "error" and point.extras.get("message"):
        return f"error: {point.extras['message']}"
    return point.status


def generator_rows(result: FrontierResult) -> list[dict[str, Any]]:
    """GEO's per-iteration record: generator quality metrics and convergence."""
    return [{key: record.get(key) for key, _ in GENERATOR_COLUMNS} for record in result.details.get("iterations", [])]


def geo_settings(result: FrontierResult) -> list[tuple[str, Any]]:
    details = result.details
    keys = ("generator", "mode", "seed_method", "refine", "starts", "segments", "conditioning", "seed_evaluations",
            "pool_size", "sampling_sizes", "stopped_by", "stopped_by_deadline")
    return [(key.replace("_", " "), details[key]) for key in keys if key in details]


def problem_rows(result: FrontierResult, n_points: list[int]) -> list[tuple[str, Any]]:
    problem = result.problem
    points = ", ".join(str(n) for n in sorted(set(n_points)))
    return [("data set", problem.get("dataset")), ("assets (N)", problem.get("n_assets")),
            ("K", problem.get("k")), ("cardinality", problem.get("cardinality")),
            ("weight bounds", f"{problem.get('w_min')} <= w <= {problem.get('w_max')} for a held asset"),
            ("objective", result.objective), ("frontier points", points)]


def data_rows(info: dict[str, Any]) -> list[tuple[str, Any]]:
    """Source, window, frequency, estimator: what the moments came from."""
    window = f"{info.get('start')} to {info.get('end')}" if info.get("start") or info.get("end") else "not applicable"
    frequency = info.get("frequency")
    if info.get("native_frequency") and info.get("native_frequency") != frequency:
        frequency = f"{frequency} (resampled from {info['native_frequency']})"
    estimator = info.get("estimator")
    if info.get("ddof") is not None:
        estimator = f"{estimator} (ddof {info['ddof']})"
    rows = [("spec", info.get("spec")), ("name", info.get("name")), ("source", info.get("source")),
            ("description", info.get("description")), ("path", info.get("path")), ("window", window),
            ("frequency", frequency), ("return kind", info.get("return_kind")), ("estimator", estimator),
            ("observations", info.get("n_observations")), ("assets", info.get("n_assets")),
            ("published UEF", info.get("published_uef")), ("note", info.get("note")),
            ("requested options", _compact(info.get("requested"))),
            ("warnings", "; ".join(info.get("warnings") or []) or None)]
    return [(key, value) for key, value in rows if value not in (None, "", {})]


def cleaning_rows(info: dict[str, Any]) -> list[tuple[str, Any]]:
    """What cleaning removed, with long lists cut to their first entries."""
    cleaning = info.get("cleaning")
    if not cleaning:
        return []
    rows: list[tuple[str, Any]] = []
    for key, value in cleaning.items():
        name = key.replace("_", " ")
        if key == "jumps":
            shown = [f"{j.get('ticker')} {j.get('date')} ({j.get('kind')}, return {j.get('return')})" for j in value]
            rows.append((f"{name} masked", _cut(shown) if shown else "none"))
        elif key == "missing_returns_by_ticker" and isinstance(value, dict):
            top = sorted(value.items(), key=lambda kv: -kv[1])
            rows.append((name, _cut([f"{t}: {n}" for t, n in top]) if top else "none"))
        elif isinstance(value, list):
            rows.append((name, _cut([str(v) for v in value]) if value else "none"))
        else:
            rows.append((name, _compact(value)))
    return rows


def run_rows(inputs: list[ReportInput]) -> list[tuple[str, list[Any]]]:
    """Rows of the runs table: one column per method."""
    def column(fn) -> list[Any]:
        return [fn(item) for item in inputs]

    details = [item.result.details for item in inputs]
    rows = [
        ("results file", column(lambda i: i.source)),
        ("method", column(lambda i: i.result.method)),
        ("seed", column(lambda i: i.result.seed)),
        ("settings", [_compact(d.get("settings")) for d in details]),
        ("budget (evaluations)", [d.get("budget") for d in details]),
        ("time limit (s)", [d.get("time_limit") for d in details]),
        ("wall time (s)", column(lambda i: _round(i.result.timing.get("wall_s")))),
        ("evaluations", [d.get("evaluations") for d in details]),
        ("distinct selections", [d.get("distinct_selections") for d in details]),
        ("data", column(lambda i: _data_brief(i.result.dataset))),
        ("resumed / interrupted", [f"{_yes(d.get('resumed'))} / {_yes(d.get('interrupted'))}" for d in details]),
        ("command", [d.get("command") for d in details]),
    ]
    return rows


def version_rows(inputs: list[ReportInput]) -> list[tuple[str, list[Any]]]:
    names: list[str] = []
    for item in inputs:
        names += [name for name in item.result.versions if name not in names]
    return [(name, [item.result.versions.get(name) for item in inputs]) for name in names]


def datasets_differ(inputs: list[ReportInput]) -> bool:
    first = json.dumps(inputs[0].result.dataset, sort_keys=True, default=str)
    return any(json.dumps(i.result.dataset, sort_keys=True, default=str) != first for i in inputs[1:])


def _data_brief(info: dict[str, Any]) -> str:
    parts = [str(info.get("spec") or info.get("name") or "unknown")]
    if info.get("start") or info.get("end"):
        parts.append(f"{info.get('start')} to {info.get('end')}")
    if info.get("estimator"):
        parts.append(str(info["estimator"]))
    return ", ".join(parts)


def _cut(items: list[str]) -> str:
    """The items joined; past the limit, the first ones and how many more."""
    more = len(items) - CLEANING_LIST_LIMIT
    if more <= 0:
        return ", ".join(items)
    return f"{', '.join(items[:CLEANING_LIST_LIMIT])} and {more} more ({len(items)} in all)"


def _compact(value: Any) -> Any:
    """A dict as 'key=value, ...' (None values dropped); other values as they are."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_compact(v)}" for k, v in value.items() if v is not None and v != {}) or None
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return value


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _round(value: Any) -> Any:
    return None if value is None else float(np.round(value, 3))
