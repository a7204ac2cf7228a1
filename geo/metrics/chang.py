"""Chang, Meade, Beasley & Sharaiha (2000) errors of a frontier against the unconstrained one.

For a frontier point with return r* and variance v*, with the UEF linearly interpolated:
- variance error ``e_v = 100 (v* - v_uef(r*)) / v_uef(r*)``: how much more risk than the UEF
  needs for the same return;
- return error ``e_r = 100 (r_uef(v*) - r*) / r_uef(v*)``: how much less return than the UEF
  earns for the same risk;
- point error ``min(e_v, e_r)``; MPE is its mean and MdPE its median over the frontier's
  feasible points.

Interpolation (the same piecewise-linear rule for both directions):
- ``v_uef(r)`` interpolates variance against return over all the UEF's points (sorted by
  return; for a repeated return the lowest variance). A frontier that includes the
  inefficient branch below the minimum-variance portfolio is fine here: at each return the
  UEF's variance is the minimum one.
- ``r_uef(v)`` must be the efficient (upper) branch, the MAX return at variance v, or a
  variance would map to two returns. It interpolates return against variance over the UEF's
  non-dominated points (no other point has lower-or-equal variance and higher return), i.e.
  the points at or above the minimum-variance return, cleaned of rounding noise.

Outside the interpolation range an error is undefined rather than extrapolated:
- r* outside the UEF's returns: only e_r is used;
- v* outside the efficient branch's variances (e.g. a cardinality-constrained point riskier
  than the UEF's riskiest point, or a hair below the UEF's printed minimum variance): only
  e_v is used;
- ``r_uef(v*) <= 0``: e_r's denominator has no meaningful sign, only e_v is used;
- neither defined: the point is left out of MPE/MdPE and counted in ``n_undefined``.
Errors are not clipped at zero: a slightly negative error means the point is at the UEF to
within the rounding of the published UEF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from geo.core.errors import GeoError
from geo.metrics.frontier_arrays import FrontierLike, returns_and_variances


@dataclass(frozen=True, eq=False)
class ChangErrors:
    """MPE/MdPE in percent plus the per-point errors, aligned with the frontier's points.

    Per-point arrays are NaN for infeasible points and where an error is undefined.
    """

    mpe: float
    mdpe: float
    n_points: int  # feasible points with a defined point error
    n_undefined: int  # feasible points where neither e_v nor e_r is defined
    n_variance_error_only: int  # e_r undefined (v* outside the UEF's variance range)
    n_return_error_only: int  # e_v undefined (r* outside the UEF's return range)
    variance_errors: np.ndarray = field(repr=False)
    return_errors: np.ndarray = field(repr=False)
    point_errors: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, float | int | None]:
        """The summary, JSON-ready (NaN becomes None); per-point arrays are left out."""
        return {"mpe": _finite_or_none(self.mpe), "mdpe": _finite_or_none(self.mdpe),
                "n_points": self.n_points, "n_undefined": self.n_undefined,
                "n_variance_error_only": self.n_variance_error_only,
                "n_return_error_only": self.n_return_error_only}


def chang_errors(frontier: FrontierLike, uef: FrontierLike) -> ChangErrors:
    """Chang et al. errors of ``frontier``'s feasible points against the UEF ``uef``.

    ``uef``: a DataFrame with ``return`` (or ``target_return``) and ``variance`` columns (e.g.
    ``Dataset.published_uef``) or a pair of arrays ``(returns, variances)``.
    """
    returns, variances = returns_and_variances(frontier)
    uef_returns, uef_variances = returns_and_variances(uef)
    keep = np.isfinite(uef_returns) & np.isfinite(uef_variances)
    uef_returns, uef_variances = uef_returns[keep], uef_variances[keep]
    if uef_returns.size < 2:
        raise GeoError(f"the unconstrained frontier has {uef_returns.size} usable points, "
                       "too few to interpolate", "give a UEF of at least two points")

    feasible = np.isfinite(returns) & np.isfinite(variances)
    v_uef = variance_at_return(uef_returns, uef_variances, np.where(feasible, returns, np.nan))
    r_uef = efficient_return_at_variance(uef_returns, uef_variances, np.where(feasible, variances, np.nan))

    with np.errstate(invalid="ignore", divide="ignore"):
        e_v = np.where(v_uef > 0, 100.0 * (variances - v_uef) / v_uef, np.nan)
        e_r = np.where(r_uef > 0, 100.0 * (r_uef - returns) / r_uef, np.nan)
    has_v, has_r = np.isfinite(e_v), np.isfinite(e_r)
    point = np.where(has_v & has_r, np.fmin(e_v, e_r), np.where(has_v, e_v, e_r))

    defined = feasible & np.isfinite(point)
    values = point[defined]
    return ChangErrors(
        mpe=float(values.mean()) if values.size else math.nan,
        mdpe=float(np.median(values)) if values.size else math.nan,
        n_points=int(defined.sum()),
        n_undefined=int((feasible & ~defined).sum()),
        n_variance_error_only=int((feasible & has_v & ~has_r).sum()),
        n_return_error_only=int((feasible & ~has_v & has_r).sum()),
        variance_errors=e_v, return_errors=e_r, point_errors=point)


def variance_at_return(uef_returns: np.ndarray, uef_variances: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``v_uef(r)``: the UEF's variance linearly interpolated at returns ``at`` (NaN outside)."""
    order = np.lexsort((uef_variances, uef_returns))  # by return, then lowest variance first
    r, v = uef_returns[order], uef_variances[order]
    first = np.r_[True, r[1:] != r[:-1]]  # the lowest variance of each repeated return
    return _interp_inside(np.asarray(at, dtype=float), r[first], v[first])


def efficient_return_at_variance(uef_returns: np.ndarray, uef_variances: np.ndarray,
                                 at: np.ndarray) -> np.ndarray:
    """``r_uef(v)``: the max UEF return at variance ``at``, interpolated on the efficient branch."""
    order = np.lexsort((-uef_returns, uef_variances))  # by variance, then highest return first
    v, r = uef_variances[order], uef_returns[order]
    # Non-dominated: a strictly higher return than every point of lower or equal variance.
    best_before = np.r_[-np.inf, np.maximum.accumulate(r)[:-1]]
    efficient = r > best_before
    return _interp_inside(np.asarray(at, dtype=float), v[efficient], r[efficient])


def _interp_inside(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """np.interp, but NaN outside [xp[0], xp[-1]] (and for NaN x) instead of clamping."""
    values = np.interp(x, xp, fp)
    inside = np.isfinite(x) & (x >= xp[0]) & (x <= xp[-1])
    return np.where(inside, values, np.nan)


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
