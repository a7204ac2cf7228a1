"""Backtest scaling: the same monthly backtest on 1 and 2 Dask workers, the cost of one task,
and a projection (labelled as one) for 8-64 workers.

    .venv/bin/python -m benchmarks.bench_backtest --workers 1,2 --output results/bench-backtest

Each run is the CLI command printed below; the runs must agree point for point (same seed,
same tasks), which the script checks. The projection assumes what the measurement shows:
tasks are independent and of similar cost, so W workers need ceil(dates / W) waves of the
mean task time, plus the fixed cost (cluster start, data loading, simulation) measured here.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import SHARED_DATA, machine_description

PRICES = SHARED_DATA / "sp500_daily_2013_2018" / "sp500_close_wide_2013_2018.csv.gz"


def command(workers: int | None, output: Path, args: argparse.Namespace) -> list[str]:
    cmd = [sys.executable, "-m", "geo.cli", "backtest", f"csv:{PRICES}", "-k", str(args.k), "--start", args.start,
           "--end", args.end, "--rebalance", "monthly", "--window", "1y", "--estimator", "ledoit-wolf",
           "--choose", args.choose, "--budget", str(args.budget), "--seed", "0", "--quiet", "--output", str(output)]
    return cmd + (["--workers", str(workers)] if workers else [])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="1,2", help="Worker counts; 0 = in-process.")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--start", default="2014-03-01")
    parser.add_argument("--end", default="2018-02-07")
    parser.add_argument("--choose", default="min-variance")
    parser.add_argument("--budget", type=int, default=20000)
    parser.add_argument("--output", default="results/bench-backtest")
    args = parser.parse_args()
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    print(machine_description())
    runs = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        out = folder / f"workers{workers}.json"
        cmd = command(workers or None, out, args)
        print("$", " ".join(cmd[2:]).replace(sys.executable, "python"), flush=True)
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        data = json.loads(out.read_text())
        runs[workers] = (wall, data)
        tasks = data["timing"]["task_seconds"]
        print(f"workers {workers}: {len(tasks)} dates, command wall {wall:.1f} s, solve phase "
              f"{data['timing']['solve_wall_s']:.1f} s, task mean {statistics.mean(tasks):.2f} s "
              f"(min {min(tasks):.2f}, max {max(tasks):.2f})", flush=True)
    strip = lambda d: ([{k: v for k, v in r.items() if k != "solve_seconds"} for r in d["rebalances"]],  # noqa: E731
                       d["daily"], d["metrics"])
    first = next(iter(runs.values()))[1]
    same = all(strip(d) == strip(first) for _, d in runs.values())
    print(f"identical results across worker counts: {same}")
    # Projection from the 1-worker run: fixed cost + waves of the mean task.
    base_workers = min(runs)
    wall, data = runs[base_workers]
    tasks = data["timing"]["task_seconds"]
    fixed = wall - data["timing"]["solve_wall_s"]
    mean_task = statistics.mean(tasks)
    print("\nPROJECTION (not measured): fixed cost + ceil(dates / W) x mean task time")
    print(f"fixed cost {fixed:.1f} s, mean task {mean_task:.2f} s, longest task {max(tasks):.2f} s, {len(tasks)} dates")
    for workers in (8, 16, 32, 64):
        waves = math.ceil(len(tasks) / workers)
        projected = fixed + waves * mean_task if waves > 1 else fixed + max(tasks)
        print(f"  {workers:>3} workers: {waves} wave(s), about {projected:.0f} s")


if __name__ == "__main__":
    main()
