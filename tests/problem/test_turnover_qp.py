"""The turnover-penalised selection QP against cvxpy (to 1e-8), and its lower bound.

DAQP's proximal-point iterations (the penalty's split variables make the Hessian singular) end
within about 1e-10 of the optimum, relative: exact enough to rank selections, not to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.holdings import Holdings
from geo.problem.sector_caps import SectorCaps

N = 9
TICKERS = [f"T{i}" for i in range(N)]
SECTORS = {t: s for t, s in zip(TICKERS, "AAABBBCCC")}


def problem(w_min: float = 0.0, w_max: float = 0.5, caps: bool = False, kappa: float = 4e-5, seed: int = 2):
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(150, N)) * 0.01
    mu, cov = rng.normal(0.0008, 0.0006, N), factors.T @ factors / 150
    book = {"T0": 0.3, "T1": 0.25, "T4": 0.25, "T7": 0.2}
    holdings = Holdings.build(TICKERS, book, turnover_penalty=kappa)
    sector_caps = SectorCaps.build(TICKERS, SECTORS, cap=0.6) if caps else None
    return Problem(mu, cov, k=4, w_min=w_min, w_max=w_max, tickers=TICKERS, holdings=holdings,
                   sector_caps=sector_caps)


def cvxpy_cost(problem: Problem, selection: np.ndarray, kind: str, parameter: float) -> float:
    """The penalised optimum of one selection, solved independently over the whole universe."""
    import cvxpy as cp

    w = cp.Variable(problem.n_assets)
    constraints = [cp.sum(w) == 1, w >= problem.w_min * selection, w <= problem.w_max * selection]
    if problem.sector_caps is not None:
        for s in range(len(problem.sector_caps.caps)):
            constraints.append(cp.sum(w[problem.sector_caps.sector_of == s]) <= problem.sector_caps.caps[s])
    penalty = problem.holdings.turnover_penalty * cp.norm1(w - problem.holdings.weights)
    if kind == "target-return":
        constraints.append(problem.mu @ w == parameter)
        objective = cp.quad_form(w, problem.cov) + penalty
    else:
        objective = parameter * cp.quad_form(w, problem.cov) - (1 - parameter) * (problem.mu @ w) + penalty
    task = cp.Problem(cp.Minimize(objective), constraints)
    task.solve(solver=cp.CLARABEL, tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13, max_iter=400)
    return float(task.value) if task.status == cp.OPTIMAL else np.inf


def selections(problem: Problem, count: int = 8) -> np.ndarray:
    rng = np.random.default_rng(5)
    out = np.zeros((count, N), bool)
    for row in out:
        row[rng.choice(N, problem.k, replace=False)] = True
    out[0] = False
    out[0][[0, 1, 4, 7]] = True  # the book itself
    return out


@pytest.mark.parametrize("settings", [{}, {"w_min": 0.05}, {"caps": True}, {"kappa": 1e-3}])
@pytest.mark.parametrize("kind", ["target-return", "risk-aversion"])
def test_penalised_costs_equal_cvxpy(settings, kind):
    problem_ = problem(**settings)
    stack = selections(problem_)
    if kind == "target-return":
        low, high = problem_.return_range()
        grid = ObjectiveGrid.target_returns(np.linspace(low + 0.3 * (high - low), high - 0.3 * (high - low), 3))
    else:
        grid = ObjectiveGrid.risk_aversions([0.0, 0.4, 1.0])
    evaluator = SelectionEvaluator(problem_, grid)
    table = evaluator.costs(stack)
    checked = 0
    for i, selection in enumerate(stack):
        for j, parameter in enumerate(grid.values):
            reference = cvxpy_cost(problem_, selection, kind, parameter)
            if not np.isfinite(reference):
                assert table[i, j] == np.inf
                continue
            scale = max(abs(reference), float(np.max(np.diag(problem_.cov))))
            assert abs(table[i, j] - reference) <= 1e-8 * scale, (i, j, table[i, j], reference)
            # a cold solve of the same pair (the batch warm-starts along the grid) agrees as closely
            assert abs(evaluator.solve(selection, j).cost - reference) <= 1e-8 * scale
            checked += 1
    assert checked >= 8


def test_the_penalty_bound_never_exceeds_the_cost():
    problem_ = problem(kappa=2e-4)
    grid = ObjectiveGrid.risk_aversions([0.5, 1.0])
    evaluator = SelectionEvaluator(problem_, grid)
    stack = selections(problem_, 20)
    index = np.nonzero(stack)[1].reshape(len(stack), -1)
    cov_sel = problem_.cov[index[:, :, None], index[:, None, :]]
    bound = evaluator._general.lower_bounds(index, cov_sel, problem_.mu[index], grid.values)
    assert np.all(bound <= evaluator.costs(stack) + 1e-15)


def test_no_penalty_means_the_plain_path():
    plain = problem(kappa=0.0)
    assert not plain.penalised and SelectionEvaluator(plain, ObjectiveGrid.risk_aversions([1.0]))._general is None
