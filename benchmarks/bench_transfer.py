"""GEO's transfer across rebalance dates (issue 17 §2; RESULTS.md §8e), at an equal budget per date.

The monthly backtest of K out of the point-in-time S&P 500 (the shared daily data and its
membership): each date's problem is built as ``geo backtest`` builds it (its estimate, its
universe, its targets: ``--choose min-variance``, one target, or ``--choose max-sharpe-grid
--points P``, P frontier targets), and solved by GEO with the same per-date seeds, in a chain
of dates:

- ``none``: every date fresh (the control); ``pool``: the previous date's best selections
  re-priced on the new moments; ``models``: its trained generators mapped to the new universe;
  ``all``: both (:mod:`geo.generator_enhanced.transfer`);
- the reference of each date: local search (steepest descent, iterated kicks until its budget
  is spent) at ``--reference-factor`` times the budget. Steepest, not reduced-cost: with
  iterated kicks the reduced-cost descent spent 75-87 s on 20,000 evaluations of one of these
  dates, the steepest 0.7-1.5 s on 50,000, and both reached the same variance on the four
  date-and-constraint cases tried.

Per arm, seed and date: the best variance, its gap to the reference, and the evaluation count at
which the run first came within 0.01 % of the reference (recorded by a tracing evaluator after
every pricing call, so to within one call). Every date's ``details.evaluations`` is checked
against the budget. Each run is saved under ``--output``; a run whose file exists is not run
again (split a campaign into holds of at most 20 minutes), and the table is printed from the
files present:

    .venv/bin/python -m benchmarks.bench_transfer --budget 5000 --arms none,all --seeds 0,1,2
    .venv/bin/python -m benchmarks.bench_transfer --budget 5000 --table
    .venv/bin/python -m benchmarks.bench_transfer --budget 20000 --choose max-sharpe-grid --points 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import SHARED_DATA, machine_description
from geo.data.prices import load_price_table
from geo.distributed import task_seeds
from geo.methods.registry import make_method
from geo.orchestration.backtest.calendar import backtest_calendar, parse_window
from geo.orchestration.backtest.choose import ChooseRule
from geo.orchestration.backtest.rebalance import (PERIODS_PER_YEAR, RebalanceSettings, RebalanceTask, build_problem,
                                                 date_grid, estimate)
from geo.orchestration.frontier.run import compute_frontier
from geo.problem.evaluator import SelectionEvaluator

DATA = SHARED_DATA / "sp500_daily_2013_2018"
PRICES = DATA / "sp500_close_wide_2013_2018.csv.gz"
MEMBERSHIP = DATA / "membership.csv"
REACHED_RTOL = 1e-4  # "reaches the reference": within 0.01 % of its variance
ARMS = ("none", "pool", "models", "all")


class TracingEvaluator(SelectionEvaluator):
    """The evaluator, recording (evaluations so far, best cost per target) whenever a pricing
    call lowers a target's best cost."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.trace: list[tuple[int, list[float]]] = []
        self._last = np.full(len(self.grid), np.inf)

    def _note(self) -> None:
        best = self.best_known()[1]
        if np.any(best < self._last):
            self.trace.append((int(self.n_evaluations), [float(c) for c in best]))
            self._last = best

    def costs(self, *args, **kwargs):
        out = super().costs(*args, **kwargs)
        self._note()
        return out

    def move_costs(self, *args, **kwargs):
        out = super().move_costs(*args, **kwargs)
        self._note()
        return out


def date_problems(args: argparse.Namespace) -> list[tuple[str, Any, Any]]:
    """(date, problem, grid) of every rebalance date, as ``geo backtest`` builds them."""
    table = load_price_table(f"csv:{PRICES}", membership=str(MEMBERSHIP))
    n_window = parse_window("1y")
    calendar = backtest_calendar(table.prices.index, args.start, args.end, "monthly", n_window)
    settings = RebalanceSettings(k=args.k, choose=args.choose, points=args.points,
                                 estimation={"estimator": "ledoit-wolf"})
    out = []
    for p in calendar.rebalances:
        task = RebalanceTask(date=table.prices.index[p].date().isoformat(), first_row=p - n_window, last_row=p,
                             seed=0, settings=settings)
        data, _ = estimate(task, table)
        problem = build_problem(data, settings)
        grid, _ = date_grid(problem, ChooseRule.parse(args.choose), settings, PERIODS_PER_YEAR["daily"])
        out.append((task.date, problem, grid))
    return out


