"""``geo frontier`` and ``geo optimize``: a thin layer over :func:`geo.api.frontier` and
:func:`geo.api.optimize` (same names, same defaults), plus the table, the report and Ctrl-C."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

import click

from geo.cli.options import (EXIT_INTERRUPTED, certify_options, dask_options, data_options, holdings_options,
                             problem_options, progress_bar, reports_errors, sector_options, split_options)
from geo.cli.quantum_options import qcbm_options, qcbm_settings

if TYPE_CHECKING:  # the API is imported when a command runs: 'geo --help' and 'geo report' need none of it
    from geo.api.result import Frontier

log = logging.getLogger("geo")


@click.command()
@click.argument("dataset")
@problem_options
@sector_options
@holdings_options
@click.option("--points", type=int, default=None, help="Evenly spaced target returns (default 20).")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), default=None,
              help="File of target returns, one per line.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Also write an HTML report of the frontier here (see 'geo report').")
@click.option("--restarts", type=int, default=1, show_default=True,
              help="Independent runs of a budgeted method (seeds from --seed, --budget split between them); "
                   "each target keeps the cheapest point.")
@certify_options
@dask_options
@data_options
@qcbm_options
@reports_errors
def frontier(dataset: str, **kwargs: Any) -> None:
    """The cardinality-constrained efficient frontier of DATASET."""
    from geo.api.run import DatasetSpec, frontier as compute_frontier_api
    from geo.api.text import frontier_table

    data_opts, opts, quiet = _api_settings(kwargs)
    report_file = opts.pop("report_file")
    opts["targets"] = opts.pop("targets_file")
    with progress_bar(opts["points"] or 1, opts["method"], quiet) as progress:
        front = compute_frontier_api(DatasetSpec(dataset, data_opts), **opts, progress=progress,
                                     command=_command_line())
    _finish(front, opts["output"])
    click.echo(frontier_table(front.result))
    if report_file:
        front.report(report_file, source=opts["output"] or "this run")
        click.echo(f"report written to {report_file}")


@click.command()
@click.argument("dataset")
@problem_options
@sector_options
@holdings_options
@click.option("--target-return", type=float, default=None, help="Minimise variance at this return.")
@click.option("--risk-aversion", type=float, default=None, help="Minimise L*variance - (1-L)*return, L in [0, 1].")
@click.option("--max-sharpe", is_flag=True,
              help="The K-asset selection whose tangency portfolio (same bounds and caps) has the highest Sharpe "
                   "ratio.")
@click.option("--risk-free-rate", type=float, default=0.0, show_default=True,
              help="Annual risk-free rate of --max-sharpe (made per period by the data's frequency).")
@certify_options
@data_options
@qcbm_options
@reports_errors
def optimize(dataset: str, **kwargs: Any) -> None:
    """One optimal K-asset portfolio of DATASET."""
    from geo.api.run import DatasetSpec, optimize as optimize_api
    from geo.api.text import portfolio_text

    data_opts, opts, quiet = _api_settings(kwargs)
    with progress_bar(1, opts["method"], quiet) as progress:
        front = optimize_api(DatasetSpec(dataset, data_opts), **opts, progress=progress, command=_command_line())
    _finish(front, opts["output"])
    click.echo(portfolio_text(front.result))


def _api_settings(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """The command's options as the API's names: (data options, run settings, quiet)."""
    data_opts, opts = split_options(kwargs)
    opts["generator_options"] = qcbm_settings(opts) or None
    opts["sector_caps"], opts["sectors"] = opts.pop("sector_caps_file"), opts.pop("sectors_file")
    opts["checkpoint"] = opts.pop("checkpoint_dir")
    return data_opts, opts, opts.pop("quiet")


def _command_line() -> str:
    return " ".join(["geo", *sys.argv[1:]])


def _finish(front: Frontier, output: str | None) -> None:
    """Say where the results went; after Ctrl-C, say how to resume and exit 130."""
    if output:
        log.info("results written to %s", output)
    if front.interrupted:
        where = f"partial results written to {output}" if output else "nothing written (no --output)"
        again = "; run the same command with --resume to continue" if front.result.details.get("checkpoint") else ""
        click.echo(f"geo: interrupted: {where}{again}", err=True)
        sys.exit(EXIT_INTERRUPTED)
