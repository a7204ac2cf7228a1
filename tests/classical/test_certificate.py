"""Certified lower bounds never exceed the optimum: enumeration on random small problems, SCIP on port1.

Each bound is checked against the enumerated optimum (every selection priced), over random
problems drawn by hypothesis: both objective forms, both cardinality modes, weight bounds,
sector caps. The same check must catch a bound made too high (injected errors below).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.classical import certificate as certificate_module
from geo.classical.bounds import PerspectiveRelaxation, ProductRelaxation
from geo.classical.certificate import LagrangianCertificate, certified_bound, lagrangian_cut
from geo.classical.enumeration import all_selections
from geo.classical.sdp_diagonal import sdp_diagonal
from geo.classical.unconstrained import ScaledMoments
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.sector_caps import SectorCaps, sector_cap_rows

# The enumerated optimum is itself a float computation: a bound may meet it to this relative
# rounding, never exceed it by more.
ROUNDING = 1e-12


def random_problem(seed: int, n: int, k: int, cardinality: str, w_min: float, w_max: float,
                   caps: bool = False) -> Problem:
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(n, 2)) * rng.uniform(0.005, 0.03)
    cov = loadings @ loadings.T + np.diag(rng.uniform(1e-4, 1e-3, n))
    mu = rng.normal(0.002, 0.002, n)
    sector_caps = None
    if caps:
        sector_caps = SectorCaps(sector_of=np.arange(n) % 2, caps=np.array([0.7, 1.0]), names=("a", "b"))
    return Problem(mu, cov, k, cardinality=cardinality, w_min=w_min, w_max=w_max, sector_caps=sector_caps)


def grid_of(problem: Problem, kind: str, fractions) -> ObjectiveGrid:
    if kind == "risk-aversion":
        return ObjectiveGrid.risk_aversions(fractions)
    low, high = problem.return_range()
    return ObjectiveGrid.target_returns(low + np.asarray(fractions) * (high - low))


def enumerated_optimum(problem: Problem, grid: ObjectiveGrid) -> np.ndarray:
    return SelectionEvaluator(problem, grid).costs(np.concatenate(list(all_selections(problem)))).min(axis=0)


def bound_violations(problem: Problem, grid: ObjectiveGrid, bounds) -> list[tuple[float, float, float]]:
    """(value, bound, optimum) wherever a bound exceeds the enumerated optimum."""
    optimum = enumerated_optimum(problem, grid)
    return [(float(value), bound, best) for value, bound, best in zip(grid.values, bounds, optimum)
            if np.isfinite(best) and bound is not None and bound > best + ROUNDING * abs(best)]


def perspective_bounds(problem: Problem, grid: ObjectiveGrid) -> list[float | None]:
    relaxation = PerspectiveRelaxation(problem, grid.kind, sdp_diagonal(ScaledMoments.of(problem).cov).d)
    bounds = []
    for value in grid.values:
        found = relaxation.certificate(float(value))
        bounds.append(None if found is None else certified_bound(problem, grid.kind, float(value), found))
    return bounds


def product_bounds(problem: Problem, grid: ObjectiveGrid) -> list[float | None]:
    relaxation = ProductRelaxation(problem, grid.kind)
    bounds = []
    for value in grid.values:
        found = relaxation.certificate(float(value))
        bounds.append(None if found is None else certified_bound(problem, grid.kind, float(value), found))
    return bounds


problems = st.builds(
    lambda seed, n, k, cardinality, w_min, w_max, caps: (seed, n, min(k, n), cardinality, w_min, w_max, caps),
    st.integers(0, 10_000), st.integers(4, 7), st.integers(1, 3), st.sampled_from(["exact", "at-most"]),
    st.sampled_from([0.0, 0.05]), st.sampled_from([1.0, 0.6]), st.booleans())


def build(drawn) -> Problem | None:
    seed, n, k, cardinality, w_min, w_max, caps = drawn
    if k * w_max < 1:
        return None
    return random_problem(seed, n, k, cardinality, w_min, w_max, caps)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=problems, kind=st.sampled_from(["target-return", "risk-aversion"]))
def test_relaxation_bounds_never_exceed_the_enumerated_optimum(drawn, kind):
    problem = build(drawn)
    if problem is None:
        return
    grid = grid_of(problem, kind, [0.0, 0.1, 0.4, 0.7, 0.95] if kind == "risk-aversion" else [0.05, 0.3, 0.6, 0.9])
    assert bound_violations(problem, grid, perspective_bounds(problem, grid)) == []
    assert bound_violations(problem, grid, product_bounds(problem, grid)) == []


@settings(max_examples=40, deadline=None)
@given(drawn=problems, kind=st.sampled_from(["target-return", "risk-aversion"]), seed=st.integers(0, 10_000),
       size=st.floats(1e-3, 10.0))
def test_any_multipliers_give_a_valid_bound(drawn, kind, seed, size):
    """Weak duality: random multipliers, however poor, still bound the optimum from below."""
    problem = build(drawn)
    if problem is None:
        return
    grid = grid_of(problem, kind, [0.2, 0.5, 0.8])
    n, rng = problem.n_assets, np.random.default_rng(seed)
    scale = size * float(np.mean(np.diag(problem.cov)))
    products = np.abs(rng.normal(size=(n, n))) * scale
    certificate = LagrangianCertificate(
        v=rng.dirichlet(np.ones(n)), diagonal=rng.uniform(-1, 1, n) * scale, alpha=rng.normal() * scale,
        beta=rng.normal() * scale / 0.002, budget_products=rng.normal(size=n) * scale,
        target_products=rng.normal(size=n) * scale / 0.002, products=products + products.T,
        caps=np.abs(rng.normal(size=len(sector_cap_rows(problem)))) * scale)
    bounds = [certified_bound(problem, kind, float(v), certificate) for v in grid.values]
    assert bound_violations(problem, grid, bounds) == []


def test_the_bounds_are_tight_where_the_relaxation_is_exact():
    """K = N (no cardinality left): the perspective bound is the optimum, to rounding."""
    problem = random_problem(3, 5, 5, "at-most", 0.0, 1.0)
    grid = grid_of(problem, "target-return", [0.2, 0.5, 0.8])
    optimum = enumerated_optimum(problem, grid)
    bounds = np.array(perspective_bounds(problem, grid), dtype=float)
    assert np.all(bounds <= optimum * (1 + ROUNDING)) and np.all(bounds >= optimum * (1 - 1e-6))


# -- injected errors: the same check must fail ------------------------------------------------
INJECTION_PROBLEMS = [(seed, 6, 2, "at-most", 0.0, 1.0, False) for seed in range(4)]


def test_a_bound_made_too_high_is_caught():
    caught = 0
    for drawn in INJECTION_PROBLEMS:
        problem = build(drawn)
        grid = grid_of(problem, "target-return", [0.3, 0.6, 0.9])
        inflated = [None if b is None else b * 1.001 for b in perspective_bounds(problem, grid)]
        caught += bool(bound_violations(problem, grid, inflated))
    assert caught > 0


def test_a_certificate_without_its_psd_check_is_caught(monkeypatch):
    """A diagonal far too large, and an eigensolver that calls every matrix PSD (so d is never
    lowered, nor the indefiniteness paid for): the check fails."""
    cases = []
    for drawn in INJECTION_PROBLEMS:
        problem = build(drawn)
        grid = grid_of(problem, "target-return", [0.3, 0.6, 0.9])
        relaxation = PerspectiveRelaxation(problem, grid.kind, sdp_diagonal(ScaledMoments.of(problem).cov).d)
        found = [relaxation.certificate(float(value)) for value in grid.values]
        cases.append((problem, grid, [dataclasses.replace(f, diagonal=f.diagonal * 3) for f in found]))
    monkeypatch.setattr(certificate_module.np.linalg, "eigvalsh", lambda matrix: np.zeros(len(matrix)))
    caught = 0
    for problem, grid, certificates in cases:
        bounds = [lagrangian_cut(problem, grid.kind, float(v), c).bound() for v, c in zip(grid.values, certificates)]
        caught += bool(bound_violations(problem, grid, bounds))
    assert caught > 0


# -- port1 against SCIP's proven optimum -------------------------------------------------------
def test_bounds_at_or_below_scips_proven_optimum_on_port1(port1, shared_data):
    from geo.classical import ExactMethod
    from geo.methods import Deadline

    problem = Problem.from_dataset(port1, 10, cardinality="at-most", w_min=0.0, w_max=1.0)
    low, high = problem.return_range()
    grid = ObjectiveGrid.target_returns(low + np.array([0.15, 0.5, 0.85]) * (high - low))
    evaluator = SelectionEvaluator(problem, grid)
    # no time limit: a proof whatever the machine's load
    run = ExactMethod(point_time_limit=math.inf).solve(evaluator, np.random.default_rng(0), None, Deadline(None))
    assert [p.status for p in run.points] == ["optimal"] * 3
    proven = np.array([p.variance for p in run.points])
    for bounds in (perspective_bounds(problem, grid), product_bounds(problem, grid),
                   [p.extras["lower_bound"] for p in run.points]):
        assert np.all(np.array(bounds) <= proven), (bounds, proven)
    # SCIP's own bound, shaved, stays within its tolerance of what it proved.
    assert all(p.certified_gap < 1e-4 for p in run.points)


@pytest.mark.parametrize("kind", ["target-return", "risk-aversion"])
def test_the_cut_bounds_every_selection(kind):
    """The cut is a bound selection by selection: at each selection, at most its own cost."""
    problem = random_problem(11, 6, 3, "exact", 0.05, 1.0)
    grid = grid_of(problem, kind, [0.5])
    value = float(grid.values[0])
    relaxation = ProductRelaxation(problem, kind)
    cut = lagrangian_cut(problem, kind, value, relaxation.certificate(value))
    selections = np.concatenate(list(all_selections(problem)))
    costs = SelectionEvaluator(problem, grid).costs(selections)[:, 0]
    values = np.array([cut.value(s) for s in selections])
    finite = np.isfinite(costs)
    assert np.all(values[finite] <= costs[finite] + ROUNDING * np.abs(costs[finite]))
    assert cut.bound() <= values.min() + 1e-15
