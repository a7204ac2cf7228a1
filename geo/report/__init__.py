"""``geo report``: one self-contained HTML report (and optionally a PDF and a weights CSV) of
one or more frontier results files of the same problem.

Layout of the package:
- ``inputs``: load the results, check they are of one problem, label and colour the methods;
- ``references``: the gap reference (exact results or the published CCEF) and the
  unconstrained frontier recomputed from the data set;
- ``tables``, ``portfolios``, ``figures``: the report's content;
- ``context``: all of it gathered for the template (``templates/report.html.j2``);
- ``render``: HTML (Jinja2), PDF (WeasyPrint), the weights CSV, and all-or-nothing writing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from geo.core.errors import GeoError
from geo.core.results import FrontierResult
from geo.report.inputs import ReportInput, load_results, prepare_inputs
from geo.report.portfolios import DEFAULT_POINT_COUNT, PointChoice, parse_points

__all__ = ["DEFAULT_POINT_COUNT", "ReportInput", "load_results", "make_report", "parse_points", "prepare_inputs",
           "report_from_files", "report_from_result"]


def make_report(inputs: list[ReportInput], *, output: str | Path | None = None, pdf: str | Path | None = None,
                weights_csv: str | Path | None = None, points: PointChoice = DEFAULT_POINT_COUNT,
                reference_data: str | Path | None = None, dataset: Any = None) -> dict[str, Path]:
    """Render the report and write the outputs asked for (all of them, or none on an error).

    ``dataset``: the loaded data set of the results, when the caller has it (it saves reloading
    it for the unconstrained frontier and the sectors). Returns the written paths by kind.
    """
    from geo.report import render
    from geo.report.context import build_context

    if output is None and pdf is None and weights_csv is None:
        raise GeoError("the report has nowhere to go", "give --output FILE.html (and/or --pdf, --weights-csv)")
    files: dict[Path, str | bytes] = {}
    written: dict[str, Path] = {}
    if output is not None or pdf is not None:
        html = render.render_html(build_context(inputs, points=points, reference_data=reference_data,
                                                dataset=dataset))
        if output is not None:
            files[Path(output)] = html
            written["html"] = Path(output)
        if pdf is not None:
            files[Path(pdf)] = render.render_pdf(html)
            written["pdf"] = Path(pdf)
    if weights_csv is not None:
        files[Path(weights_csv)] = render.weights_csv(inputs)
        written["weights_csv"] = Path(weights_csv)
    render.write_outputs(files)
    return written


def report_from_result(result: FrontierResult, source: str = "this run", **options: Any) -> dict[str, Path]:
    """The report of one in-memory result (``geo frontier --report``)."""
    return make_report(prepare_inputs([ReportInput(result, source)]), **options)


def report_from_files(paths: Sequence[str | Path], **options: Any) -> dict[str, Path]:
    """The report of results files (``geo report``)."""
    return make_report(load_results(paths), **options)
