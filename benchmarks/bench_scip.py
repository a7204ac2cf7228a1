"""How long SCIP needs per frontier point on the OR-Library sets, and how close it gets.

Setting of the published CCEFs (Cesarone, Scozzari & Tardella 2013): K = 10, at most K assets,
w >= 0, no other bounds. Ten targets per set, each point gets ``--limit`` seconds (warm start
included; SCIP's clock counts CPU seconds unless ``--clock wall``, so that a loaded shared
machine does not eat the limit). Targets (``--targets``):
- ``published``: evenly spaced over the rows of RetRisk<n>_SolVal.txt where K = 10 is present
  (the earlier table's targets); the gap is to the published 5-digit variance;
- ``reference``: every fifth of the 50 targets of ``orlib/exact/port<i>_K10.csv`` (Gurobi
  optima); the gap is to the proven optimum (points the file marks best-known are left out of
  the gap columns).

Configurations (``--configs``, run one after the other on each set, same process, so their
seconds are side by side):
- ``plain``: the earlier model (uniform 95%-of-smallest-eigenvalue perspective diagonal, the
  memo's best selection as start);
- ``sdp``: the SDP perspective diagonal, memo start;
- ``sdp+ls``: the SDP diagonal and the local-search warm start (the default of ``--method exact``
  before the product cut);
- ``sdp+ls+cut``: the same, with the product relaxation's cut in SCIP's model for the points not
  settled in a fifth of their time (``cuts="product"``, the default of ``--method exact``);
- ``gurobi``: ``--solver gurobi`` (needs gurobipy; one thread, wall-clock limit), same warm start.

Modes (``--modes``): ``hand-over`` solves the grid in one process, each solution starting the
next targets (``--hand-over``); ``split`` solves each target on its own, as ``geo frontier``.

    .venv/bin/python benchmarks/bench_scip.py [--sets port2,port3,port4] [--limit 60] \\
        [--configs plain,sdp+ls] [--targets published|reference] [--per-point]

A full run (3 sets x 2 configs x 10 points x 60 s) takes up to an hour; ``--sets`` to pick.
Prints markdown tables; a point's gap is 100 (v - v_ref) / v_ref.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.classical import ExactMethod  # noqa: E402
from geo.classical.sdp_diagonal import sdp_diagonal  # noqa: E402
from geo.classical.unconstrained import ScaledMoments  # noqa: E402
from geo.data import load_dataset  # noqa: E402
from geo.methods import Deadline  # noqa: E402
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
# port file -> asset count used in the CCEF file names.
SETS = {"port1": 31, "port2": 85, "port3": 89, "port4": 98, "port5": 225}
K = 10
K10_COLUMN = 9  # 0-based: target, K = 2..10, unconstrained
# SCIP's clock: CPU seconds make a shared, loaded machine's figures comparable run to run.
SCIP_CLOCKS = {"cpu": 1, "wall": 2}
CONFIGS = {"plain": {"diagonal": "eigenvalue", "warm_start": "memo", "cuts": "none"},
           "sdp": {"diagonal": "sdp", "warm_start": "memo", "cuts": "none"},
           "sdp+ls": {"diagonal": "sdp", "warm_start": "local-search", "cuts": "none"},
           # the product relaxation's proven cut added to SCIP's model per point (ExactMethod(cuts="product"))
           "sdp+ls+cut": {"diagonal": "sdp", "warm_start": "local-search", "cuts": "product"},
           # Gurobi (--solver gurobi), one thread, same local-search start; its limit is wall seconds.
           "gurobi": {"solver": "gurobi", "warm_start": "local-search", "gurobi_params": {"Threads": 1}}}


def published_targets(n_assets: int, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_points`` (target, K = 10 variance) pairs evenly spread over the rows where K = 10 is feasible."""
    table = np.genfromtxt(SHARED_DATA / "orlib" / "ccef" / f"RetRisk{n_assets}_SolVal.txt", delimiter="\t")
    feasible = table[np.isfinite(table[:, K10_COLUMN])]
    rows = np.unique(np.round(np.linspace(0, len(feasible) - 1, n_points)).astype(int))
    return feasible[rows, 0], feasible[rows, K10_COLUMN]


