"""Local search and simulated annealing against the published CCEFs of OR-Library port1..port5.

Run: .venv/bin/python -m benchmarks.bench_heuristics [--sets port1,...] [--points 50] [--k 10]
     [--methods local-search,annealing] [--budget N]

K = 10, at most K, 0 <= w <= 1 (the published formulation), at ``--points`` targets picked
evenly from the published file's feasible rows; gap in % of the published variance.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import SHARED_DATA, machine_description, orlib_spec
from geo.data import load_dataset
from geo.frontier.methods import make_method
from geo.frontier.run import compute_frontier
from geo.metrics import gap_to_reference, pick_reference_targets, published_ccef_path, read_published_ccef
from geo.problem import ObjectiveGrid, Problem

SETS = ("port1", "port2", "port3", "port4", "port5", "indtrack6")


def published_reference(dataset, k: int, points: int):
    path = published_ccef_path(dataset.n_assets, SHARED_DATA)
    return pick_reference_targets(read_published_ccef(path, k), points)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="port1,port2,port3,port4,port5")
    parser.add_argument("--methods", default="local-search,annealing")
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--budget", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"machine: {machine_description()}")
    print("| data set | N | method | mean gap % | max gap % | within 0.05% | missing | evaluations | wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        dataset = load_dataset(orlib_spec(name))
        reference = published_reference(dataset, args.k, args.points)
        problem = Problem.from_dataset(dataset, args.k, cardinality="at-most", w_min=0.0, w_max=1.0)
        grid = ObjectiveGrid.target_returns(reference["target_return"].to_numpy())
        for method_name in args.methods.split(","):
            started = time.perf_counter()
            result = compute_frontier(problem, grid, make_method(method_name), seed=args.seed, budget=args.budget,
                                      dataset={"name": name})
            wall = time.perf_counter() - started
            summary, _ = gap_to_reference(result, reference)
            print(f"| {name} | {dataset.n_assets} | {method_name} | {summary.mean:.4f} | {summary.max:.4f} | "
                  f"{summary.share_within:.0%} ({summary.n_compared}) | {summary.n_missing} | "
                  f"{result.details['evaluations']:,} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
