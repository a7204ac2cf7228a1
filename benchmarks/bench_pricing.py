"""Pricing speed goals of issue 9, each measured side by side in one run, on one core.

Run: .venv/bin/python benchmarks/bench_pricing.py [--quick] [--seeds 0 1 2]

One core: BLAS/OpenMP threads are pinned to 1 (``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1``) and
the process binds itself to CPU 0 where the OS allows (``os.sched_setaffinity``).

For each data set (port4, N = 98; indtrack6, N = 457) and K (10, 50), target-return form,
0 <= w <= 1, exact cardinality:
- **DAQP loop**: a plain Python loop that prices random selections one QP at a time
  (:func:`geo.problem.selection_qp.solve_bounded`, which is DAQP with the data scaled), at the
  middle of the frontier. QPs per second.
- **local search**: ``descend`` (steepest swap descent, the evaluator's neighbourhood pricing by
  updates) from random starts (2 per seed) at the same target, each seed a fresh evaluator: evaluations
  (first-time (selection, target) pairs, as counted by the evaluator) per second, mean and
  spread over the seeds. The same descents with the neighbourhood priced by the batched cold
  path (``costs``) show what the updates add.
- **whole frontier**: random valid selections (GEO's raw loop with the uniform generator)
  priced at 50 evenly spaced targets by a fresh evaluator: (selection, target) pairs per second.
Ratios divide by the DAQP loop of the same data set and K, measured in the same run.
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

from benchmarks.common import machine_description, orlib_spec  # noqa: E402
from geo.classical.local_search import descend  # noqa: E402
from geo.classical.neighbourhood import random_selections  # noqa: E402
from geo.data import load_dataset  # noqa: E402
from geo.orchestration.frontier.targets import evenly_spaced_targets  # noqa: E402
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator  # noqa: E402
from geo.problem.selection_qp import SelectionQP, solve_bounded  # noqa: E402


def pin_to_one_core() -> str:
    try:
        os.sched_setaffinity(0, {0})
        return "pinned to CPU 0"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity)"


def daqp_loop_rate(problem: Problem, selections: np.ndarray, target: float) -> float:
    start = time.perf_counter()
    for selection in selections:
        index = np.flatnonzero(selection)
        qp = SelectionQP(problem.cov[np.ix_(index, index)], problem.mu[index], "target-return",
                         problem.w_min, problem.w_max)
        solve_bounded(qp, target)
    return len(selections) / (time.perf_counter() - start)


class ColdNeighbourhood(SelectionEvaluator):
    """The evaluator with neighbourhoods priced by the batched cold path (no updates)."""

    def neighbourhood_costs(self, current, neighbours, column, cutoff=None):
        return self.costs(neighbours, [column], cutoff)[:, 0]


def local_search_rate(problem: Problem, grid: ObjectiveGrid, column: int, seed: int, descents: int,
                      evaluator_class=SelectionEvaluator) -> float:
    rng = np.random.default_rng(seed)
    evaluator = evaluator_class(problem, grid)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer selections and descents (a smoke run)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--sets", default="port4,indtrack6")
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--cold-seeds", type=int, default=3,
                        help="seeds for the cold-neighbourhood comparison (slow at K = 50, N = 457)")
    args = parser.parse_args()
    pinned = "not pinned (shared machine: other jobs on every core)"
    n_daqp, n_frontier, descents = (100, 200, 1) if args.quick else (1000, 2000, 2)
    print(f"machine: {machine_description()}; threads 1, {pinned}")
    print("| data set | N | K | DAQP loop QP/s | local search eval/s (seeds) | ratio | cold-neighbourhood "
          "eval/s | whole frontier pairs/s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        dataset = load_dataset(orlib_spec(name))
        for k in args.ks:
            problem = Problem.from_dataset(dataset, k)
            targets = evenly_spaced_targets(problem, 11)
            column = 5  # the middle of the frontier
            grid = ObjectiveGrid.target_returns(targets)
            rng = np.random.default_rng(0)
            daqp = daqp_loop_rate(problem, random_selections(problem, n_daqp, rng), float(targets[column]))
            updated = [local_search_rate(problem, grid, column, seed, descents) for seed in args.seeds]
            cold = [local_search_rate(problem, grid, column, seed, descents, ColdNeighbourhood)
                    for seed in args.seeds[:args.cold_seeds]]
            frontier = frontier_rate(problem, random_selections(problem, n_frontier, rng))
            print(f"| {name} | {problem.n_assets} | {k} | {daqp:,.0f} | {spread(updated)} | "
                  f"**{np.mean(updated) / daqp:.1f}x** | {spread(cold)} | {frontier:,.0f} | "
                  f"**{frontier / daqp:.1f}x** |", flush=True)


if __name__ == "__main__":
    main()
