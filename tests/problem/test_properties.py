"""Properties of the selection evaluator on random small problems (hypothesis, derandomized).

Problems: N in 4..9 assets, K in 1..N, mu ~ N(0.01, 0.02), covariance F F' + D from a random
factor F (N x m, m in 1..N) and an idiosyncratic diagonal D that may be zero (a singular
covariance), at a random overall scale (weekly-like 1e-4 to 1); bounds drawn so that K assets
can hold the budget (K * w_min <= 1 <= K * w_max), edges (w_min = 1/K, w_max = 1/K) included.

- the weights of a selection are feasible and meet the target return;
- a selection's cost never lies below the unconstrained frontier (UEF: all N assets,
  0 <= w <= w_max; w_min binds held assets only, so it has no convex UEF form) at that target,
  and equals the selection's own convex QP solved by cvxpy + Clarabel;
- in at-most mode the best cost over all selections never rises when K grows;
- costs do not depend on the order of the assets.

The risk-aversion edge cases (singular covariance, K * w_max = 1, lambda -> 0) have their own
regression tests at the end.
"""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.selection_qp import return_bounds

CLARABEL_TIGHT = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, tol_ktratio=1e-10)
SETTINGS = dict(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Relative to the covariance scale: far above rounding, far below any real difference.
RTOL = 1e-7


@st.composite
def problems(draw, n_min=4, n_max=9, cardinality=None, singular=True, edges=True):
    n = draw(st.integers(n_min, n_max))
    k = draw(st.integers(1, n))
    rank = draw(st.integers(1, n))
    idiosyncratic = draw(st.sampled_from([0.0, 0.01, 0.3] if singular else [0.01, 0.3]))
    scale = draw(st.sampled_from([1e-4, 1e-2, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, rank))
    cov = scale * (factor @ factor.T / rank + idiosyncratic * np.diag(rng.uniform(0.5, 1.5, n)))
    mu = rng.normal(0.01, 0.02, n)
    # w_max in [1/K, 1], w_min in [0, 1/K]: exactly K assets can always hold the budget.
    if edges:  # w_max = 1/K or w_min = 1/K: K equal weights are the only portfolio
        share_max = draw(st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0)))
        share_min = draw(st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0)))
    else:
        share_max = draw(st.one_of(st.just(1.0), st.floats(0.05, 1.0)))
        share_min = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.95)))
    w_max = 1 / k + share_max * (1 - 1 / k)
    w_min = share_min / k
    mode = cardinality or draw(st.sampled_from(["exact", "at-most"]))
    return Problem(mu=mu, cov=(cov + cov.T) / 2, k=k, cardinality=mode, w_min=w_min, w_max=w_max)


@st.composite
def problem_selection_target(draw):
    """A problem, one selection of an allowed size and a target inside its attainable range."""
    problem = draw(problems())
    size = draw(st.sampled_from(problem.feasible_sizes))
    index = draw(st.permutations(range(problem.n_assets)))[:size]
    selection = np.zeros(problem.n_assets, dtype=bool)
    selection[list(index)] = True
    low, high = (float(b[0]) for b in return_bounds(problem.mu[selection][None, :], problem.w_min, problem.w_max))
    where = draw(st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0)))
    return problem, selection, low + where * (high - low)


def scale_of(problem):
    return float(np.max(np.diag(problem.cov)))


def convex_qp(cov, mu, target, w_min, w_max):
    """min w' cov w  s.t. sum w = 1, mu' w = target, w_min <= w <= w_max (cvxpy + Clarabel)."""
    scale = float(np.max(np.diag(cov)))
    w = cp.Variable(len(mu))
    problem = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(cov / scale))),
                         [cp.sum(w) == 1, mu @ w == target, w >= w_min, w <= w_max])
    problem.solve(solver="CLARABEL", **CLARABEL_TIGHT)
    assert problem.status in ("optimal", "optimal_inaccurate"), problem.status
    return problem.value * scale


