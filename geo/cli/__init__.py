"""The ``geo`` command line (click). DESIGN.md, "Contracts", fixes the commands and options.

One module per command; errors a user can fix (:class:`GeoError`) become one line on stderr
and exit code 2 (:func:`geo.cli.options.reports_errors`).
"""

from __future__ import annotations

import logging

import click

from geo.cli.backtest import backtest
from geo.cli.circuit import circuit
from geo.cli.data import data
from geo.cli.demo import demo
from geo.cli.frontier import frontier, optimize
from geo.cli.report import report
from geo.core.versions import GEO_VERSION


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(GEO_VERSION, prog_name="geo")
@click.option("--verbose", "-v", is_flag=True, help="Log what geo does.")
def main(verbose: bool) -> None:
    """geo: cardinality-constrained portfolio optimisation with Generator-Enhanced Optimization."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="geo: %(message)s")


for command in (frontier, optimize, backtest, data, report, demo, circuit):
    main.add_command(command)

__all__ = ["main"]
