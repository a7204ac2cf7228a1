"""Sector caps: the selection QP with cap rows against cvxpy, feasibility, and the input errors."""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.sector_caps import SectorCaps, capped_greedy, read_sector_caps_file

SECTORS = ["A", "A", "A", "B", "B", "C", "C", "C"]


def random_problem(seed: int, cap: float, k: int = 4, w_max: float = 1.0, caps: dict | None = None) -> Problem:
    rng = np.random.default_rng(seed)
    n = len(SECTORS)
    factor = rng.normal(size=(n, n))
    cov = factor @ factor.T / n + 0.05 * np.eye(n)
    mu = rng.normal(0.05, 0.03, size=n)
    tickers = [f"T{i}" for i in range(n)]
    caps = SectorCaps.build(tickers, dict(zip(tickers, SECTORS)), cap=cap, caps=caps)
    return Problem(mu=mu, cov=cov, k=k, w_max=w_max, tickers=tickers, sector_caps=caps)


def reference_cost(problem: Problem, selection: np.ndarray, kind: str, parameter: float) -> float:
    """The capped selection QP solved by cvxpy (Clarabel): inf when infeasible."""
    index = np.flatnonzero(selection)
    w = cp.Variable(len(index))
    cov, mu = problem.cov[np.ix_(index, index)], problem.mu[index]
    constraints = [cp.sum(w) == 1, w >= problem.w_min, w <= problem.w_max]
    sectors = problem.sector_caps.sector_of[index]
    constraints += [cp.sum(w[np.flatnonzero(sectors == s)]) <= problem.sector_caps.caps[s] for s in np.unique(sectors)]
    if kind == "target-return":
        objective = cp.quad_form(w, cov)
        constraints.append(mu @ w == parameter)
    else:
        objective = parameter * cp.quad_form(w, cov) - (1 - parameter) * mu @ w
    value = cp.Problem(cp.Minimize(objective), constraints).solve(solver=cp.CLARABEL)
    return float(value) if np.isfinite(value) else np.inf


@pytest.mark.parametrize("seed", [0, 1])
def test_capped_costs_match_cvxpy_and_caps_hold(seed):
    problem = random_problem(seed, cap=0.4)
    grids = [ObjectiveGrid.risk_aversions([0.2, 0.6, 1.0]),
             ObjectiveGrid.target_returns(np.linspace(problem.mu.min(), problem.mu.max(), 5)[1:-1])]
    seen = {"binding": 0, "infeasible": 0}
    for grid in grids:
        evaluator = SelectionEvaluator(problem, grid)
        combos = list(itertools.combinations(range(problem.n_assets), problem.k))
        # A random third of the 70 selections: enough to hit binding, slack and infeasible caps.
        picks = np.random.default_rng(seed).choice(len(combos), size=24, replace=False)
        for combo in (combos[i] for i in picks):
            selection = np.zeros(problem.n_assets, dtype=bool)
            selection[list(combo)] = True
            costs = evaluator.costs(selection)[0]
            for column, parameter in enumerate(grid.values):
                expected = reference_cost(problem, selection, grid.kind, parameter)
                if np.isinf(expected):
                    assert np.isinf(costs[column])
                    seen["infeasible"] += 1
                    continue
                assert costs[column] == pytest.approx(expected, rel=1e-5, abs=1e-7)
                weights = evaluator.solve(selection, column).weights
                totals = [weights[problem.sector_caps.sector_of == s].sum() for s in range(len(problem.sector_caps.caps))]
                assert all(t <= cap + 1e-9 for t, cap in zip(totals, problem.sector_caps.caps))
                seen["binding"] += any(abs(t - cap) < 1e-7 for t, cap in zip(totals, problem.sector_caps.caps))
    assert seen["binding"] > 0 and seen["infeasible"] > 0, seen


def test_binding_caps_change_the_cost_exactly():
    """A selection whose closed-form optimum breaks a cap is priced by the capped QP, not the formula."""
    capped = random_problem(3, cap=0.34)
    free = Problem(mu=capped.mu, cov=capped.cov, k=capped.k, tickers=capped.tickers)
    grid = ObjectiveGrid.risk_aversions([1.0])
    selection = capped.selection_from_tickers(["T0", "T1", "T3", "T5"])  # two of sector A
    loose = SelectionEvaluator(free, grid).solve(selection, 0)
    tight = SelectionEvaluator(capped, grid).solve(selection, 0)
    assert loose.weights[:3].sum() > 0.34  # the cap binds for this selection
    assert tight.weights[:3].sum() <= 0.34 + 1e-9
    assert tight.cost == pytest.approx(reference_cost(capped, selection, "risk-aversion", 1.0), rel=1e-7)
    assert tight.cost > loose.cost


def test_a_selection_that_cannot_meet_its_caps_is_infeasible():
    problem = random_problem(0, cap=0.6, k=3, w_max=0.4, caps={"A": 0.3})
    # Three assets of sector A can hold at most 0.3 in total: no weights sum to 1.
    selection = problem.selection_from_tickers(["T0", "T1", "T2"])
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.risk_aversions([0.5]))
    assert np.isinf(evaluator.costs(selection)[0, 0])
    assert not evaluator.solve(selection, 0).feasible


def test_greedy_allocation_is_the_lp_optimum():
    rng = np.random.default_rng(5)
    ids = np.array([0, 0, 1, 1, 2])
    caps = np.array([0.5, 0.35, 0.6])
    for _ in range(20):
        score = rng.normal(size=5)
        greedy = capped_greedy(score, ids, caps, 0.05, 0.3)
        w = cp.Variable(5)
        rows = [cp.sum(w[np.flatnonzero(ids == s)]) <= caps[s] for s in range(3)]
        best = cp.Problem(cp.Maximize(score @ w), [cp.sum(w) == 1, w >= 0.05, w <= 0.3, *rows]).solve()
        assert score @ greedy == pytest.approx(best, abs=1e-7)


def test_no_selection_can_meet_the_caps_is_one_clear_error():
    with pytest.raises(GeoError, match="no selection of 2 asset"):
        random_problem(0, cap=0.4, k=2, w_max=0.6)


@pytest.mark.parametrize("caps, fragment", [({"Z": 0.5}, "unknown sector"), ({"A": 0.1, "B": 0.1, "C": 0.1}, "sum to 0.3"),
                                            ({"A": 1.5}, "give caps in")])
def test_bad_caps_are_refused(caps, fragment):
    tickers = [f"T{i}" for i in range(len(SECTORS))]
    with pytest.raises(GeoError, match=fragment):
        SectorCaps.build(tickers, dict(zip(tickers, SECTORS)), caps=caps)


def test_tickers_without_a_sector_are_refused():
    with pytest.raises(GeoError, match="no sector known for 1 ticker"):
        SectorCaps.build(["T0", "T1"], {"T0": "A"}, cap=0.5)


def test_caps_file(tmp_path):
    good = tmp_path / "caps.csv"
    good.write_text("sector,cap\nA,0.3\nB,0.5\n")
    assert read_sector_caps_file(str(good)) == {"A": 0.3, "B": 0.5}
    bad = tmp_path / "bad.csv"
    bad.write_text("sector,cap\nA,lots\n")
    with pytest.raises(GeoError, match="not a number"):
        read_sector_caps_file(str(bad))
