"""The first run (``make run`` = ``geo demo``): its wall time and GEO's gap to the proven optimum, over seeds.

Run: .venv/bin/python -m benchmarks.bench_first_run [--seeds 7,8,9] [--budget 40000]

Each seed runs the whole demo in this one process (GEO and enumeration on the bundled sample,
K = 5, 20 targets, both results files and the report), side by side, so the times are
comparable with each other; the import of geo is paid once, before the first seed.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from benchmarks.common import machine_description
from geo.api.demo import GEO_BUDGET, run_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--budget", type=int, default=GEO_BUDGET)
    args = parser.parse_args()
    print(machine_description())
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            demo = run_demo(folder, budget=args.budget, seed=seed)
            total = time.perf_counter() - started
        summary = demo.gaps.attrs["summary"]
        rows.append((seed, total, demo.geo.result.timing["wall_s"], demo.optimum.result.timing["wall_s"],
                     summary["mean"], summary["max"], summary["share_within"], len(demo.geo.iterations())))
        print(f"seed {seed}: demo {total:.1f} s (GEO {rows[-1][2]:.1f} s, enumeration {rows[-1][3]:.1f} s); "
              f"GEO gap mean {summary['mean']:.3f} %, max {summary['max']:.3f} %, "
              f"within 0.05 % at {summary['share_within']:.0%}, {rows[-1][7]} iterations")
    values = np.array([row[1:] for row in rows], dtype=float)
    names = ["demo s", "GEO s", "enumeration s", "mean gap %", "max gap %", "share within 0.05 %", "iterations"]
    for index, name in enumerate(names):
        print(f"{name:>20}: mean {values[:, index].mean():.3f}, min {values[:, index].min():.3f}, "
              f"max {values[:, index].max():.3f}")


if __name__ == "__main__":
    main()
