"""Turn the frontier-like inputs the metrics accept into plain numpy arrays.

Every metric takes a frontier in whichever form its caller has at hand:
- a :class:`~geo.core.results.FrontierResult` (infeasible points have NaN variance/return);
- a ``pandas.DataFrame`` with a ``variance`` column and a ``target_return`` and/or ``return``
  column (a published reference, a ``Dataset.published_uef``, ``reference_from_results``);
- a pair of arrays ``(returns_or_targets, variances)``.

On a target-return frontier the target and the realised return are the same number (up to
the solver's tolerance), so a frame with only one of the two columns serves for both.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.core.errors import GeoError
from geo.core.results import FrontierResult

FrontierLike = Any  # FrontierResult | pandas.DataFrame | tuple[array, array]


def targets_and_variances(frontier: FrontierLike) -> tuple[np.ndarray, np.ndarray]:
    """Target returns and variances (NaN = infeasible) of a target-return frontier."""
    if isinstance(frontier, FrontierResult):
        if frontier.objective != "target-return":
            raise GeoError(
                f"the {frontier.method!r} results are a {frontier.objective} frontier, "
                "which has no target returns to match a reference at",
                "compare a frontier computed over target returns (the default of 'geo frontier')")
        return frontier.parameters.astype(float), frontier.variances.astype(float)
    return _columns(frontier, ("target_return", "return"))


def returns_and_variances(frontier: FrontierLike) -> tuple[np.ndarray, np.ndarray]:
    """Realised returns and variances (NaN = infeasible) of any frontier."""
    if isinstance(frontier, FrontierResult):
        return frontier.returns.astype(float), frontier.variances.astype(float)
    return _columns(frontier, ("return", "target_return"))


def _columns(frontier: Any, return_columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(frontier, pd.DataFrame):
        name = next((c for c in return_columns if c in frontier.columns), None)
        if name is None or "variance" not in frontier.columns:
            raise GeoError(
                f"a frontier table needs a 'variance' column and one of {list(return_columns)}; "
                f"this one has {list(frontier.columns)}",
                "rename the columns, or pass a FrontierResult")
        returns, variances = frontier[name].to_numpy(), frontier["variance"].to_numpy()
    elif isinstance(frontier, (tuple, list)) and len(frontier) == 2:
        returns, variances = frontier
    else:
        raise GeoError(
            f"cannot read a frontier from a {type(frontier).__name__}",
            "pass a FrontierResult, a DataFrame with return and variance columns, "
            "or a pair of arrays (returns, variances)")
    try:
        returns = np.asarray(returns, dtype=float).ravel()
        variances = np.asarray(variances, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise GeoError(f"a frontier's returns and variances must be numbers ({exc})",
                       "check the frontier's data") from None
    if returns.shape != variances.shape:
        raise GeoError(f"a frontier has {returns.size} returns but {variances.size} variances",
                       "give one variance per return")
    return returns, variances
