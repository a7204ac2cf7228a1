"""Where the frontier is evaluated: evenly spaced target returns, or a user's list."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geo.core.errors import GeoError
from geo.problem.problem import Problem
from geo.problem.selection_qp import SelectionQP, solve_bounded


def min_variance_return(problem: Problem) -> float:
    """Return of the long-only minimum-variance portfolio over the whole universe.

    The unconstrained frontier starts there; below it no efficient portfolio lives, so it
    is the low end of ``--points``. Held-asset minimums (w_min) have no convex form without
    cardinality, so this uses ``0 <= w <= w_max``.
    """
    qp = SelectionQP(problem.cov, problem.mu, "risk-aversion", 0.0, max(problem.w_max, 1.0 / problem.n_assets))
    weights = solve_bounded(qp, 1.0)
    if weights is None:
        raise GeoError("the minimum-variance portfolio could not be computed", "check the covariance matrix")
    return float(problem.mu @ weights)


def evenly_spaced_targets(problem: Problem, n_points: int) -> np.ndarray:
    """``n_points`` targets from the minimum-variance return to the highest attainable return."""
    if n_points < 1:
        raise GeoError(f"--points must be at least 1 (got {n_points})", "use for example --points 20")
    low_attainable, high = problem.return_range()
    low = min(max(min_variance_return(problem), low_attainable), high)
    if n_points == 1:
        return np.array([(low + high) / 2])
    return np.linspace(low, high, n_points)


def read_targets_file(path: str | Path) -> np.ndarray:
    """Target returns from a text file: one number per line; blank lines and ``#`` comments skipped."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        raise GeoError(f"targets file {path} does not exist", "check the path given to --targets") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GeoError(f"cannot read targets file {path} ({exc})", "give a text file with one number per line") from None
    values = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            values.append(float(text.split(",")[0].split()[0]))
        except ValueError:
            raise GeoError(f"{path}:{number}: {line.strip()!r} is not a number",
                           "write one target return per line") from None
    if not values or not np.all(np.isfinite(values)):
        raise GeoError(f"targets file {path} holds no finite target returns", "write one target return per line")
    return np.array(values)
