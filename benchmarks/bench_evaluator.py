"""Selection-evaluator throughput against cvxpy with a reused parametrised problem.

Run: .venv/bin/python benchmarks/bench_evaluator.py [--selections 20000] [--cvxpy-selections 300]

For each data set and K: random valid selections priced at one target return (the mean of
the assets' returns, which most random selections can reach) by a fresh evaluator (no memo
hits), single-threaded, and the same first selections priced by cvxpy + Clarabel re-solving
one parametrised problem. Also the frontier-wide rate (50 targets per selection).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cvxpy as cp  # noqa: E402
import numpy as np  # noqa: E402

if __package__ in (None, ""):  # run as a script (python benchmarks/NAME.py): make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_description, orlib_spec  # noqa: E402
from geo.classical.neighbourhood import random_selections  # noqa: E402
from geo.data import load_dataset  # noqa: E402
from geo.orchestration.frontier.targets import evenly_spaced_targets  # noqa: E402
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator  # noqa: E402


def cvxpy_rate(problem: Problem, selections: np.ndarray, target: float) -> tuple[float, np.ndarray]:
    k = problem.k
    w = cp.Variable(k)
    chol = cp.Parameter((k, k))  # DPP form: ||L' w||^2 keeps the problem parametrised
    mu = cp.Parameter(k)
    qp = cp.Problem(cp.Minimize(cp.sum_squares(chol.T @ w)),
                    [mu @ w == target, cp.sum(w) == 1, w >= problem.w_min, w <= problem.w_max])
    costs = np.empty(len(selections))
    start = time.perf_counter()
    for i, selection in enumerate(selections):
        idx = np.flatnonzero(selection)
        chol.value = np.linalg.cholesky(problem.cov[np.ix_(idx, idx)])
        mu.value = problem.mu[idx]
        qp.solve(solver="CLARABEL")
        costs[i] = qp.value if qp.status == "optimal" else np.inf
    return len(selections) / (time.perf_counter() - start), costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--selections", type=int, default=20000)
    parser.add_argument("--cvxpy-selections", type=int, default=300)
    args = parser.parse_args()
    print(f"machine: {machine_description()}")
    print("| data set | N | K | geo sel/s (1 target) | feasible | cvxpy sel/s | ratio | geo sel/s (50 targets) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("port4", "indtrack6"):
        dataset = load_dataset(orlib_spec(name))
        for k in (10, 50):
            problem = Problem.from_dataset(dataset, k)
            target = float(np.mean(problem.mu))
            selections = random_selections(problem, args.selections, np.random.default_rng(0))
            evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns([target]))
            start = time.perf_counter()
            costs = evaluator.costs(selections)[:, 0]
            geo_rate = len(selections) / (time.perf_counter() - start)
            n_cvx = args.cvxpy_selections
            cvx_rate, cvx_costs = cvxpy_rate(problem, selections[:n_cvx], target)
            both = np.isfinite(cvx_costs) & np.isfinite(costs[:n_cvx])
            agree = np.max(np.abs(cvx_costs[both] - costs[:n_cvx][both]) / cvx_costs[both]) if both.any() else np.nan
            grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 50))
            wide = SelectionEvaluator(problem, grid)
            few = selections[: max(1000, args.selections // 10)]
            start = time.perf_counter()
            wide.costs(few)
            wide_rate = len(few) / (time.perf_counter() - start)
            print(f"| {name} | {problem.n_assets} | {k} | {geo_rate:,.0f} | {np.isfinite(costs).mean():.0%} | "
                  f"{cvx_rate:,.0f} | {geo_rate / cvx_rate:,.0f}x | {wide_rate:,.0f} |  (max rel. diff to cvxpy "
                  f"{agree:.1e})")


if __name__ == "__main__":
    main()