@settings(max_examples=150, **SETTINGS)
@given(problem_selection_target())
def test_weights_are_feasible_and_meet_the_target(case):
    problem, selection, target = case
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns([target]))
    solution = evaluator.solve(selection, 0)
    assert solution.feasible, (selection, target)
    weights = solution.weights
    held = weights[selection]
    tol = 1e-9
    assert abs(weights.sum() - 1) < tol
    assert np.all(weights[~selection] == 0)
    assert np.all(held >= problem.w_min - tol) and np.all(held <= problem.w_max + tol)
    assert np.count_nonzero(weights) <= problem.k
    assert problem.valid_size(int(selection.sum()))
    if problem.cardinality == "exact":
        assert selection.sum() == problem.k
    assert abs(problem.mu @ weights - target) <= tol * (1 + np.abs(problem.mu).max())
    variance = float(weights @ problem.cov @ weights)
    assert abs(solution.variance - variance) <= 1e-12 * scale_of(problem)
    # The memoised batch cost is the cost of these weights.
    cost = evaluator.costs(selection)[0, 0]
    assert abs(cost - variance) <= RTOL * scale_of(problem)


@settings(max_examples=80, **SETTINGS)
@given(problem_selection_target())
def test_cost_never_below_the_unconstrained_frontier(case):
    problem, selection, target = case
    cost = SelectionEvaluator(problem, ObjectiveGrid.target_returns([target])).costs(selection)[0, 0]
    assert np.isfinite(cost)
    tol = RTOL * scale_of(problem)
    uef = convex_qp(problem.cov, problem.mu, target, 0.0, problem.w_max)
    assert cost >= uef - tol
    # ... and the cost is exact: the selection's own convex QP gives the same value.
    index = np.flatnonzero(selection)
    own = convex_qp(problem.cov[np.ix_(index, index)], problem.mu[index], target, problem.w_min, problem.w_max)
    assert abs(cost - own) <= tol


def all_selections(n):
    return np.array([bits for bits in itertools.product([False, True], repeat=n) if any(bits)], dtype=bool)


@settings(max_examples=25, **SETTINGS)
@given(problems(n_max=8, cardinality="at-most"))
def test_at_most_optimum_never_rises_with_k(base):
    n = base.n_assets
    selections = all_selections(n)
    targets = np.linspace(base.mu.min(), base.mu.max(), 5)
    grids = [ObjectiveGrid.target_returns(targets), ObjectiveGrid.risk_aversions([0.0, 0.3, 0.7, 1.0])]
    smallest_k = int(np.ceil(1 / base.w_max - 1e-12))
    for grid in grids:
        previous = None
        for k in range(max(smallest_k, 1), n + 1):
            problem = Problem(mu=base.mu, cov=base.cov, k=k, cardinality="at-most", w_min=base.w_min, w_max=base.w_max)
            costs = SelectionEvaluator(problem, grid).costs(selections)
            sizes = selections.sum(axis=1)
            assert np.all(np.isinf(costs[sizes > k]))  # larger selections are not allowed
            best = costs.min(axis=0)
            if previous is not None:
                assert np.all(best <= previous + 1e-12 * scale_of(problem)), (k, best, previous)
            previous = best


