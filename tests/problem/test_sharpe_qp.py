"""A selection's maximum Sharpe ratio: the homogenised QP and the closed form against an
independent solve (scipy, on the ratio itself), and the no-excess-return screen."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.sector_caps import SectorCaps

N = 8
TICKERS = [f"T{i}" for i in range(N)]


def make_problem(w_min: float = 0.0, w_max: float = 1.0, caps: bool = False, seed: int = 4) -> Problem:
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(200, N)) * 0.01
    mu = rng.normal(0.0006, 0.0008, N)
    sector_caps = SectorCaps.build(TICKERS, {t: "AB"[i % 2] for i, t in enumerate(TICKERS)}, cap=0.6) if caps else None
    return Problem(mu, factors.T @ factors / 200, k=4, w_min=w_min, w_max=w_max, tickers=TICKERS,
                   sector_caps=sector_caps)


def scipy_max_sharpe(problem: Problem, index: list[int], risk_free: float) -> float:
    """Maximise the ratio itself by SLSQP from several starts (no change of variables)."""
    cov, mu = problem.cov[np.ix_(index, index)], problem.mu[index]
    constraints = [{"type": "eq", "fun": lambda w: w.sum() - 1}]
    if problem.sector_caps is not None:
        ids, caps = problem.sector_caps.local(np.array(index))
        for s, cap in enumerate(caps):
            constraints.append({"type": "ineq", "fun": lambda w, s=s, cap=cap: cap - w[ids == s].sum()})
    best = -np.inf
    rng = np.random.default_rng(0)
    for start in [np.full(len(index), 1 / len(index))] + list(rng.dirichlet(np.ones(len(index)), 6)):
        result = minimize(lambda w: -(mu @ w - risk_free) / np.sqrt(w @ cov @ w), start, method="SLSQP",
                          bounds=[(problem.w_min, problem.w_max)] * len(index), constraints=constraints,
                          options={"ftol": 1e-14, "maxiter": 2000})
        if result.success:
            best = max(best, -result.fun)
    return best


@pytest.mark.parametrize("settings", [{}, {"w_max": 0.35}, {"w_min": 0.1, "w_max": 0.5}, {"caps": True}])
def test_each_selections_sharpe_ratio_equals_an_independent_solve(settings):
    problem = make_problem(**settings)
    risk_free = 0.0001
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.max_sharpe(risk_free))
    rng = np.random.default_rng(1)
    compared = 0
    for _ in range(12):
        index = sorted(rng.choice(N, problem.k, replace=False))
        selection = np.zeros(N, bool)
        selection[index] = True
        cost = evaluator.costs(selection)[0, 0]
        if problem.mu[index].max() <= risk_free:
            assert cost == np.inf
            continue
        reference = scipy_max_sharpe(problem, index, risk_free)
        assert -cost == pytest.approx(reference, rel=1e-6), index
        solution = evaluator.solve(selection, 0)
        weights = solution.weights[index]
        assert weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(weights >= problem.w_min - 1e-12) and np.all(weights <= problem.w_max + 1e-12)
        ratio = (problem.mu[index] @ weights - risk_free) / np.sqrt(weights @ problem.cov[np.ix_(index, index)] @ weights)
        assert ratio == pytest.approx(-cost, rel=1e-12)
        compared += 1
    assert compared >= 6


def test_a_selection_that_cannot_beat_the_risk_free_rate_is_screened():
    problem = make_problem()
    worst = np.argsort(problem.mu)[:4]
    selection = np.zeros(N, bool)
    selection[worst] = True
    risk_free = float(problem.mu[worst].max())  # the best it can do is the risk-free rate: no positive excess
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.max_sharpe(risk_free))
    assert evaluator.costs(selection)[0, 0] == np.inf
    assert (evaluator.n_screened, evaluator.n_evaluations) == (1, 0)
    assert not evaluator.solve(selection, 0).feasible


def test_the_lower_bound_holds_and_the_cutoff_screens():
    problem = make_problem(w_max=0.4)
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.max_sharpe(0.0))
    stack = np.zeros((30, N), bool)
    rng = np.random.default_rng(3)
    for row in stack:
        row[rng.choice(N, 4, replace=False)] = True
    stack = np.unique(stack, axis=0)
    index = np.nonzero(stack)[1].reshape(len(stack), -1)
    bound = evaluator._general.lower_bounds(index, problem.cov[index[:, :, None], index[:, None, :]],
                                           problem.mu[index], np.array([0.0]))
    costs = SelectionEvaluator(problem, ObjectiveGrid.max_sharpe(0.0)).costs(stack)
    assert np.all(bound <= costs + 1e-12)
    cutoff = float(np.median(costs[np.isfinite(costs)]))
    screened = evaluator.costs(stack, cutoff=cutoff)
    kept = np.isfinite(screened[:, 0])
    assert evaluator.n_screened > 0 and np.all(costs[kept, 0] == screened[kept, 0])
    assert np.all(costs[~kept, 0] >= cutoff - 1e-12)
