"""Every available metric of one frontier in one JSON-ready dict (for the CLI and reports)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from geo.core.results import PARAMETER_KEYS, FrontierResult
from geo.metrics.chang import chang_errors
from geo.metrics.frontier_arrays import FrontierLike
from geo.metrics.gaps import gap_to_reference
from geo.metrics.hypervolume import (DEFAULT_MARGIN, PLANE, ReferencePoint, as_reference_point,
                                     default_reference_point, hypervolume)


def summarise_frontier(result: FrontierResult, reference: FrontierLike | None = None,
                       uef: FrontierLike | None = None,
                       hv_reference: ReferencePoint | tuple[float, float] | None = None) -> dict[str, Any]:
    """Metrics of ``result``: gap to ``reference``, Chang errors against ``uef``, hypervolume.

    A metric whose input is missing is ``None`` and a line in ``notes`` says why. The gap
    needs target returns, so it is skipped for a risk-aversion frontier.
    Without ``hv_reference`` the hypervolume reference point is ``default_reference_point``
    of this frontier and ``reference`` together; it is recorded either way. To compare
    hypervolumes across methods, pass them all the same ``hv_reference`` (e.g.
    ``default_reference_point(*all_results)``).
    """
    notes: list[str] = []
    n_feasible = int(sum(p.feasible for p in result.points))
    parameter_name = PARAMETER_KEYS[result.objective]
    per_point: dict[str, list[float | None]] = {
        parameter_name: _json_list(result.parameters),
        "return": _json_list(result.returns),
        "variance": _json_list(result.variances),
    }

    gap = None
    if reference is None:
        notes.append("no reference frontier: no gap")
    elif result.objective != "target-return":
        notes.append(f"a {result.objective} frontier has no target returns: no gap to the reference")
    else:
        summary, gaps = gap_to_reference(result, reference)
        gap = summary.to_dict()
        per_point["gap_pct"] = _json_list(gaps)

    chang = None
    if uef is None:
        notes.append("no unconstrained frontier: no Chang errors")
    else:
        errors = chang_errors(result, uef)
        chang = errors.to_dict()
        per_point["chang_error_pct"] = _json_list(errors.point_errors)

    volume = None
    if hv_reference is not None:
        point, rule = as_reference_point(hv_reference), "given"
    elif n_feasible:
        sources = [result] if reference is None else [result, reference]
        point = default_reference_point(*sources)
        of = "the frontier" if reference is None else "the frontier and the reference"
        rule = f"default: worst variance and return of {of} pushed out by {DEFAULT_MARGIN:.0%} of their spans"
    else:
        point, rule = None, ""
        notes.append("no feasible point and no reference point: no hypervolume")
    if point is not None:
        volume = {"value": hypervolume(result, point), "reference_point": point.to_dict(),
                  "reference_point_rule": rule, "plane": PLANE}

    return {"method": result.method, "objective": result.objective,
            "n_points": len(result.points), "n_feasible": n_feasible,
            "gap_to_reference": gap, "chang": chang, "hypervolume": volume,
            "per_point": per_point, "notes": notes}


def _json_list(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]