def run_chain(problems, arm: str, seed: int, budget: int, generator: str) -> list[dict[str, Any]]:
    """GEO over the dates in order, each handing on what ``arm`` carries; per date its record."""
    seeds = task_seeds(seed, len(problems))
    carried, rows = None, []
    for (date, problem, grid), date_seed in zip(problems, seeds):
        method = make_method("geo", generator=generator)
        method.carried_in, method.hands_on = carried, arm != "none"
        evaluator = TracingEvaluator(problem, grid)
        started = time.perf_counter()
        result = compute_frontier(problem, grid, method, seed=date_seed, budget=budget, evaluator=evaluator)
        details = result.details
        if details["evaluations"] > budget:
            raise AssertionError(f"{date}: {details['evaluations']} evaluations, budget {budget}")
        carried = method.carry_out.restricted_to(arm) if method.carry_out else None
        rows.append({"date": date, "n_assets": problem.n_assets, "costs": [p.variance for p in result.points],
                     "evaluations": details["evaluations"], "seed_evaluations": details.get("seed_evaluations"),
                     "iterations": len(details.get("iterations", [])), "transfer": details.get("transfer"),
                     "trace": evaluator.trace, "seconds": time.perf_counter() - started})
    return rows


def reference(problems, budget: int) -> list[dict[str, Any]]:
    method = make_method("local-search", descent="steepest", kicks=10**9)
    rows = []
    for date, problem, grid in problems:
        started = time.perf_counter()
        result = compute_frontier(problem, grid, method, seed=0, budget=budget)
        rows.append({"date": date, "costs": [p.variance for p in result.points],
                     "evaluations": result.details["evaluations"], "seconds": time.perf_counter() - started})
    return rows


def reached_at(trace: list, target: list[float]) -> int | None:
    """The evaluation count at which every target first came within REACHED_RTOL of ``target``."""
    bound = np.array(target) * (1 + REACHED_RTOL)
    for evaluations, best in trace:
        if np.all(np.array(best) <= bound):
            return evaluations
    return None


def mean_gap(costs: list[float], reference_costs: list[float]) -> float:
    """Mean over a date's targets of the gap to the reference, in percent."""
    return statistics.mean(100 * (c - r) / r for c, r in zip(costs, reference_costs))


def table(folder: Path, budget: int) -> str:
    ref_path = folder / "reference.json"
    if not ref_path.exists():
        return "no reference yet"
    ref = {r["date"]: r["costs"] for r in json.loads(ref_path.read_text())}
    runs = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*-s*.json"))}
    best = dict(ref)
    for rows in runs.values():
        for r in rows:
            best[r["date"]] = [min(a, b) for a, b in zip(best[r["date"]], r["costs"])]
    seed_share = [r["seed_evaluations"] / r["evaluations"] for rows in runs.values() for r in rows
                  if r["evaluations"]]
    lines = [f"budget {budget} per date, {len(ref)} dates; reference: local search at the reference budget; "
             f"GEO's seed took {100 * min(seed_share):.0f}-{100 * max(seed_share):.0f} % of each date's evaluations",
             "| arm | seeds | mean gap to reference (spread over seeds) | gap to best known | dates within 0.01 % "
             "of reference | evaluations to reach it (median over reached dates) |",
             "|---|---|---|---|---|---|"]
    arms: dict[str, list[list[dict]]] = {}
    for name, rows in runs.items():
        arms.setdefault(name.rsplit("-s", 1)[0], []).append(rows)
    for arm, seeds in arms.items():
        gaps, best_gaps, shares, reach = [], [], [], []
        for rows in seeds:
            gaps.append(statistics.mean(mean_gap(r["costs"], ref[r["date"]]) for r in rows))
            best_gaps.append(statistics.mean(mean_gap(r["costs"], best[r["date"]]) for r in rows))
            at = [reached_at(r["trace"], ref[r["date"]]) for r in rows]
            shares.append(sum(a is not None for a in at) / len(rows))
            reach.extend(a for a in at if a is not None)
        lines.append(f"| {arm} | {len(seeds)} | {statistics.mean(gaps):+.4f} % ({min(gaps):+.4f}..{max(gaps):+.4f}) | "
                     f"{statistics.mean(best_gaps):.4f} % ({min(best_gaps):.4f}..{max(best_gaps):.4f}) | "
                     f"{100 * statistics.mean(shares):.0f} % ({100 * min(shares):.0f}..{100 * max(shares):.0f}) | "
                     f"{statistics.median(reach) if reach else '—'} ({len(reach)} of "
                     f"{sum(len(rows) for rows in seeds)}) |")
    return "\n".join(lines + carried_pool_use(arms) + hard_dates(arms, ref))


