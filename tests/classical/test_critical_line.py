"""The unconstrained frontier by the critical line against cold DAQP solves of the whole universe."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.classical.critical_line import NOT_SETTLED, critical_line_frontier
from geo.classical.unconstrained import solve_unconstrained
from geo.problem import ObjectiveGrid, Problem
from geo.problem.selection_qp import SelectionQP, return_bounds, solve_bounded

SETTINGS = dict(derandomize=True, database=None, deadline=None)
# 1e-6: nearly singular, where the walk may leave a corner to Clarabel; the others must all settle.
IDIOSYNCRATIC = [1e-6, 0.05, 0.5]


def cost(problem: Problem, kind: str, value: float, weights: np.ndarray) -> float:
    variance = float(weights @ problem.cov @ weights)
    return variance if kind == "target-return" else value * variance - (1 - value) * float(problem.mu @ weights)


def daqp_cost(problem: Problem, kind: str, value: float) -> float:
    """The cold reference: DAQP on the whole universe (0 <= w <= w_max), as the pricing tests use."""
    weights = solve_bounded(SelectionQP(problem.cov, problem.mu, kind, 0.0, problem.w_max), value)
    return np.inf if weights is None else cost(problem, kind, value, weights)


@st.composite
def universes(draw):
    n = draw(st.integers(3, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    factor = rng.normal(size=(n, draw(st.integers(1, n))))
    cov = 1e-3 * (factor @ factor.T / factor.shape[1] + draw(st.sampled_from(IDIOSYNCRATIC)) * np.eye(n))
    w_max = draw(st.sampled_from([1.0, 0.5, 1.5 / n, 1.0 / n + 1e-3]))
    return Problem(mu=rng.normal(0.002, 0.003, n), cov=cov, k=n, cardinality="at-most", w_max=min(w_max, 1.0))


def check(problem: Problem, kind: str, values: np.ndarray, rtol: float = 1e-9) -> int:
    """Every settled point equals DAQP's; returns how many the walk left unsettled (those go to
    Clarabel in :func:`solve_unconstrained`)."""
    answers = critical_line_frontier(problem, ObjectiveGrid(kind, values))
    unsettled = 0
    for value, weights in zip(values, answers):
        if isinstance(weights, str):
            unsettled += 1
            continue
        reference = daqp_cost(problem, kind, float(value))
        if weights is None:
            assert not np.isfinite(reference)
            continue
        assert abs(weights.sum() - 1) < 1e-10 and weights.min() >= 0 and weights.max() <= problem.w_max + 1e-12
        if kind == "target-return":
            assert abs(problem.mu @ weights - value) <= 1e-10 * (1 + abs(value))
        ours = cost(problem, kind, float(value), weights)
        assert abs(ours - reference) <= rtol * abs(reference) + 1e-15, (ours, reference)
    return unsettled


def degenerate(problem: Problem) -> bool:
    """Where the walk may leave points to Clarabel: a nearly singular covariance, or bounds that
    leave a sliver of portfolios (N w_max < 1.05: corners where several
    weights swap at once)."""
    return np.linalg.cond(problem.cov) > 1e5 or problem.n_assets * problem.w_max < 1.05


@settings(max_examples=25, **SETTINGS)
@given(universes())
def test_target_return_frontier_equals_cold_daqp(problem):
    low, high = (float(v[0]) for v in return_bounds(problem.mu[None], 0.0, problem.w_max))
    unsettled = check(problem, "target-return", np.linspace(low, high, 9))
    assert unsettled == 0 or degenerate(problem)


@settings(max_examples=15, **SETTINGS)
@given(universes())
def test_risk_aversion_frontier_equals_cold_daqp(problem):
    unsettled = check(problem, "risk-aversion", np.array([0.05, 0.2, 0.5, 0.8, 1.0]))
    assert unsettled == 0 or degenerate(problem)


def test_an_injected_error_is_caught(monkeypatch):
    import geo.classical.critical_line as critical_line

    rng = np.random.default_rng(3)
    factor = rng.normal(size=(8, 4))
    problem = Problem(mu=rng.normal(0.002, 0.003, 8), cov=1e-3 * (factor @ factor.T / 4 + 0.1 * np.eye(8)), k=8,
                      w_max=0.3)
    low, high = (float(v[0]) for v in return_bounds(problem.mu[None], 0.0, problem.w_max))
    values = np.linspace(low, high, 7)[1:-1]
    assert check(problem, "target-return", values) == 0
    original = critical_line.walk_selection

    def off_by_1e_6(*args):
        original(*args)
        args[-1][:] *= 1 + 1e-6  # the weights written

    monkeypatch.setattr(critical_line, "walk_selection", off_by_1e_6)
    with pytest.raises(AssertionError):
        check(problem, "target-return", values)


def test_sector_caps_fall_back_to_clarabel(port1):
    from geo.problem.sector_caps import SectorCaps

    problem = Problem.from_dataset(port1, 10)
    caps = SectorCaps.build(problem.tickers, {t: f"s{i % 3}" for i, t in enumerate(problem.tickers)}, cap=0.4)
    capped = Problem(mu=problem.mu, cov=problem.cov, k=10, sector_caps=caps)
    grid = ObjectiveGrid.target_returns(np.linspace(problem.mu.min(), problem.mu.max(), 5)[1:-1])
    assert critical_line_frontier(capped, grid) is None
    points, solver = solve_unconstrained(capped, grid)
    assert solver.startswith("critical-line, CLARABEL at 3 of 3")
    assert all(p.status in ("optimal", "infeasible") for p in points)
    assert NOT_SETTLED == "not settled"
