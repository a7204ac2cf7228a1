"""How tight the certified bounds are: perspective against product relaxation, per target.

Run: .venv/bin/python -m benchmarks.bench_certify --sets port4 [--points 5] [--steps perspective,product]
     .venv/bin/python -m benchmarks.bench_certify --sets sp500 --points 50 --steps perspective

For each set: local search's frontier (K = 10, at most K, 0 <= w <= 1; the OR-Library sets on
``--points`` of their published targets, the 477-stock S&P daily set on evenly spaced ones),
then every bound step on every target, timed on its own. The certified gap of a step is
(local search's variance - bound) / variance; where a reference optimum is known (the OR-Library
``exact/`` files, Gurobi-proven, matched by target), the bound's gap to it is shown too.
Prints one markdown row per target and a summary per step.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_frontiers import published_problem
from benchmarks.common import SHARED_DATA, machine_description
from geo.classical.bounds import PerspectiveRelaxation, ProductRelaxation
from geo.classical.certificate import certified_bound
from geo.classical.sdp_diagonal import sdp_diagonal
from geo.classical.unconstrained import ScaledMoments
from geo.data import load_dataset
from geo.methods.registry import make_method
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem

SP500_DAILY = SHARED_DATA / "sp500_daily_2013_2018" / "sp500_close_wide_2013_2018.csv.gz"
K = 10


def set_up(name: str, points: int) -> tuple[Problem, ObjectiveGrid, np.ndarray]:
    """The problem, its targets and the proven optimum per target where one is known (else NaN)."""
    if name == "sp500":
        problem = Problem.from_dataset(load_dataset(f"csv:{SP500_DAILY}"), K, cardinality="at-most")
        grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, points))
        return problem, grid, np.full(points, np.nan)
    _, problem, grid, _ = published_problem(name, K, points)
    proven = np.full(len(grid), np.nan)
    exact = SHARED_DATA / "orlib" / "exact" / f"{name}_K{K}.csv"
    if exact.exists():
        table = pd.read_csv(exact)
        table = table[table["status"] == "optimal"]
        for j, target in enumerate(grid.values):
            match = np.flatnonzero(np.isclose(table["target"].to_numpy(), target, rtol=0, atol=1e-9))
            if len(match):
                proven[j] = table["variance"].to_numpy()[match[0]]
    return problem, grid, proven


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="port4")
    parser.add_argument("--points", type=int, default=5)
    parser.add_argument("--steps", default="perspective,product")
    args = parser.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    print(f"machine: {machine_description()}")
    for name in args.sets.split(","):
        problem, grid, proven = set_up(name, args.points)
        started = time.perf_counter()
        heuristic = compute_frontier(problem, grid, make_method("local-search"), seed=0)
        search_s = time.perf_counter() - started
        variances = np.array([p.variance for p in heuristic.points])
        started = time.perf_counter()
        diagonal = sdp_diagonal(ScaledMoments.of(problem).cov)
        diagonal_s = time.perf_counter() - started
        print(f"\n{name} (N = {problem.n_assets}): local search {search_s:.1f} s; SDP diagonal {diagonal_s:.1f} s "
              f"({diagonal.status}, {diagonal.d.sum() / np.trace(ScaledMoments.of(problem).cov):.1%} of the trace)")
        relaxations = {"perspective": PerspectiveRelaxation(problem, grid.kind, diagonal.d),
                       "product": ProductRelaxation(problem, grid.kind)}
        rows, gaps, seconds = [], {s: [] for s in steps}, {s: [] for s in steps}
        for j, value in enumerate(grid.values):
            row = f"| {j + 1} | {value:.6g} | {variances[j]:.6e} |"
            for step in steps:
                started = time.perf_counter()
                found = relaxations[step].certificate(float(value))
                bound = -np.inf if found is None else certified_bound(problem, grid.kind, float(value), found)
                seconds[step].append(time.perf_counter() - started)
                gaps[step].append(100 * (variances[j] - bound) / variances[j])
                below = 100 * (proven[j] - bound) / proven[j] if np.isfinite(proven[j]) else np.nan
                row += f" {gaps[step][-1]:.4f} | {below:.4f} | {seconds[step][-1]:.2f} |"
            rows.append(row)
            print(row if j else _header(steps) + "\n" + row, flush=True)
        for step in steps:
            g, s = np.array(gaps[step]), np.array(seconds[step])
            print(f"\n{name} {step}: median certified gap {np.median(g):.4f} %, max {np.max(g):.4f} %, "
                  f"within 1e-4 % {np.mean(g <= 1e-4):.0%}, within 1 % {np.mean(g <= 1):.0%}; "
                  f"{s.sum():.1f} s in all ({np.median(s):.2f} s median a target)")


def _header(steps: list[str]) -> str:
    cells = "".join(f" {s} certified gap % | {s} below proven optimum % | {s} s |" for s in steps)
    return "| # | target | local search variance |" + cells + "\n|" + "---|" * (3 + 3 * len(steps))


if __name__ == "__main__":
    main()
