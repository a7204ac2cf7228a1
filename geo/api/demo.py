"""The first run (``make run``, ``geo demo``): what geo is for, on the bundled sample, in one report.

The same K = 5 frontier of the 20-stock sample twice: by GEO (the default generator, a small
evaluation budget) and by exact enumeration (every selection priced, so every point is a
proven optimum). It prints GEO's gap to that optimum, point by point, and the generator's
metrics per iteration, and writes both results files and one HTML report. Every figure printed
is computed by this run; nothing is quoted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.api.result import Frontier
from geo.api.run import frontier, load

DATASET = "sp500-sample"
K = 5
POINTS = 20
SEED = 7
# About an eighth of what enumeration spends (15,504 selections x 20 targets = 310,080).
GEO_BUDGET = 40_000
ITERATION_COLUMNS = ["exploration", "fidelity", "rate", "quality_coverage", "targets_improved", "evaluations"]


@dataclass
class Demo:
    geo: Frontier
    optimum: Frontier
    report: Path

    @property
    def gaps(self) -> pd.DataFrame:
        return self.geo.compare(self.optimum)


def run_demo(output_dir: str | Path = "results", budget: int = GEO_BUDGET, seed: int = SEED,
             points: int = POINTS, k: int = K) -> Demo:
    """GEO and enumeration on the bundled sample; results files and the report in ``output_dir``."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stem = output_dir / f"{DATASET}-k{k}"
    data = load(DATASET)
    by_geo = frontier(data, k=k, method="geo", budget=budget, seed=seed, points=points,
                      output=f"{stem}-geo.json", command=f"geo demo (GEO, budget {budget}, seed {seed})")
    optimum = frontier(data, k=k, method="enumeration", seed=seed, points=points,
                       output=f"{stem}-enumeration.json", command="geo demo (enumeration)")
    report = by_geo.report(f"{stem}.html", optimum, source=f"{stem}-geo.json")
    return Demo(by_geo, optimum, report)


def demo_text(demo: Demo) -> str:
    """The comparison as text: the frontier side by side, GEO's gap, and its generator per iteration."""
    units = demo.geo.units
    ours, best = demo.geo.to_frame(), demo.optimum.to_frame()
    gaps = demo.gaps
    summary = gaps.attrs["summary"]
    table = pd.DataFrame({
        f"target {units.label}": ours["target_pa" if units.annualised else "target"],
        f"GEO volatility {units.label}": ours["volatility_pa" if units.annualised else "volatility"],
        f"optimal volatility {units.label}": best["volatility_pa" if units.annualised else "volatility"],
        "GEO variance above optimum %": gaps["gap_pct"],
        "optimum holds": best["holdings"],
    })
    iterations = demo.geo.iterations()[ITERATION_COLUMNS]
    geo_seconds, enum_seconds = demo.geo.result.timing["wall_s"], demo.optimum.result.timing["wall_s"]
    within = summary["share_within"]
    lines = [
        f"{DATASET}: the K = {demo.geo.result.problem['k']} frontier of {demo.geo.result.problem['n_assets']} stocks, {len(ours)} targets, "
        f"{demo.geo.result.dataset.get('start')} .. {demo.geo.result.dataset.get('end')}",
        f"- {demo.geo.label}: {demo.geo.evaluations:,} evaluations, {geo_seconds:.1f} s",
        f"- enumeration: {demo.optimum.evaluations:,} evaluations (every selection at every target: "
        f"each point proven optimal), {enum_seconds:.1f} s",
        "",
        table.to_string(index=False, float_format=lambda v: f"{v:.2f}", na_rep="-"),
        "",
        f"GEO's gap to the proven optimum (variance): mean {_pct(summary['mean'])} %, max {_pct(summary['max'])} %, "
        f"{0 if math.isnan(within) else round(within * summary['n_compared'])} of {summary['n_compared']} "
        f"points within {summary['within_pct']} %.",
        "",
        "The generator, iteration by iteration (share of the samples; Gili et al.):",
        iterations.to_string(float_format=lambda v: f"{v:.3f}"),
        "",
        f"report: {demo.report}",
    ]
    return "\n".join(lines)


def _pct(value: float) -> str:
    """Three decimals, without the "-0.000" that round-off below the optimum would print."""
    return f"{round(value, 3) + 0.0:.3f}"
