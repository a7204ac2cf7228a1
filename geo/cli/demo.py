"""``geo demo``: the first run (``make run``): GEO and its uniform control against the proven optimum."""

from __future__ import annotations

import click

from geo.cli.options import reports_errors


@click.command()
@click.option("--output-dir", type=click.Path(file_okay=False), default="results", show_default=True,
              help="Where the three results files and the report go.")
@click.option("--budget", type=int, default=None, help="Each GEO run's evaluation budget (default 3000).")
@click.option("--seed", type=int, default=None, help="Seed of GEO's random choices (default 7).")
@reports_errors
def demo(output_dir: str, budget: int | None, seed: int | None) -> None:
    """The sample's frontier by GEO, by its uniform control and by enumeration: gaps, generators, one report."""
    from geo.api.demo import GEO_BUDGET, SEED, demo_text, run_demo

    click.echo(demo_text(run_demo(output_dir, budget=GEO_BUDGET if budget is None else budget,
                                  seed=SEED if seed is None else seed)))
