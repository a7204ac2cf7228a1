"""Peak memory and wall time of a GEO frontier on the full S&P 500 daily set, and the cost of
checkpointing (the same run with and without a checkpoint, back to back).

Run: .venv/bin/python -m benchmarks.bench_memory [--k 50] [--points 20] [--budget 40000]

Each configuration runs in a fresh subprocess so its peak resident memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script (python benchmarks/NAME.py): make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import SHARED_DATA, machine_description

SP500_DAILY = SHARED_DATA / "sp500_daily_2013_2018" / "sp500_close_wide_2013_2018.csv.gz"

CHILD = r"""
import json, resource, sys, time
from geo.data import load_dataset
from geo.methods.registry import make_method
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem
args = json.loads(sys.argv[1])
started = time.perf_counter()
data = load_dataset("csv:" + args["path"])
problem = Problem.from_dataset(data, args["k"], w_max=0.1)
grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, args["points"]))
loaded = time.perf_counter() - started
result = compute_frontier(problem, grid, make_method("geo", generator="mps"), seed=0, budget=args["budget"],
                          checkpoint_dir=args["checkpoint"], checkpoint_interval=0.0)
print(json.dumps({"n_assets": problem.n_assets, "load_s": loaded, "frontier_s": result.timing["wall_s"],
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "iterations": len(result.details["iterations"]),
                  "feasible_points": sum(p.feasible for p in result.points)}))
"""


def run_child(settings: dict) -> dict:
    output = subprocess.run([sys.executable, "-c", CHILD, json.dumps(settings)], check=True, capture_output=True,
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--budget", type=int, default=40_000)
    args = parser.parse_args()
    print(f"machine: {machine_description()}")
    print("| checkpoint | N | K | points | budget | GEO iterations | frontier s | load s | peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, checkpoint in (("off", None), ("every iteration", str(Path(folder) / "ckpt"))):
            settings = {"path": str(SP500_DAILY), "k": args.k, "points": args.points, "budget": args.budget,
                        "checkpoint": checkpoint}
            row = rows[label] = run_child(settings)
            print(f"| {label} | {row['n_assets']} | {args.k} | {args.points} | {args.budget:,} | {row['iterations']} | "
                  f"{row['frontier_s']:.1f} | {row['load_s']:.1f} | {row['peak_mib']:.0f} |", flush=True)
    ratio = rows["every iteration"]["frontier_s"] / rows["off"]["frontier_s"]
    print(f"\ncheckpoint overhead: {ratio:.2f}x wall time of the frontier (same run, back to back)")


if __name__ == "__main__":
    main()
