"""What every frontier method shares: the protocol, the deadline, turning selections into points.

A method receives the shared :class:`SelectionEvaluator` (problem + parameter grid + memo),
a seeded ``numpy.random.Generator``, an evaluation budget and a :class:`Deadline`, and returns
a :class:`MethodRun`. The CLI and the GEO loop compose methods through this protocol only.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence

import numpy as np

from geo.core.results import FrontierPoint

if TYPE_CHECKING:
    from geo.core.checkpoint import Checkpoint
from geo.problem.evaluator import SelectionEvaluator

# Weights at or below this are the QP's zero bound, not a position.
ZERO_WEIGHT = 1e-12

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each unit of work (a target, an iteration)."""


class Deadline:
    """Wall-clock limit shared by all the targets of one command (``--time-limit``)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def remaining(self) -> float:
        return math.inf if self.seconds is None else max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def share(self, parts_left: int) -> float | None:
        """A fair slice of the remaining time for one of ``parts_left`` pieces of work."""
        if self.seconds is None:
            return None
        return self.remaining() / max(1, parts_left)


@dataclass
class MethodRun:
    """A method's frontier points (one per parameter of the grid) and what it spent."""

    points: list[FrontierPoint]
    details: dict[str, Any] = field(default_factory=dict)


class FrontierMethod(Protocol):
    """``checkpoint``: where a long method saves its progress and resumes from (may be None);
    a method that finishes in seconds may ignore it and simply start again.

    ``honours_budget`` (default True when absent): the method spends at most ``budget``
    evaluations, and the evaluator enforces it. Methods that prove optimality (enumeration,
    exact) or price no selections set it False: a budget does not apply to them."""

    name: str

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: "Checkpoint | None" = None) -> MethodRun: ...


def point_from_selection(evaluator: SelectionEvaluator, selection: np.ndarray | None, column: int,
                         status: str = "heuristic", unsolved_status: str = "not_found",
                         **extras: Any) -> FrontierPoint:
    """The frontier point of the best selection found for one parameter.

    ``selection`` None means nothing feasible was found: ``unsolved_status`` says why
    ("not_found" by a heuristic, "infeasible" when proven, "time_limit" when time ran out).
    """
    parameter = float(evaluator.grid.values[column])
    if selection is None:
        return FrontierPoint(parameter=parameter, status=unsolved_status, extras=extras)
    solution = evaluator.solve(selection, column)
    if not solution.feasible:
        return FrontierPoint(parameter=parameter, status="infeasible", extras=extras)
    tickers = evaluator.problem.tickers
    # Assets the QP left at zero (possible with w_min = 0) are not holdings: leave them out.
    weights = {tickers[i]: float(solution.weights[i]) for i in np.flatnonzero(solution.weights > ZERO_WEIGHT)}
    return FrontierPoint(parameter=parameter, status=status, expected_return=solution.expected_return,
                         variance=solution.variance, weights=weights,
                         extras={**objective_extras(evaluator, solution), **extras})


def objective_extras(evaluator: SelectionEvaluator, solution) -> dict[str, Any]:
    """What a point says beside return and variance: its Sharpe ratio (per period) on the
    max-Sharpe objective; with holdings, the names it changes and the weight it trades."""
    extras: dict[str, Any] = {}
    if evaluator.grid.kind == "max-sharpe":
        extras["sharpe"] = -float(solution.cost)
    holdings = evaluator.problem.holdings
    if holdings is not None:
        extras["changes"] = int(holdings.changes(solution.weights > ZERO_WEIGHT)[0])
        extras["traded_weight"] = float(np.abs(solution.weights - holdings.weights).sum())
        if holdings.penalised:
            extras["turnover_penalty"] = holdings.penalty(solution.weights)
    return extras


def heuristic_points(evaluator: SelectionEvaluator, deadline: Deadline) -> list[FrontierPoint]:
    """Each target's point from the cheapest selection a heuristic priced there: work done for
    one target serves every other, and nothing priced is lost from the answer."""
    return best_known_points(evaluator, unsolved_status="time_limit" if deadline.expired() else "not_found")


def best_known_points(evaluator: SelectionEvaluator, status: str = "heuristic",
                      unsolved_status: str = "not_found") -> list[FrontierPoint]:
    """Each target's point from the cheapest selection the evaluator has priced there (no new
    pricing): nothing a method has ever seen is lost from its answer."""
    return [point_from_selection(evaluator, selection, column, status=status, unsolved_status=unsolved_status)
            for column, selection in enumerate(best_known_selections(evaluator))]


def best_known_selections(evaluator: SelectionEvaluator) -> list[np.ndarray | None]:
    """Per target, the cheapest selection priced there so far (None: nothing feasible)."""
    rows, costs = evaluator.best_known()
    return [evaluator.selection_at(row) if np.isfinite(cost) else None for row, cost in zip(rows, costs)]


def best_selections_per_column(evaluator: SelectionEvaluator, candidates: np.ndarray,
                               columns: Sequence[int] | None = None) -> list[np.ndarray | None]:
    """For each parameter column, the cheapest feasible selection among ``candidates``."""
    cols = np.arange(len(evaluator.grid)) if columns is None else np.asarray(columns)
    if len(candidates) == 0:
        return [None] * len(cols)
    table = evaluator.costs(candidates, cols)
    best = np.argmin(table, axis=0)
    return [candidates[b].copy() if np.isfinite(table[b, j]) else None for j, b in enumerate(best)]
