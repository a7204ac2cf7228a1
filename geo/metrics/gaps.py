"""Gap of a frontier to a reference frontier at the same target returns (DESIGN.md, "Metrics").

Per point: ``gap = 100 * (v - v_ref) / v_ref`` in percent, where ``v_ref`` is the reference's
variance at the same target. Positive = worse than the reference.

Matching targets: the published targets are printed to 7..9 decimals and ours come from our
own grid, so targets match when ``|t - t_ref| <= rel_tol * max(1, |t|) + abs_tol`` (defaults
1e-6 and 1e-9: about 1e-6 absolute for weekly/daily returns, far below the grid spacing), and
the nearest reference target within that tolerance is used.

Each frontier point falls in exactly one of:
- compared: both feasible, a gap is computed;
- missing: we are infeasible where the reference is feasible: a failure of the method;
- reference_infeasible: we are feasible where the reference is not (counted, not compared:
  usually a different constraint set, or the reference's solver gave up);
- both_infeasible: ignored;
- unmatched: no reference target within tolerance.

"Within 0.05%": a compared point with ``gap <= 0.05`` counts. A negative gap (better than the
reference) counts as within: the published variances carry only ~5 significant digits, so an
exact solver lands a little below them at some points.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from geo.core.errors import GeoError
from geo.metrics.frontier_arrays import FrontierLike, targets_and_variances

DEFAULT_WITHIN_PCT = 0.05
DEFAULT_REL_TOL = 1e-6
DEFAULT_ABS_TOL = 1e-9


@dataclass(frozen=True)
class GapSummary:
    """Summary of the per-point gaps in percent; statistics are NaN when nothing was compared."""

    mean: float
    median: float
    max: float
    min: float
    share_within: float  # fraction (0..1) of compared points with gap <= within_pct
    within_pct: float
    n_compared: int
    n_missing: int
    n_reference_infeasible: int
    n_both_infeasible: int
    n_unmatched: int

    def to_dict(self) -> dict[str, float | int | None]:
        """JSON-ready: NaN becomes None."""
        return {key: (None if isinstance(value, float) and not math.isfinite(value) else value)
                for key, value in asdict(self).items()}


def match_targets(targets: np.ndarray, reference_targets: np.ndarray,
                  rel_tol: float = DEFAULT_REL_TOL, abs_tol: float = DEFAULT_ABS_TOL) -> np.ndarray:
    """For each target, the index of the nearest reference target within tolerance, else -1."""
    targets = np.asarray(targets, dtype=float)
    reference_targets = np.asarray(reference_targets, dtype=float)
    matches = np.full(targets.shape, -1, dtype=int)
    # Only finite reference targets can be matched (a NaN would poison the nearest search).
    finite = np.flatnonzero(np.isfinite(reference_targets))
    if finite.size == 0:
        return matches
    order = finite[np.argsort(reference_targets[finite], kind="stable")]
    ordered = reference_targets[order]
    # The nearest reference target is one of the two neighbours of the insertion position.
    right = np.clip(np.searchsorted(ordered, targets), 0, ordered.size - 1)
    left = np.clip(right - 1, 0, ordered.size - 1)
    nearest = np.where(np.abs(ordered[left] - targets) <= np.abs(ordered[right] - targets), left, right)
    distance = np.abs(ordered[nearest] - targets)
    tolerance = rel_tol * np.maximum(1.0, np.abs(targets)) + abs_tol
    hit = np.isfinite(targets) & (distance <= tolerance)
    matches[hit] = order[nearest[hit]]
    return matches


def gap_to_reference(frontier: FrontierLike, reference: FrontierLike, *,
                     within_pct: float = DEFAULT_WITHIN_PCT, rel_tol: float = DEFAULT_REL_TOL,
                     abs_tol: float = DEFAULT_ABS_TOL) -> tuple[GapSummary, np.ndarray]:
    """Gaps of ``frontier`` to ``reference`` in percent.

    Returns the summary and the per-point gaps, aligned with the frontier's points (NaN where
    the point was not compared).
    """
    targets, variances = targets_and_variances(frontier)
    ref_targets, ref_variances = targets_and_variances(reference)
    bad = np.isfinite(ref_variances) & (ref_variances <= 0)
    if bad.any():
        raise GeoError(f"the reference frontier has {int(bad.sum())} non-positive variances, "
                       "so a relative gap to it is undefined",
                       "check the reference (a variance must be positive)")

    matches = match_targets(targets, ref_targets, rel_tol, abs_tol)
    matched = matches >= 0
    ref_at = np.full(targets.shape, np.nan)
    ref_at[matched] = ref_variances[matches[matched]]
    ours_ok = np.isfinite(variances)
    ref_ok = np.isfinite(ref_at)

    compared = matched & ours_ok & ref_ok
    gaps = np.full(targets.shape, np.nan)
    gaps[compared] = 100.0 * (variances[compared] - ref_at[compared]) / ref_at[compared]

    values = gaps[compared]
    any_compared = values.size > 0
    summary = GapSummary(
        mean=float(values.mean()) if any_compared else math.nan,
        median=float(np.median(values)) if any_compared else math.nan,
        max=float(values.max()) if any_compared else math.nan,
        min=float(values.min()) if any_compared else math.nan,
        share_within=float(np.mean(values <= within_pct)) if any_compared else math.nan,
        within_pct=float(within_pct),
        n_compared=int(compared.sum()),
        n_missing=int((matched & ~ours_ok & ref_ok).sum()),
        n_reference_infeasible=int((matched & ours_ok & ~ref_ok).sum()),
        n_both_infeasible=int((matched & ~ours_ok & ~ref_ok).sum()),
        n_unmatched=int((~matched).sum()),
    )
    return summary, gaps