@pytest.mark.parametrize("kind", ["target-return", "risk-aversion"])
@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_costs_invariant_to_permuting_assets(kind, data):
    problem = data.draw(problems())
    random = data.draw(st.randoms(use_true_random=False))
    n = problem.n_assets
    order = list(range(n))
    random.shuffle(order)
    order = np.array(order)
    permuted = Problem(mu=problem.mu[order], cov=problem.cov[np.ix_(order, order)], k=problem.k,
                       cardinality=problem.cardinality, w_min=problem.w_min, w_max=problem.w_max)
    rng = np.random.default_rng(random.getrandbits(32))
    sizes = rng.choice(problem.feasible_sizes, size=12)
    selections = np.zeros((12, n), dtype=bool)
    for row, size in enumerate(sizes):
        selections[row, rng.choice(n, size, replace=False)] = True
    if kind == "target-return":
        grid = ObjectiveGrid.target_returns(np.linspace(problem.mu.min(), problem.mu.max(), 6))
    else:
        grid = ObjectiveGrid.risk_aversions([0.0, 0.1, 0.5, 0.9, 1.0])
    ours = SelectionEvaluator(problem, grid).costs(selections)
    theirs = SelectionEvaluator(permuted, grid).costs(selections[:, order])
    assert np.array_equal(np.isinf(ours), np.isinf(theirs))
    finite = np.isfinite(ours)
    scale = scale_of(problem) + float(np.abs(problem.mu).max())
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-9, atol=RTOL * scale)


@settings(max_examples=100, **SETTINGS)
@given(problems(), st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0)),
       st.randoms(use_true_random=False))
def test_risk_aversion_weights_are_feasible(problem, lam, random):
    size = random.choice(problem.feasible_sizes)
    selection = np.zeros(problem.n_assets, dtype=bool)
    selection[random.sample(range(problem.n_assets), size)] = True
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.risk_aversions([lam]))
    solution = evaluator.solve(selection, 0)
    assert solution.feasible  # no return target: every allowed selection has weights
    weights, tol = solution.weights, 1e-9
    assert abs(weights.sum() - 1) < tol and np.all(weights[~selection] == 0)
    assert np.all(weights[selection] >= problem.w_min - tol) and np.all(weights[selection] <= problem.w_max + tol)
    cost = lam * weights @ problem.cov @ weights - (1 - lam) * problem.mu @ weights
    assert abs(evaluator.costs(selection)[0, 0] - cost) <= RTOL * (scale_of(problem) + np.abs(problem.mu).max())


MU4 = np.array([-0.0040747, -0.01530843, -0.00246549, 0.01082652])
FACTOR4 = np.array([1.0, -1.05, 5.09, 0.834])


def risk_aversion_costs_of_pairs(problem, lambdas):
    pairs = np.array([bits for bits in itertools.product([False, True], repeat=4) if sum(bits) == 2])
    return SelectionEvaluator(problem, ObjectiveGrid.risk_aversions(lambdas)).costs(pairs)


def test_risk_aversion_with_singular_covariance_is_never_infeasible():
    problem = Problem(mu=MU4, cov=1.5e-6 * np.outer(FACTOR4, FACTOR4), k=2)  # rank one
    assert np.all(np.isfinite(risk_aversion_costs_of_pairs(problem, [0.0, 0.1, 0.5, 0.9, 1.0])))


def test_risk_aversion_single_portfolio_edge_is_never_infeasible():
    cov = 1.5e-6 * np.outer(FACTOR4, FACTOR4) + np.diag([1.4e-6, 1.5e-6, 1.1e-6, 1.2e-6])  # positive definite
    problem = Problem(mu=MU4, cov=cov, k=2, w_max=0.5)
    assert np.all(np.isfinite(risk_aversion_costs_of_pairs(problem, [0.0, 0.004, 0.1, 0.5, 0.9, 1.0])))


def test_risk_aversion_cost_of_one_asset_is_exact_for_small_lambda():
    cov = 1.5e-6 * np.outer(FACTOR4, FACTOR4) + np.diag([1.4e-6, 1.5e-6, 1.1e-6, 1.2e-6])
    lambdas = np.array([1e-12, 1e-8, 1e-4])
    costs = SelectionEvaluator(Problem(mu=MU4, cov=cov, k=1), ObjectiveGrid.risk_aversions(lambdas)).costs(np.eye(4, dtype=bool))
    expected = lambdas[None, :] * np.diag(cov)[:, None] - (1 - lambdas[None, :]) * MU4[:, None]
    np.testing.assert_allclose(costs, expected, rtol=1e-9, atol=1e-15)
