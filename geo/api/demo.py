"""The first run (``make run``, ``geo demo``): what geo is for, on the bundled sample, in one report.

The same frontier of the 20-stock sample three times: by GEO with its learned generator (the
default MPS), by the same loop with the uniform generator (its control: random kicks), at the
same small evaluation budget, and by exact enumeration (every selection priced, so every point
is a proven optimum). The problem (exactly 6 stocks, each at least 10 %) is one where GEO's
seed, local search's sweep, misses some optima, so the loop after it has work to do. It prints
each GEO run's gap to the optimum, point by point, what the seed left and what each generator's
proposals improved, and the learned generator's iterations. Every figure printed is computed by
this run; nothing is quoted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.api.result import Frontier
from geo.api.run import frontier, load

DATASET = "sp500-sample"
K = 6
W_MIN = 0.10
POINTS = 20
SEED = 7
# About 1 % of what enumeration spends (38,760 selections x 20 targets): the seed's sweep takes a
# few hundred evaluations, the loops share the rest.
GEO_BUDGET = 3_000
ITERATION_COLUMNS = ["starts", "relay_starts", "targets_improved", "targets_improved_by_generator", "generator_evaluations",
                     "exploration", "quality_coverage", "evaluations"]
# The per-iteration table shows the first iterations, every tenth, and the last.
FIRST_ITERATIONS = 3


@dataclass
class Demo:
    geo: Frontier
    control: Frontier
    optimum: Frontier
    report: Path

    @property
    def gaps(self) -> pd.DataFrame:
        return self.geo.compare(self.optimum)


def run_demo(output_dir: str | Path = "results", budget: int = GEO_BUDGET, seed: int = SEED,
             points: int = POINTS, k: int = K, w_min: float = W_MIN) -> Demo:
    """GEO, its uniform control and enumeration on the bundled sample; results files and the
    report in ``output_dir``."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stem = output_dir / f"{DATASET}-k{k}"
    data = load(DATASET)
    problem = {"k": k, "w_min": w_min, "points": points}
    by_geo = frontier(data, **problem, method="geo", budget=budget, seed=seed, output=f"{stem}-geo.json",
                      command=f"geo demo (GEO, budget {budget}, seed {seed})")
    control = frontier(data, **problem, method="geo", generator="uniform", budget=budget, seed=seed,
                       output=f"{stem}-geo-uniform.json",
                       command=f"geo demo (GEO with the uniform generator, budget {budget}, seed {seed})")
    optimum = frontier(data, **problem, method="enumeration", seed=seed, output=f"{stem}-enumeration.json",
                       command="geo demo (enumeration)")
    report = by_geo.report(f"{stem}.html", control, optimum, source=f"{stem}-geo.json")
    return Demo(by_geo, control, optimum, report)


def demo_text(demo: Demo) -> str:
    """The comparison as text: the frontiers side by side, each GEO run's gap and what its
    generator did, and the learned generator's iterations."""
    units = demo.geo.units
    column = "volatility_pa" if units.annualised else "volatility"
    ours, control, best = demo.geo.to_frame(), demo.control.to_frame(), demo.optimum.to_frame()
    gaps, control_gaps = demo.gaps, demo.control.compare(demo.optimum)
    seed_gaps = seed_gap_pct(demo.geo, demo.optimum)
    table = pd.DataFrame({
        f"target {units.label}": ours["target_pa" if units.annualised else "target"],
        f"optimal volatility {units.label}": best[column],
        "seed above optimum %": seed_gaps,
        f"{demo.geo.label} above %": gaps["gap_pct"],
        f"{demo.control.label} above %": control_gaps["gap_pct"],
        "optimum holds": best["holdings"],
    })
    problem = demo.geo.result.problem
    lines = [
        f"{DATASET}: the frontier of exactly {problem['k']} of {problem['n_assets']} stocks, each at least "
        f"{100 * problem['w_min']:.0f} %, {len(ours)} targets, "
        f"{demo.geo.result.dataset.get('start')} .. {demo.geo.result.dataset.get('end')}",
        f"- enumeration: {demo.optimum.evaluations:,} evaluations (every selection at every target: each point "
        f"proven optimal), {demo.optimum.result.timing['wall_s']:.1f} s",
        *(_run_line(front) for front in (demo.geo, demo.control)),
        "",
        table.to_string(index=False, float_format=_pct, na_rep="-"),
        "",
        *(_gap_line(front, front_gaps) for front, front_gaps in ((demo.geo, gaps), (demo.control, control_gaps))),
        f"- the seed alone (local search's sweep, the same in both): mean {_pct(float(np.nanmean(seed_gaps)))} %, "
        f"{int(np.sum(seed_gaps > 0.05))} of {len(seed_gaps)} points more than 0.05 % above the optimum.",
        "",
        f"{demo.geo.label}, iteration by iteration (the first {FIRST_ITERATIONS}, every tenth, the last):",
        "  targets_improved_by_generator: targets whose best portfolio a start the generator proposed improved;",
        "  generator_evaluations: evaluations spent refining its proposals; exploration, quality_coverage: Gili et al.",
        compact_iterations(demo.geo.iterations()[ITERATION_COLUMNS]).to_string(float_format=lambda v: f"{v:.3f}"),
        "",
        f"report: {demo.report}",
    ]
    return "\n".join(lines)


def seed_gap_pct(front: Frontier, optimum: Frontier) -> np.ndarray:
    """Per target, how far above the optimum the GEO run's seed left it (%; from the run's
    ``improvement_over_seed``)."""
    seed = np.array([np.nan if row["seed_cost"] is None else row["seed_cost"]
                     for row in front.result.details["improvement_over_seed"]])
    return 100.0 * (seed / np.asarray(optimum.result.variances, dtype=float) - 1.0)


def compact_iterations(frame: pd.DataFrame) -> pd.DataFrame:
    """The first iterations, every tenth, and the last."""
    keep = [i for i in frame.index if i <= FIRST_ITERATIONS or i % 10 == 0 or i == frame.index[-1]]
    return frame.loc[keep]


def _run_line(front: Frontier) -> str:
    details = front.result.details
    iterations = details["iterations"]
    improved = sum(r.get("targets_improved_by_generator", 0) for r in iterations)
    spent = sum(r.get("generator_evaluations", 0) for r in iterations)
    return (f"- {front.label}: {front.evaluations:,} evaluations ({details['seed_evaluations']:,} by its seed), "
            f"{len(iterations)} iterations, {front.result.timing['wall_s']:.1f} s; starts its generator "
            f"proposed: {spent:,} evaluations, {improved} target improvements")


def _gap_line(front: Frontier, gaps: pd.DataFrame) -> str:
    summary = gaps.attrs["summary"]
    within = summary["share_within"]
    return (f"- {front.label}: gap to the proven optimum (variance) mean {_pct(summary['mean'])} %, max "
            f"{_pct(summary['max'])} %, {0 if math.isnan(within) else round(within * summary['n_compared'])} of "
            f"{summary['n_compared']} points within {summary['within_pct']} %.")


def _pct(value: float) -> str:
    """Three decimals, without the "-0.000" that round-off below the optimum would print."""
    return f"{round(value, 3) + 0.0:.3f}"
