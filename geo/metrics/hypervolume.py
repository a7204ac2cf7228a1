"""Hypervolume of a frontier in the (variance, -return) plane, both minimised.

The hypervolume is the area dominated by the frontier's points and bounded by a reference
point (worse in both coordinates than the points that count): bigger is better. It rewards
both closeness to the true frontier and coverage of it, and needs no reference frontier, but
its value depends on the reference point: compare hypervolumes only when computed against
the SAME reference point, which is why every result records it.

Reference points are given in natural units, ``ReferencePoint(variance, expected_return)``,
i.e. the point ``(variance, -expected_return)`` of the minimisation plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.core.errors import GeoError
from geo.metrics.frontier_arrays import FrontierLike, returns_and_variances

PLANE = "(variance, -return), both minimised"
# Default reference point margin: 5% of each coordinate's span beyond the worst value.
DEFAULT_MARGIN = 0.05


@dataclass(frozen=True)
class ReferencePoint:
    """Hypervolume reference point: the worst variance and the worst (lowest) return counted."""

    variance: float
    expected_return: float

    def to_dict(self) -> dict[str, Any]:
        return {"variance": self.variance, "return": self.expected_return, "plane": PLANE}


def hypervolume(frontier: FrontierLike, reference_point: ReferencePoint | tuple[float, float]) -> float:
    """Exact area dominated by ``frontier``'s feasible points and bounded by ``reference_point``.

    ``reference_point`` is a :class:`ReferencePoint` or a pair ``(variance, return)`` in
    natural units (NOT negated). Dominated points add nothing; points not strictly better
    than the reference in both coordinates contribute nothing.
    """
    ref = as_reference_point(reference_point)
    returns, variances = returns_and_variances(frontier)
    x, y = variances, -returns  # both minimised
    ref_x, ref_y = ref.variance, -ref.expected_return
    inside = np.isfinite(x) & np.isfinite(y) & (x < ref_x) & (y < ref_y)
    x, y = x[inside], y[inside]
    # Sweep by increasing variance (ties: best return first). Each point that improves on
    # the best -return seen so far is non-dominated and adds the strip between its -return
    # and the previous best, from its variance to the reference variance.
    order = np.lexsort((y, x))
    area, best_y = 0.0, ref_y
    for xi, yi in zip(x[order], y[order]):
        if yi < best_y:
            area += (ref_x - xi) * (best_y - yi)
            best_y = yi
    return float(area)


def default_reference_point(*frontiers: FrontierLike, margin: float = DEFAULT_MARGIN) -> ReferencePoint:
    """A reference point just worse than every feasible point of all ``frontiers``.

    Rule: variance = max variance + margin * (variance span), return = min return - margin *
    (return span), over all frontiers' feasible points together (margin 5%). The margin lets
    the extreme points (the lowest-return one, the riskiest one) contribute a strip instead of
    lying on the boundary; spans rather than multiples of the values keep it scale-free and
    correct for negative returns. With a zero span, 5% of the value's magnitude is used
    (1 if that is zero too). Pass every frontier to be compared, so they share the point.
    """
    if not frontiers:
        raise GeoError("no frontier to take a hypervolume reference point from",
                       "pass at least one frontier")
    returns, variances = [], []
    for frontier in frontiers:
        r, v = returns_and_variances(frontier)
        ok = np.isfinite(r) & np.isfinite(v)
        returns.append(r[ok])
        variances.append(v[ok])
    r, v = np.concatenate(returns), np.concatenate(variances)
    if r.size == 0:
        raise GeoError("the frontiers have no feasible point to take a hypervolume reference point from",
                       "state the reference point explicitly")
    return ReferencePoint(variance=float(v.max() + _margin(v, margin)),
                          expected_return=float(r.min() - _margin(r, margin)))


def _margin(values: np.ndarray, margin: float) -> float:
    span = float(values.max() - values.min())
    if span > 0:
        return margin * span
    magnitude = float(np.abs(values).max())
    return margin * (magnitude if magnitude > 0 else 1.0)


def as_reference_point(point: ReferencePoint | tuple[float, float]) -> ReferencePoint:
    """A ReferencePoint from itself or from a pair (variance, return) in natural units."""
    if isinstance(point, ReferencePoint):
        result = point
    else:
        try:
            variance, expected_return = point
            result = ReferencePoint(float(variance), float(expected_return))
        except (TypeError, ValueError):
            raise GeoError(f"a hypervolume reference point must be (variance, return), not {point!r}",
                           "give two numbers") from None
    if not (math.isfinite(result.variance) and math.isfinite(result.expected_return)):
        raise GeoError(f"the hypervolume reference point {point!r} is not finite", "give finite numbers")
    return result
