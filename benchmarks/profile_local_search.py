"""Where local search's time goes: cProfile of the S&P 500 K = 10 frontier (RESULTS section 13c).

Run (one CPU slot): /work/bin/cpu .venv/bin/python -m benchmarks.profile_local_search [--rows 30]

The same run as ``bench_pricing --frontiers``' first line (local search, 477 stocks, K = 10,
50 targets, seed 0), kernels loaded first; prints the functions by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import geo
from benchmarks.bench_pricing import SP500
from geo.problem.warm_up import warm_up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=30, help="functions listed per table")
    args = parser.parse_args()
    warm_up()
    data = geo.load(SP500)
    profile = cProfile.Profile()
    begin = time.perf_counter()
    profile.enable()
    result = geo.frontier(data, method="local-search", seed=0, k=10, points=50)
    profile.disable()
    details = result.result.details
    print(f"{time.perf_counter() - begin:.1f} s under cProfile, {details['evaluations']:,} evaluations, "
          f"{details.get('screened', 0):,} screened")
    for order in ("tottime", "cumtime"):
        pstats.Stats(profile).sort_stats(order).print_stats(args.rows)


if __name__ == "__main__":
    main()
