"""Backtest scaling: the same monthly backtest on 1 and 2 Dask workers, the cost of one task,
and a projection (labelled as one) for 8-64 workers.

    .venv/bin/python -m benchmarks.bench_backtest --workers 1,2 --output results/bench-backtest

``--realism WAYS`` instead runs the headline backtest (RESULTS.md section 16: K of the S&P 500,
monthly, the first year of the data as the window) in the ways of issue 16 and prints their
annual return, Sharpe ratio with its 90 % bootstrap interval, turnover and costs paid:

    .venv/bin/python -m benchmarks.bench_backtest --realism all,pit,pit-cost --output results/bench-realism

A way whose results file exists is not run again (split a campaign into short runs);
``--realism table`` prints the table of the files present.

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
MEMBERSHIP = SHARED_DATA / "sp500_daily_2013_2018" / "membership.csv"
# The ways of issue 16: the options each adds to the headline command.
WAYS = {
    "all": [],                                                     # all 505 names, no costs (before issue 16)
    "pit": ["--membership", str(MEMBERSHIP)],                      # point-in-time universe
    "pit-cost": ["--membership", str(MEMBERSHIP), "--cost-bps", "10"],
    "pit-cost-changes": ["--membership", str(MEMBERSHIP), "--cost-bps", "10", "--max-changes", "10"],
}


def command(workers: int | None, output: Path, args: argparse.Namespace) -> list[str]:
    cmd = [sys.executable, "-m", "geo.cli", "backtest", f"csv:{PRICES}", "-k", str(args.k), "--start", args.start,
           "--end", args.end, "--rebalance", "monthly", "--window", "1y", "--estimator", "ledoit-wolf",
           "--choose", args.choose, "--budget", str(args.budget), "--seed", "0", "--quiet", "--output", str(output)]
    return cmd + (["--workers", str(workers)] if workers else [])


def realism_command(way: str, output: Path, args: argparse.Namespace) -> list[str]:
    """The headline backtest (README), one way of issue 16."""
    return [sys.executable, "-m", "geo.cli", "backtest", f"csv:{PRICES}", "-k", str(args.k), "--w-max", "0.1",
            "--start", args.start, "--end", args.end, "--rebalance", "monthly", "--window", "1y",
            "--estimator", "ledoit-wolf", "--choose", args.choose, "--points", str(args.points),
            "--budget", str(args.budget), "--sector-cap", "0.3", "--seed", "0", "--quiet", "--output", str(output),
            *WAYS[way]]


def realism(ways: list[str], folder: Path, args: argparse.Namespace) -> None:
    for way in ways:
        out = folder / f"{way}.json"
        if out.exists():
            print(f"{way}: {out} exists, not run again", flush=True)
            continue
        cmd = realism_command(way, out, args)
        print("$", " ".join(["geo", *cmd[3:]]), flush=True)
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print(f"{way}: {time.perf_counter() - started:.0f} s", flush=True)
    print(realism_table(folder))


def realism_table(folder: Path) -> str:
    """One row per way and series: annual return, Sharpe [90 % interval], Sharpe difference, turnover, costs."""
    lines = ["| way | series | annual return (net) | gross | Sharpe [90 % interval] | Sharpe − benchmark "
             "[90 % interval] | mean turnover | costs paid (sum) |", "|---|---|---|---|---|---|---|---|"]

    def interval(i) -> str:
        return f"{i['estimate']:.2f} [{i['low']:.2f}, {i['high']:.2f}]" if i and i.get("low") is not None else "—"

    for way in WAYS:
        path = folder / f"{way}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        intervals = data.get("intervals", {})
        for name, metrics in {"portfolio": data["metrics"], **data["benchmarks"]}.items():
            difference = "" if name == "portfolio" else interval(intervals.get("sharpe_difference", {}).get(name))
            lines.append(f"| {way} | {name} | {100 * metrics['annual_return']:.2f} % | "
                         f"{100 * metrics['gross']['annual_return']:.2f} % | "
                         f"{interval(intervals.get('sharpe', {}).get(name))} | {difference} | "
                         f"{100 * (metrics['mean_turnover'] or 0):.1f} % | {100 * metrics['costs_paid']:.2f} % |")
        counts = data["universe"]["per_date"]
        eligible = [row["eligible"] for row in counts]
        lines.append(f"<!-- {way}: {len(counts)} dates, eligible {min(eligible)}-{max(eligible)}, block length "
                     f"{intervals.get('block_length')}, wall {data['timing']['wall_s']:.0f} s -->")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--realism", default=None,
                        help="Ways of the headline backtest to run (" + ",".join(WAYS) + "), or 'table'.")
    parser.add_argument("--points", type=int, default=20, help="Frontier targets for --choose max-sharpe.")
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
    if args.realism is not None:
        return realism([] if args.realism == "table" else args.realism.split(","), folder, args)
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
