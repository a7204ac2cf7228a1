"""``geo report``: an HTML (and PDF, CSV) report of results files."""

from __future__ import annotations

import click

from geo.cli.options import reports_errors
from geo.core.errors import GeoError


@click.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write the HTML report here.")
@click.option("--pdf", type=click.Path(dir_okay=False), default=None, help="Also write the report as a PDF here.")
@click.option("--weights-csv", type=click.Path(dir_okay=False), default=None,
              help="Write every point's weights here (method, target_return, ticker, weight, point).")
@click.option("--points", default=None,
              help="Portfolios to show per method: a count N (default 5: min variance, max return and between) "
                   "or point numbers such as 1,4,8.")
@click.option("--reference-data", type=click.Path(file_okay=False), default=None,
              help="Folder holding orlib/ccef, for the published frontiers (default ../shared/data).")
@reports_errors
def report(results: tuple[str, ...], output: str | None, pdf: str | None, weights_csv: str | None,
           points: str | None, reference_data: str | None) -> None:
    """A self-contained HTML report (and PDF, weights CSV) of one or more RESULTS.json files."""
    from geo.report import parse_points, report_from_files

    if output is None and pdf is None and weights_csv is None:
        raise GeoError("the report has nowhere to go", "give --output FILE.html (and/or --pdf, --weights-csv)")
    from geo.report.backtest import backtest_report_from_file, is_backtest_file

    if len(results) == 1 and output and is_backtest_file(results[0]):
        click.echo(f"html written to {backtest_report_from_file(results[0], output)}")
        return
    written = report_from_files(results, output=output, pdf=pdf, weights_csv=weights_csv,
                                points=parse_points(points), reference_data=reference_data)
    for kind, path in written.items():
        click.echo(f"{kind.replace('_', ' ')} written to {path}")
