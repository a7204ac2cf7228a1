"""The speed cost of ``--turnover-penalty`` (and ``--max-changes``) on one date's frontier, and the
no-penalty path before and after the branch that added them (RESULTS.md section 16b).

One rebalance date of the S&P daily set (the trailing year to ``--date``, Ledoit-Wolf), K assets
at most, ``--points`` targets, local search with an equal evaluation budget. The holdings are
the K-asset minimum-variance portfolio of the window one month (21 trading days) earlier, as a
monthly backtest would hold them. Runs:

- ``plain``: no holdings (what every frontier did before; works on the code before the branch);
- ``penalty``: the same frontier with ``turnover_penalty`` KAPPA from those holdings;
- ``changes``: the same with ``max_changes`` M (no penalty).

``--sharpe K,K,...`` instead: the max-Sharpe selection of the bundled sp500-sample (20 stocks,
daily, rf = 0) by enumeration (the proof), exact (SCIP) and local search at ``--budget``: seconds,
status and Sharpe ratio of each.

Timed runs take both CPU slots and one pinned core (HELPERS.md):

    /work/bin/cpu -n 2 env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \\
        taskset -c 1 .venv/bin/python -m benchmarks.bench_holdings --runs plain,penalty,changes

Before/after on the no-penalty path: the same script's ``plain`` run on a copy of the code before
the branch (``git archive BASE | tar -x -C /tmp/base``, this file copied into it, run from there
with ``--prices`` pointing at the shared file); it prints which ``geo`` it imported.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import geo
from geo.classical.local_search import LocalSearchMethod
from geo.data import load_dataset
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem

SP500_DAILY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sp500_daily_2013_2018" / \
    "sp500_close_wide_2013_2018.csv.gz"


def window(prices: str, end: str, days: int = 252):
    """The data set of the trailing ``days`` trading days ending on ``end`` (inclusive)."""
    import pandas as pd

    dates = pd.read_csv(prices, usecols=["date"], parse_dates=["date"])["date"]
    last = int(np.flatnonzero(dates <= pd.Timestamp(end))[-1])
    first = dates.iloc[last - days].date().isoformat()
    return load_dataset(f"csv:{prices}", start=first, end=dates.iloc[last].date().isoformat(),
                        estimator="ledoit-wolf"), last


def previous_holdings(prices: str, last_row: int, k: int, budget: int) -> dict[str, float]:
    """The K-asset minimum-variance portfolio one month (21 trading days) before the date."""
    import pandas as pd

    dates = pd.read_csv(prices, usecols=["date"], parse_dates=["date"])["date"]
    data, _ = window(prices, dates.iloc[last_row - 21].date().isoformat())
    problem = Problem.from_dataset(data, k, cardinality="at-most")
    result = compute_frontier(problem, ObjectiveGrid.risk_aversions([1.0]), LocalSearchMethod(), seed=0, budget=budget)
    return result.points[0].weights


def build(data, k: int, run: str, held: dict[str, float], kappa: float, changes: int) -> Problem:
    if run == "plain":
        return Problem.from_dataset(data, k, cardinality="at-most")
    from geo.problem.holdings import Holdings, position_floor

    max_changes = changes if run == "changes" else None
    holdings = Holdings.build(data.tickers, held, outside="sell", max_changes=max_changes,
                              turnover_penalty=kappa if run == "penalty" else 0.0)
    return Problem.from_dataset(data, k, cardinality="at-most", w_min=position_floor(0.0, max_changes),
                                holdings=holdings)


def max_sharpe_runs(ks: list[int], budget: int) -> None:
    from geo.methods.registry import make_method

    data = load_dataset("sp500-sample")
    grid = ObjectiveGrid.max_sharpe(0.0)
    for k in ks:
        problem = Problem.from_dataset(data, k)
        for name, settings, run_budget in (("enumeration", {}, None), ("exact", {"point_time_limit": 600}, None),
                                           ("local-search", {}, budget)):
            started = time.perf_counter()
            point = compute_frontier(problem, grid, make_method(name, **settings), seed=0, budget=run_budget).points[0]
            seconds = time.perf_counter() - started
            print(f"K = {k:2d} {name:13s} {seconds:7.2f} s  {point.status:9s} Sharpe {point.extras['sharpe']:.6f} "
                  f"per day ({point.extras['sharpe'] * np.sqrt(252):.4f} a year)  {' '.join(sorted(point.weights))}",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prices", default=str(SP500_DAILY))
    parser.add_argument("--date", default="2017-12-29")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--budget", type=int, default=20_000)
    parser.add_argument("--kappa", type=float, default=1e-5, help="Turnover penalty (variance units per unit traded).")
    parser.add_argument("--max-changes", type=int, default=4)
    parser.add_argument("--runs", default="plain,penalty,changes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sharpe", default=None, help="K values of the max-Sharpe runs (e.g. 5,8).")
    args = parser.parse_args()
    print(f"geo imported from {Path(geo.__file__).parent}")
    if args.sharpe:
        max_sharpe_runs([int(k) for k in args.sharpe.split(",")], args.budget)
        return
    data, last = window(args.prices, args.date)
    runs = args.runs.split(",")
    held = previous_holdings(args.prices, last, args.k, args.budget) if set(runs) - {"plain"} else {}
    print(f"{data.n_assets} assets, window to {args.date}, K = {args.k} (at most), {args.points} targets, "
          f"budget {args.budget}, holdings {len(held)} names")
    for run in runs:
        problem = build(data, args.k, run, held, args.kappa, args.max_changes)
        grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, args.points))
        seconds, result = [], None
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = compute_frontier(problem, grid, LocalSearchMethod(), seed=0, budget=args.budget)
            seconds.append(time.perf_counter() - started)
        variances = [p.variance for p in result.points if p.feasible]
        print(f"{run:8s} seconds {' '.join(f'{s:.2f}' for s in seconds)} (median {statistics.median(seconds):.2f})"
              f"  evaluations {result.details['evaluations']}  screened {result.details['screened']}"
              f"  feasible points {len(variances)}  mean variance {np.mean(variances):.6e}", flush=True)


if __name__ == "__main__":
    main()