def carried_pool_use(arms: dict[str, list[list[dict]]]) -> list[str]:
    """Per arm carrying a pool: on how many dates pricing it (right after the seed) lowered some
    target's best cost, and the evaluations it cost."""
    lines = []
    for arm, seeds in arms.items():
        rows = [r for runs in seeds for r in runs if r.get("transfer") and "evaluations" in r["transfer"]]
        if arm not in ("pool", "all") or not rows:
            continue
        improved = 0
        for r in rows:
            start, spent = r["seed_evaluations"], r["transfer"]["evaluations"]
            improved += any(start < at <= start + spent for at, _ in r["trace"])  # the trace holds improvements only
        cost = [r["transfer"]["evaluations"] for r in rows]
        lines.append(f"- {arm}: the carried pool lowered a target's best on {improved} of {len(rows)} dates; "
                     f"it cost {min(cost)}-{max(cost)} evaluations a date")
    return ["", "The carried pool, priced right after the seed:", ""] + lines if lines else []


def hard_dates(arms: dict[str, list[list[dict]]], ref: dict[str, list[float]]) -> list[str]:
    """The dates some run did not reach: per arm, how many seeds reached it, and at what count."""
    dates = sorted({r["date"] for seeds in arms.values() for rows in seeds for r in rows
                    if reached_at(r["trace"], ref[r["date"]]) is None})
    lines = []
    for date in dates:
        parts = []
        for arm, seeds in arms.items():
            at = [reached_at(r["trace"], ref[date]) for rows in seeds for r in rows if r["date"] == date]
            found = sorted(a for a in at if a is not None)
            parts.append(f"{arm} {len(found)} of {len(at)}" + (f" (at {', '.join(map(str, found))})" if found else ""))
        lines.append(f"- {date}: reached by " + "; ".join(parts))
    return ["", "Dates some run did not reach:", ""] + lines if lines else []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=5000, help="Evaluations per date.")
    parser.add_argument("--arms", default="none,all", help="Transfer modes to run: " + ",".join(ARMS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--generator", default="mps")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--choose", default="min-variance", choices=["min-variance", "max-sharpe-grid"])
    parser.add_argument("--points", type=int, default=5, help="Targets per date with --choose max-sharpe-grid.")
    parser.add_argument("--start", default="2014-03-01")
    parser.add_argument("--end", default="2015-03-01")
    parser.add_argument("--reference-factor", type=int, default=10)
    parser.add_argument("--output", default="results/bench-transfer")
    parser.add_argument("--table", action="store_true", help="Only print the table of the files present.")
    args = parser.parse_args()
    case = "" if args.choose == "min-variance" else f"-grid{args.points}"
    folder = Path(args.output) / f"budget{args.budget}{case}"
    folder.mkdir(parents=True, exist_ok=True)
    if args.table:
        print(table(folder, args.budget))
        return
    print(machine_description(), flush=True)
    problems = date_problems(args)
    print(f"{len(problems)} dates {problems[0][0]}..{problems[-1][0]}, universe "
          f"{min(p.n_assets for _, p, _ in problems)}-{max(p.n_assets for _, p, _ in problems)}", flush=True)
    ref_path = folder / "reference.json"
    if not ref_path.exists():
        started = time.perf_counter()
        ref_path.write_text(json.dumps(reference(problems, args.reference_factor * args.budget)))
        print(f"reference: {time.perf_counter() - started:.0f} s", flush=True)
    suffix = "" if args.generator == "mps" else f"-{args.generator}"
    for seed in [int(s) for s in args.seeds.split(",")]:
        for arm in args.arms.split(","):
            path = folder / f"{arm}{suffix}-s{seed}.json"
            if path.exists():
                continue
            started = time.perf_counter()
            path.write_text(json.dumps(run_chain(problems, arm, seed, args.budget, args.generator)))
            print(f"{arm}{suffix} seed {seed}: {time.perf_counter() - started:.0f} s", flush=True)
            print(table(folder, args.budget), flush=True)


if __name__ == "__main__":
    main()
