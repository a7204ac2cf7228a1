"""Pricing speed goals (issue 18), each measured side by side in one run, on one core.

Run (timed: hold both CPU slots and pin to one core and one thread):
    /work/bin/cpu -n 2 env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
        taskset -c 1 .venv/bin/python -m benchmarks.bench_pricing [--quick] [--frontiers]

For each data set (port4, N = 98; indtrack6, N = 457) and K (10, and 50 with ``--ks``),
target-return form, 0 <= w <= 1, exact cardinality:
- **DAQP loop**: a plain Python loop that prices random selections one QP at a time
  (:func:`geo.problem.selection_qp.solve_bounded`, which is DAQP with the data scaled), at the
  middle of the frontier. QPs per second: the yardstick every ratio divides by.
- **local search**: ``descend`` (steepest swap descent, the neighbourhood priced by the compiled
  kernel) from random starts at the same target, a fresh evaluator per seed: evaluations
  (first-time (selection, target) pairs) per second, mean and spread over the seeds.
- **whole frontier**: random valid selections priced at 50 evenly spaced targets by a fresh
  evaluator (closed form, then the compiled walk along each selection's critical line):
  (selection, target) pairs per second.
Every kernel runs once on a small case before the clock starts (numba's cache is loaded, or the
kernels compiled, outside the timings; ``make install`` fills the cache).

``--frontiers`` adds whole runs of local search (``geo.frontier``, seconds of solving as the
results file reports them, data loading apart) on the S&P 500 daily set: K = 10 at 50 targets
(goal <= 10 s) and the README's K = 50 headline frontier, 10 targets, budget 100,000 (goal <= 20 s).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks.common import SHARED_DATA, machine_description, orlib_spec  # noqa: E402
from geo.classical.local_search import descend  # noqa: E402
from geo.classical.neighbourhood import random_selections  # noqa: E402
from geo.data import load_dataset  # noqa: E402
from geo.orchestration.frontier.targets import evenly_spaced_targets  # noqa: E402
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator  # noqa: E402
from geo.problem.warm_up import warm_up  # noqa: E402
from geo.problem.selection_qp import SelectionQP, solve_bounded  # noqa: E402

SP500 = f"csv:{SHARED_DATA / 'sp500_daily_2013_2018' / 'sp500_close_wide_2013_2018.csv.gz'}"


def daqp_loop_rate(problem: Problem, selections: np.ndarray, target: float) -> float:
    start = time.perf_counter()
    for selection in selections:
        index = np.flatnonzero(selection)
        qp = SelectionQP(problem.cov[np.ix_(index, index)], problem.mu[index], "target-return",
                         problem.w_min, problem.w_max)
        solve_bounded(qp, target)
    return len(selections) / (time.perf_counter() - start)


def local_search_rate(problem: Problem, grid: ObjectiveGrid, column: int, seed: int, descents: int) -> float:
    rng = np.random.default_rng(seed)
    evaluator = SelectionEvaluator(problem, grid)
    starts = random_selections(problem, descents, rng)
    begin = time.perf_counter()
    for selection in starts:
        descend(evaluator, selection, column, rng)
    return evaluator.n_evaluations / (time.perf_counter() - begin)


def frontier_rate(problem: Problem, selections: np.ndarray) -> float:
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 50))
    evaluator = SelectionEvaluator(problem, grid)
    begin = time.perf_counter()
    evaluator.costs(selections)
    return selections.shape[0] * len(grid) / (time.perf_counter() - begin)


def spread(values: list[float]) -> str:
    return f"{np.mean(values):,.0f} ± {np.std(values):,.0f}"


def pricing_table(args: argparse.Namespace) -> None:
    n_daqp, n_frontier, descents = (300, 300, 1) if args.quick else (2000, 2000, 2)
    print("| data set | N | K | DAQP loop QP/s | local search eval/s (seeds) | ratio (goal ≥ 10x) "
          "| whole frontier pairs/s | ratio (goal ≥ 25x) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        dataset = load_dataset(orlib_spec(name))
        for k in args.ks:
            problem = Problem.from_dataset(dataset, k)
            targets = evenly_spaced_targets(problem, 11)
            column = 5  # the middle of the frontier
            grid = ObjectiveGrid.target_returns(targets)
            rng = np.random.default_rng(0)
            local_search_rate(problem, grid, column, 99, 1)  # warm: the first descent loads the kernels
            daqp = daqp_loop_rate(problem, random_selections(problem, n_daqp, rng), float(targets[column]))
            updated = [local_search_rate(problem, grid, column, seed, descents) for seed in args.seeds]
            frontier = frontier_rate(problem, random_selections(problem, n_frontier, rng))
            print(f"| {name} | {problem.n_assets} | {k} | {daqp:,.0f} | {spread(updated)} | "
                  f"**{np.mean(updated) / daqp:.1f}x** | {frontier:,.0f} | **{frontier / daqp:.1f}x** |", flush=True)


def frontier_runs(args: argparse.Namespace) -> None:
    import geo

    runs = [("S&P 500 daily, K = 10, 50 targets, local search (goal ≤ 10 s)",
             dict(k=10, points=50), {}),
            ("headline: K = 50, w_max 0.1, 2013–2016, 10 targets, budget 100,000 (goal ≤ 20 s)",
             dict(k=50, w_max=0.1, points=10, budget=100_000), dict(start="2013-02-08", end="2016-12-31"))]
    print("\n| run | N | evaluations | seconds of solving |")
    print("|---|---|---|---|")
    for label, settings, data_options in runs:
        data = geo.load(SP500, **data_options)
        result = geo.frontier(data, method="local-search", seed=0, **settings)
        print(f"| {label} | {len(data.tickers)} | {result.result.details['evaluations']:,} | "
              f"{result.result.timing['wall_s']:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer selections and descents (a smoke run)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--sets", default="port4,indtrack6")
    parser.add_argument("--ks", type=int, nargs="+", default=[10])
    parser.add_argument("--frontiers", action="store_true", help="also the S&P 500 local-search frontier runs")
    args = parser.parse_args()
    print(f"machine: {machine_description()}; threads {os.environ.get('OMP_NUM_THREADS')}, "
          f"CPUs allowed {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}")
    begin = time.perf_counter()
    warm_up()
    print(f"kernels loaded in {time.perf_counter() - begin:.1f} s (outside every timing)")
    pricing_table(args)
    if args.frontiers:
        frontier_runs(args)


if __name__ == "__main__":
    main()
