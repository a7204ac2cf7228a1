"""The selection evaluator against cvxpy + Clarabel (tight tolerances) and its own invariants."""

import cvxpy as cp
import numpy as np
import pytest

from geo.classical.neighbourhood import random_selections
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

CLARABEL_TIGHT = dict(tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13, tol_ktratio=1e-11)


def cvxpy_costs(problem, selections, grid):
    """Reference costs from a parametrised cvxpy problem (scaled so tolerances bite)."""
    k = int(selections[0].sum())
    scale = float(np.mean(np.diag(problem.cov)))
    w = cp.Variable(k)
    sigma = cp.Parameter((k, k), PSD=True)
    mu = cp.Parameter(k)
    param = cp.Parameter()
    bounds = [cp.sum(w) == 1, w >= problem.w_min, w <= problem.w_max]
    if grid.kind == "target-return":
        qp = cp.Problem(cp.Minimize(cp.quad_form(w, sigma) / scale), [mu @ w == param, *bounds])
    else:
        lam = cp.Parameter(nonneg=True)
        qp = cp.Problem(cp.Minimize((lam * cp.quad_form(w, sigma) - (1 - lam) * mu @ w) / scale), bounds)
    out = np.full((len(selections), len(grid)), np.inf)
    for i, selection in enumerate(selections):
        idx = np.flatnonzero(selection)
        sigma.value = problem.cov[np.ix_(idx, idx)]
        mu.value = problem.mu[idx]
        for j, value in enumerate(grid.values):
            if grid.kind == "target-return":
                param.value = value
            else:
                lam.value = value
            qp.solve(solver="CLARABEL", **CLARABEL_TIGHT)
            if qp.status == "optimal":
                out[i, j] = qp.value * scale
            else:
                assert qp.status == "infeasible", qp.status
    return out


@pytest.mark.parametrize("bounds", [(0.0, 1.0), (0.02, 0.3)])
def test_matches_cvxpy_on_port4(port4, bounds):
    problem = Problem.from_dataset(port4, 10, w_min=bounds[0], w_max=bounds[1])
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 5))
    selections = random_selections(problem, 200, np.random.default_rng(11))
    ours = SelectionEvaluator(problem, grid).costs(selections)
    reference = cvxpy_costs(problem, selections, grid)
    assert np.array_equal(np.isfinite(ours), np.isfinite(reference))
    finite = np.isfinite(reference)
    assert finite.sum() > 50  # the comparison must exercise real solves
    assert np.max(np.abs(ours[finite] - reference[finite]) / reference[finite]) < 1e-7


@pytest.mark.filterwarnings("ignore:You are solving a parameterized problem that is not DPP")
def test_matches_cvxpy_on_sp500_sample_both_forms(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 5, w_min=0.05, w_max=0.6)
    selections = random_selections(problem, 200, np.random.default_rng(5))
    for grid in (ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 4)),
                 ObjectiveGrid.risk_aversions([0.0, 0.3, 0.9, 1.0])):
        ours = SelectionEvaluator(problem, grid).costs(selections)
        reference = cvxpy_costs(problem, selections, grid)
        assert np.array_equal(np.isfinite(ours), np.isfinite(reference))
        finite = np.isfinite(reference)
        rel = np.abs(ours[finite] - reference[finite]) / np.maximum(np.abs(reference[finite]), 1e-300)
        assert rel.max() < 1e-7


def test_memo_counts_each_pair_once_and_weights_are_feasible(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 4, w_min=0.05, w_max=0.5)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 6))
    evaluator = SelectionEvaluator(problem, grid)
    selections = random_selections(problem, 30, np.random.default_rng(0))
    first = evaluator.costs(selections, [1, 3])
    # every pair is either priced (an evaluation) or ruled out by a proven bound (screened)
    assert evaluator.n_evaluations + evaluator.n_screened == len(np.unique(selections, axis=0)) * 2
    spent = evaluator.n_evaluations
    again = evaluator.costs(selections[::-1], [1, 3])
    assert np.array_equal(first, again[::-1])
    assert evaluator.n_evaluations == spent
    full = evaluator.costs(selections)
    np.testing.assert_array_equal(full[:, [1, 3]], first)
    for i in range(len(selections)):
        for j in range(len(grid)):
            solution = evaluator.solve(selections[i], j)
            if not np.isfinite(full[i, j]):
                assert not solution.feasible
                continue
            w = solution.weights
            assert solution.cost == pytest.approx(full[i, j], rel=1e-9)
            assert w.sum() == pytest.approx(1.0, abs=1e-9)
            held = selections[i]
            assert np.all(w[~held] == 0)
            assert np.all(w[held] >= problem.w_min - 1e-9) and np.all(w[held] <= problem.w_max + 1e-9)
            assert problem.mu @ w == pytest.approx(grid.values[j], rel=1e-8, abs=1e-12)


def test_wrong_size_selections_are_infeasible(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 4)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 3))
    selection = np.zeros(problem.n_assets, dtype=bool)
    selection[:3] = True
    assert np.all(np.isinf(SelectionEvaluator(problem, grid).costs(selection)))


def _scanned_incumbents(evaluator):
    """Each column's cheapest priced row, found by scanning the whole memo (first row on a tie)."""
    _, costs = evaluator.known()
    costs = np.where(np.isnan(costs), np.inf, costs)
    rows = np.argmin(costs, axis=0)
    return rows, costs[rows, np.arange(costs.shape[1])]


def test_incumbents_kept_as_prices_are_written_equal_a_scan_of_the_memo(port4):
    from geo.classical.neighbourhood import all_neighbours

    problem = Problem.from_dataset(port4, 10, cardinality="at-most")
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 8))
    evaluator = SelectionEvaluator(problem, grid)
    rng = np.random.default_rng(5)
    selections = random_selections(problem, 60, rng)
    evaluator.costs(selections[:30], [0, 3, 7])
    evaluator.neighbourhood_costs(selections[30], all_neighbours(problem, selections[30]), 4,
                                  cutoff=float(evaluator.costs(selections[30], [4])[0, 0]))
    evaluator.costs(np.concatenate([selections[30:], selections[:5]]))  # duplicates: memo hits
    rows, costs = evaluator.best_known()
    scanned_rows, scanned_costs = _scanned_incumbents(evaluator)
    assert np.isfinite(costs).any()
    np.testing.assert_array_equal(costs, scanned_costs)
    np.testing.assert_array_equal(rows[np.isfinite(costs)], scanned_rows[np.isfinite(costs)])

    restored = SelectionEvaluator(problem, grid)
    restored.restore(evaluator.state())
    np.testing.assert_array_equal(restored.best_known()[1], costs)
    np.testing.assert_array_equal(restored.best_known()[0][np.isfinite(costs)], rows[np.isfinite(costs)])
