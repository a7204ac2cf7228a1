"""How long SCIP needs per frontier point on the OR-Library sets, and how close it gets.

Setting of the published CCEFs (Cesarone, Scozzari & Tardella 2013): K = 10, at most K assets,
w >= 0, no other bounds. Ten published targets per set, evenly spaced over the rows of
RetRisk<n>_SolVal.txt where the K = 10 value is present; each point gets ``--limit`` seconds.
The whole run (5 sets x 10 points x 60 s) can take ~50 minutes: use ``--sets`` to pick.

    .venv/bin/python benchmarks/bench_scip.py [--sets port1,port2] [--limit 60] [--points 10]

Prints a markdown table; a point's gap to the published value is 100 (v - v_pub) / v_pub
(negative: better than published, possible within the published 5-digit rounding).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.classical import ExactMethod  # noqa: E402
from geo.methods import Deadline  # noqa: E402
from geo.data import load_dataset  # noqa: E402
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
# port file -> asset count used in the CCEF file names.
SETS = {"port1": 31, "port2": 85, "port3": 89, "port4": 98, "port5": 225}
K = 10
K10_COLUMN = 9  # 0-based: target, K = 2..10, unconstrained


def published_targets(n_assets: int, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_points`` (target, K = 10 variance) pairs evenly spread over the rows where K = 10 is feasible."""
    table = np.genfromtxt(SHARED_DATA / "orlib" / "ccef" / f"RetRisk{n_assets}_SolVal.txt", delimiter="\t")
    feasible = table[np.isfinite(table[:, K10_COLUMN])]
    rows = np.unique(np.round(np.linspace(0, len(feasible) - 1, n_points)).astype(int))
    return feasible[rows, 0], feasible[rows, K10_COLUMN]


def bench_set(name: str, limit: float, n_points: int) -> dict:
    dataset = load_dataset(f"orlib:{SHARED_DATA / 'orlib' / (name + '.txt')}")
    problem = Problem.from_dataset(dataset, K, cardinality="at-most", w_min=0.0, w_max=1.0)
    targets, reference = published_targets(SETS[name], n_points)
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns(targets))
    start = time.monotonic()
    run = ExactMethod(point_time_limit=limit).solve(evaluator, np.random.default_rng(0), None, Deadline(None))
    wall = time.monotonic() - start
    points = run.points
    seconds = np.array([p.extras.get("solve_seconds", math.nan) for p in points], dtype=float)
    variances = np.array([p.variance if p.feasible else math.nan for p in points])
    gaps = 100 * (variances - reference) / reference
    mip_gaps = [100 * p.extras["mip_gap"] for p in points if p.status == "time_limit"]
    return {"set": f"{name} (N={problem.n_assets})", "points": len(points),
            "optimal": sum(p.status == "optimal" for p in points),
            "time_limit": sum(p.status == "time_limit" for p in points),
            "other": sum(p.status not in ("optimal", "time_limit") for p in points),
            "median_s": float(np.nanmedian(seconds)), "max_s": float(np.nanmax(seconds)),
            "mean_gap": float(np.nanmean(gaps)), "max_gap": float(np.nanmax(gaps)),
            "max_mip_gap": max(mip_gaps) if mip_gaps else 0.0, "wall_s": wall}


def markdown(rows: list[dict], limit: float) -> str:
    lines = [f"SCIP {scip_version()} per frontier point, K = {K} (at most), w >= 0, limit {limit:g} s per point",
             "",
             "| data set | points | optimal | at time limit | other | median s | max s "
             "| mean gap to published % | max gap to published % | max MIP gap % (time limit) | wall s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['points']} | {r['optimal']} | {r['time_limit']} | {r['other']} "
                     f"| {r['median_s']:.2f} | {r['max_s']:.2f} | {r['mean_gap']:+.4f} | {r['max_gap']:+.4f} "
                     f"| {r['max_mip_gap']:.3f} | {r['wall_s']:.1f} |")
    return "\n".join(lines)


def scip_version() -> str:
    import pyscipopt

    return str(pyscipopt.Model().version())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated, from " + ",".join(SETS))
    parser.add_argument("--limit", type=float, default=60.0, help="SCIP seconds per point")
    parser.add_argument("--points", type=int, default=10, help="published targets per set")
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in names if s not in SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; use {', '.join(SETS)}")
    if not (SHARED_DATA / "orlib").is_dir():
        print(f"benchmark data not found at {SHARED_DATA / 'orlib'}", file=sys.stderr)
        return 2
    rows = []
    for name in names:
        rows.append(bench_set(name, args.limit, args.points))
        print(f"{name}: done in {rows[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    print(markdown(rows, args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
