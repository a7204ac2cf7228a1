"""Everything the report template shows, gathered from the results into one plain dict.

The work is done here (metrics, references, chosen portfolios, figures); the template only
lays it out, and ``render.py`` only turns it into HTML, PDF and CSV.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from geo.core.results import PARAMETER_KEYS
from geo.core.units import DisplayUnits
from geo.core.versions import GEO_VERSION as __version__
from geo.metrics.hypervolume import DEFAULT_MARGIN, PLANE
from geo.report import figures, tables
from geo.report.inputs import ReportInput
from geo.report.portfolios import PointChoice, portfolio_tables
from geo.report.references import find_data_root, gap_reference, universe_of
from geo.report.units import annualise_rows, unit_text


def build_context(inputs: list[ReportInput], *, points: PointChoice = 5, reference_data: str | Path | None = None,
                  dataset: Any = None, generated: dt.datetime | None = None) -> dict[str, Any]:
    """The template's context. ``dataset``: the loaded data set, when the caller has it."""
    first = inputs[0].result
    reference = gap_reference(inputs, find_data_root(reference_data))
    universe = universe_of(inputs, dataset)
    hv_point = tables.common_hv_reference(inputs)
    methods = tables.method_rows(inputs, reference, universe, hv_point)
    frequency = first.dataset.get("frequency")

    notes = list(universe.notes)
    if reference is None:
        notes.append("no reference frontier (no exact results among the inputs and no published frontier for "
                     f"{first.problem.get('n_assets')} assets and K = {first.problem.get('k')}): no gaps")
    else:
        notes += reference.notes
    if tables.datasets_differ(inputs):
        notes.append("the results' data sets were prepared differently (see the runs table): the data section "
                     "describes the first one")

    reference_curve = None
    reference_label = None
    if reference is not None and reference.source == "published":
        reference_curve = reference.frame
        reference_label = f"published CCEF (at most K = {first.problem.get('k')})"

    units = DisplayUnits.of(frequency)
    portfolios = [{"label": item.label, "color": item.color, "source": item.source,
                   "points": tables.point_rows(item, row["per_point"]),
                   "certified": any(p.certified_gap is not None for p in item.result.points),
                   **portfolio_tables(item, points, universe.sectors)}
                  for item, row in zip(inputs, methods)]
    for block in portfolios:
        annualise_rows(block["points"], units, first.objective == "target-return")
        annualise_rows(block["columns"], units, False)
    generated = generated or dt.datetime.now(dt.timezone.utc)
    return {
        "title": f"Frontier report: {first.problem.get('dataset')}, K = {first.problem.get('k')} "
                 f"({first.problem.get('cardinality')})",
        "generated": generated.strftime("%Y-%m-%d %H:%M UTC"),
        "geo_version": __version__,
        "inputs": [{"label": i.label, "color": i.color, "source": i.source, "method": i.result.method}
                   for i in inputs],
        "notes": notes,
        "frequency": frequency,
        "parameter_name": PARAMETER_KEYS[first.objective].replace("_", " "),
        "frontier_svg": figures.frontier_figure(inputs, universe.uef, reference_curve, reference_label, frequency),
        "has_uef": universe.uef is not None,
        "uef_description": universe.uef_description,
        "reference": None if reference is None else {"description": reference.description,
                                                     "source": reference.source},
        "hv_point": None if hv_point is None else {
            "variance": hv_point.variance, "return": hv_point.expected_return, "plane": PLANE,
            "rule": f"the largest variance and the lowest return over every method's feasible points, pushed "
                    f"out by {DEFAULT_MARGIN:.0%} of their spans"},
        "methods": methods,
        "portfolios": portfolios,
        "units": unit_text(units, frequency),
        "periods_per_year": units.periods,
        "sectors_known": universe.sectors is not None,
        "sectors_note": universe.sectors_note,
        "geo_runs": [{"label": item.label, "color": item.color, "svg": figures.convergence_figure(item),
                      "rows": tables.generator_rows(item.result), "settings": tables.geo_settings(item.result)}
                     for item in inputs if item.is_geo],
        "generator_columns": tables.GENERATOR_COLUMNS,
        "problem": tables.problem_rows(first, [row["n_points"] for row in methods]),
        "data": tables.data_rows({"name": first.dataset.get("name"), **first.dataset}),
        "cleaning": tables.cleaning_rows(first.dataset),
        "runs": tables.run_rows(inputs),
        "versions": tables.version_rows(inputs),
    }
