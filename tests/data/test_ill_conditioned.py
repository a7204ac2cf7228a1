"""A covariance estimated from fewer observations than assets (shared S&P 500 closes, 2016 Q1).

59 daily returns of ~500 tickers give a sample covariance of rank at most 58: geo must say so
and offer shrinkage (--estimator ledoit-wolf), and the evaluator must stay exact on it. A
selection of K = 10 assets sees a 10 x 10 block, which is still positive definite (checked);
a selection of 80 > 58 assets sees a singular block, on which the target-return form must
still match an independent convex solver.
"""

from __future__ import annotations

import warnings

import cvxpy as cp
import numpy as np
import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.data import DataWarning, load_dataset
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.selection_qp import return_bounds

WINDOW = dict(start="2016-01-01", end="2016-03-31")
CLARABEL_TIGHT = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, tol_ktratio=1e-10)


@pytest.fixture(scope="module")
def short_window(sp500_daily_file):
    with pytest.warns(DataWarning) as caught:
        data = load_dataset(f"csv:{sp500_daily_file}", **WINDOW)
    return data, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def test_fewer_observations_than_assets_warns_and_offers_shrinkage(short_window):
    data, warned = short_window
    n_obs = data.metadata["n_observations"]
    assert 50 <= n_obs < 70 and data.n_assets > 400
    message = f"{n_obs} observations for {data.n_assets} assets"
    for texts in (warned, data.metadata["warnings"]):
        assert any(message in text and "--estimator ledoit-wolf" in text for text in texts), texts
    eigenvalues = np.linalg.eigvalsh(data.cov)
    assert np.sum(eigenvalues > 1e-10 * eigenvalues[-1]) <= n_obs - 1  # singular, as the warning says
    assert eigenvalues[0] >= -1e-12 * eigenvalues[-1]  # yet positive semi-definite: usable as it is


def test_command_line_shows_the_warning(sp500_daily_file):
    result = CliRunner().invoke(main, ["data", "info", f"csv:{sp500_daily_file}", "--start", WINDOW["start"],
                                       "--end", WINDOW["end"]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("geo: warning:")]
    assert len(warning) == 1 and "--estimator ledoit-wolf" in warning[0]


def reference_cost(cov, mu, target, w_min, w_max):
    scale = float(np.max(np.diag(cov)))
    w = cp.Variable(len(mu))
    qp = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(cov / scale))),
                    [cp.sum(w) == 1, mu @ w == target, w >= w_min, w <= w_max])
    qp.solve(solver="CLARABEL", **CLARABEL_TIGHT)
    assert qp.status == "optimal", qp.status
    return qp.value * scale


@pytest.mark.parametrize("k, w_max, singular_block", [(10, 1.0, False), (10, 0.2, False), (80, 1.0, True), (80, 0.05, True)])
def test_evaluator_stays_exact_on_the_singular_covariance(short_window, k, w_max, singular_block):
    data, _ = short_window
    problem = Problem.from_dataset(data, k, w_max=w_max)
    rng = np.random.default_rng(k)
    for _ in range(4):
        index = np.sort(rng.choice(data.n_assets, k, replace=False))
        block = data.cov[np.ix_(index, index)]
        smallest, largest = np.linalg.eigvalsh(block)[[0, -1]]
        assert (smallest < 1e-10 * largest) == singular_block
        selection = np.zeros(data.n_assets, dtype=bool)
        selection[index] = True
        low, high = (float(b[0]) for b in return_bounds(data.mu[index][None, :], 0.0, w_max))
        targets = low + np.array([0.1, 0.5, 0.9]) * (high - low)
        evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns(targets))
        costs = evaluator.costs(selection)[0]
        for column, target in enumerate(targets):
            reference = reference_cost(block, data.mu[index], target, 0.0, w_max)
            # Exact: the convex optimum of the block, to solver precision.
            assert np.isfinite(costs[column])
            assert abs(costs[column] - reference) <= 1e-7 * reference, (costs[column], reference)
            weights = evaluator.solve(selection, column).weights
            assert abs(weights.sum() - 1) < 1e-9 and abs(data.mu @ weights - target) < 1e-12
            assert weights.min() >= -1e-12 and weights.max() <= w_max + 1e-12


def test_ledoit_wolf_covariance_is_positive_definite(sp500_daily_file, short_window):
    sample, _ = short_window
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # shrinkage is the remedy: no warning
        shrunk = load_dataset(f"csv:{sp500_daily_file}", estimator="ledoit-wolf", **WINDOW)
    assert shrunk.metadata["estimator"] == "ledoit-wolf" and not shrunk.metadata["warnings"]
    assert shrunk.tickers == sample.tickers
    eigenvalues = np.linalg.eigvalsh(shrunk.cov)
    assert eigenvalues[0] > 1e-3 * np.mean(np.diag(shrunk.cov)) > 0
    np.linalg.cholesky(shrunk.cov)
    Problem.from_dataset(shrunk, 10)  # passes validation