def reference_targets(name: str, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced rows of the exact-reference file; the variance is NaN where it is not proven."""
    table = np.genfromtxt(SHARED_DATA / "orlib" / "exact" / f"{name}_K10.csv", delimiter=",", names=True,
                          dtype=None, encoding=None)
    rows = np.unique(np.round(np.linspace(0, len(table) - 1, n_points)).astype(int))
    proven = table["status"][rows] == "optimal"
    return table["target"][rows].astype(float), np.where(proven, table["variance"][rows].astype(float), np.nan)


def solve_exact(method: ExactMethod, problem: Problem, targets: np.ndarray, split: bool, report) -> list:
    """The points: the whole grid in one solve (each solution handed to the next targets as a
    start), or each target on its own, as ``geo frontier`` runs it (``split``)."""
    if not split:
        evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns(targets))
        return method.solve(evaluator, np.random.default_rng(0), None, Deadline(None), report).points
    points = []
    for j, target in enumerate(targets):
        evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns([target]))
        points += method.solve(evaluator, np.random.default_rng(j), None, Deadline(None)).points
        report(j + 1, len(targets))
    return points


def bench_set(name: str, config: str, limit: float, n_points: int, targets_kind: str, clock: str,
              split: bool = False) -> dict:
    dataset = load_dataset(f"orlib:{SHARED_DATA / 'orlib' / (name + '.txt')}")
    problem = Problem.from_dataset(dataset, K, cardinality="at-most", w_min=0.0, w_max=1.0)
    if targets_kind == "published":
        targets, reference = published_targets(SETS[name], n_points)
    else:
        targets, reference = reference_targets(name, n_points)
    start = time.monotonic()
    scip_params = {"timing/clocktype": SCIP_CLOCKS[clock]}
    method = ExactMethod(point_time_limit=limit, scip_params=scip_params, **{"diagonal": "sdp", **CONFIGS[config]})
    label = f"{config}/{'split' if split else 'hand-over'}"
    points = solve_exact(method, problem, targets, split, lambda done, total: print(
        f"{name} {label}: {done}/{total} done at {time.monotonic() - start:.0f} s wall", file=sys.stderr, flush=True))
    wall = time.monotonic() - start
    # Seconds per point: the solver, the warm start and the product relaxation: the time the point took.
    seconds = np.array([p.extras.get("solve_seconds", math.nan) + p.extras.get("warm_start_seconds", 0.0)
                        + p.extras.get("cut_seconds", 0.0) for p in points], dtype=float)
    variances = np.array([p.variance if p.feasible else math.nan for p in points])
    gaps = 100 * (variances - reference) / reference
    mip_gaps = np.array([100 * p.extras.get("mip_gap", math.inf) if p.status != "optimal" else 0.0 for p in points])
    return {"set": f"{name} (N={problem.n_assets})", "config": label, "points": len(points),
            "optimal": sum(p.status == "optimal" for p in points),
            "time_limit": sum(p.status == "time_limit" for p in points),
            "other": sum(p.status not in ("optimal", "time_limit") for p in points),
            "within_1pct": int(np.sum(mip_gaps <= 1.0)),
            "median_s": float(np.nanmedian(seconds)), "max_s": float(np.nanmax(seconds)),
            "mean_gap": float(np.nanmean(gaps)), "max_gap": float(np.nanmax(gaps)),
            "max_mip_gap": float(np.max(mip_gaps)), "wall_s": wall, "seconds": seconds,
            "statuses": [p.status for p in points], "point_gaps": gaps, "point_mip_gaps": mip_gaps}


def markdown(rows: list[dict], limit: float, targets_kind: str, clock: str) -> str:
    reference = "published" if targets_kind == "published" else "Gurobi optimum"
    gurobi = any(r["config"].startswith("gurobi") for r in rows)
    lines = [f"SCIP {scip_version()}{gurobi_version() if gurobi else ''} per frontier point, K = {K} (at most), "
             f"w >= 0, limit {limit:g} s per point (SCIP's clock: {clock}; Gurobi's: wall), {targets_kind} targets",
             "",
             "| data set | config | points | optimal | at time limit | other | proven gap <= 1 % | median s | max s "
             f"| mean gap to {reference} % | max gap to {reference} % | max MIP gap % | wall s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['config']} | {r['points']} | {r['optimal']} | {r['time_limit']} "
                     f"| {r['other']} "
                     f"| {r['within_1pct']} | {r['median_s']:.2f} | {r['max_s']:.2f} | {r['mean_gap']:+.4f} "
                     f"| {r['max_gap']:+.4f} | {r['max_mip_gap']:.3f} | {r['wall_s']:.1f} |")
    return "\n".join(lines)


def per_point_markdown(rows: list[dict]) -> str:
    """Seconds per point (o: proven optimal, t: time limit, with its proven gap in %)."""
    lines = ["", "Seconds per point (o = proven optimal, t(g) = stopped at the limit with proven gap g %):", "",
             "| data set | config | " + " | ".join(f"p{i + 1}" for i in range(len(rows[0]["seconds"]))) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in rows[0]["seconds"]) + " |"]
    for r in rows:
        cells = []
        for s, status, gap in zip(r["seconds"], r["statuses"], r["point_mip_gaps"]):
            cells.append(f"{s:.1f} o" if status == "optimal" else f"{s:.1f} t({gap:.2f})")
        lines.append(f"| {r['set']} | {r['config']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def gurobi_version() -> str:
    import gurobipy

    return ", Gurobi " + ".".join(str(part) for part in gurobipy.gurobi.version())


def scip_version() -> str:
    import pyscipopt

    return str(pyscipopt.Model().version())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated, from " + ",".join(SETS))
    parser.add_argument("--limit", type=float, default=60.0, help="seconds per point (warm start included)")
    parser.add_argument("--points", type=int, default=10, help="targets per set")
    parser.add_argument("--configs", default="plain,sdp+ls", help="comma-separated, from " + ",".join(CONFIGS))
    parser.add_argument("--targets", choices=["published", "reference"], default="published")
    parser.add_argument("--clock", choices=list(SCIP_CLOCKS), default="cpu",
                        help="SCIP's time limit in CPU seconds (default: robust to a shared machine) or wall seconds")
    parser.add_argument("--per-point", action="store_true", help="also print the seconds of every point")
    parser.add_argument("--modes", default="hand-over",
                        help="comma-separated: hand-over (one solve over the grid, each solution the next "
                             "targets' start) and/or split (each target on its own, as geo frontier runs it)")
    args = parser.parse_args(argv)
    # Each point's status, gap and seconds on stderr as it finishes (the tables come at the end).
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [s for s in names if s not in SETS] + [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown set(s) or config(s) {', '.join(unknown)}")
    if not (SHARED_DATA / "orlib").is_dir():
        print(f"benchmark data not found at {SHARED_DATA / 'orlib'}", file=sys.stderr)
        return 2
    rows = []
    for name in names:
        if any(CONFIGS[c].get("diagonal", "sdp") == "sdp" and "solver" not in CONFIGS[c] for c in configs):
            dataset = load_dataset(f"orlib:{SHARED_DATA / 'orlib' / (name + '.txt')}")
            cov = ScaledMoments.of(Problem.from_dataset(dataset, K, cardinality="at-most")).cov
            found = sdp_diagonal(cov)
            uniform = len(cov) * np.linalg.eigvalsh(cov)[0]
            print(f"{name}: SDP diagonal in {found.seconds:.1f} s ({found.status}; once per data set, not in the "
                  f"seconds per point): sum(d) = {found.d.sum():.4g} = {found.d.sum() / uniform:.2f} x N lambda_min, "
                  f"{found.d.sum() / np.trace(cov):.1%} of trace(Sigma)", file=sys.stderr, flush=True)
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        for config, mode in [(c, m) for c in configs for m in modes]:
            rows.append(bench_set(name, config, args.limit, args.points, args.targets, args.clock,
                                  split=mode == "split"))
            print(f"{name} {rows[-1]['config']}: done in {rows[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    print(markdown(rows, args.limit, args.targets, args.clock))
    if args.per_point:
        print(per_point_markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
