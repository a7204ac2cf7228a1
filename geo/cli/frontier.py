"""``geo frontier`` and ``geo optimize``: a frontier, or one portfolio, of a data set."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click
import numpy as np

from geo.cli.options import (EXIT_INTERRUPTED, data_options, load_data, problem_options, progress_bar,
                             reports_errors, sector_caps_from_options, sector_options, split_options)
from geo.core.errors import GeoError
from geo.core.results import FrontierResult
from geo.methods.registry import make_method

log = logging.getLogger("geo")


@click.command()
@click.argument("dataset")
@problem_options
@sector_options
@click.option("--points", type=int, default=None, help="Evenly spaced target returns (default 20).")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), default=None,
              help="File of target returns, one per line.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Also write an HTML report of the frontier here (see 'geo report').")
@data_options
@reports_errors
def frontier(dataset: str, **kwargs: Any) -> None:
    """The cardinality-constrained efficient frontier of DATASET."""
    from geo.frontier.targets import evenly_spaced_targets, read_targets_file
    from geo.problem import ObjectiveGrid, Problem

    data_opts, opts = split_options(kwargs)
    if opts["points"] is not None and opts["targets_file"] is not None:
        raise GeoError("--points and --targets were both given", "use one of them")
    method = _method_from_options(opts)
    data = load_data(dataset, data_opts)
    problem = Problem.from_dataset(data, opts["k"], cardinality=opts["cardinality"], w_min=opts["w_min"],
                                   w_max=opts["w_max"], sector_caps=sector_caps_from_options(data, opts))
    if opts["targets_file"]:
        targets = read_targets_file(opts["targets_file"])
    else:
        targets = evenly_spaced_targets(problem, 20 if opts["points"] is None else opts["points"])
    result = _run(problem, ObjectiveGrid.target_returns(targets), method, data, opts)
    click.echo(format_frontier_table(result))
    if opts["report_file"]:
        from geo.report import report_from_result

        report_from_result(result, source=opts["output"] or "this run", output=opts["report_file"], dataset=data)
        click.echo(f"report written to {opts['report_file']}")


@click.command()
@click.argument("dataset")
@problem_options
@sector_options
@click.option("--target-return", type=float, default=None, help="Minimise variance at this return.")
@click.option("--risk-aversion", type=float, default=None, help="Minimise L*variance - (1-L)*return, L in [0, 1].")
@data_options
@reports_errors
def optimize(dataset: str, **kwargs: Any) -> None:
    """One optimal K-asset portfolio of DATASET."""
    from geo.problem import ObjectiveGrid, Problem

    data_opts, opts = split_options(kwargs)
    if (opts["target_return"] is None) == (opts["risk_aversion"] is None):
        raise GeoError("optimize needs exactly one of --target-return and --risk-aversion", "give one of them")
    method = _method_from_options(opts)
    data = load_data(dataset, data_opts)
    problem = Problem.from_dataset(data, opts["k"], cardinality=opts["cardinality"], w_min=opts["w_min"],
                                   w_max=opts["w_max"], sector_caps=sector_caps_from_options(data, opts))
    if opts["target_return"] is not None:
        grid = ObjectiveGrid.target_returns([opts["target_return"]])
    else:
        grid = ObjectiveGrid.risk_aversions([opts["risk_aversion"]])
    result = _run(problem, grid, method, data, opts)
    click.echo(format_portfolio(result))


GEO_OPTIONS = {"generator": "generator", "seed_method": "seed_method", "iterations": "iterations",
               "samples": "samples_per_iteration"}


def _method_from_options(opts: dict[str, Any]):
    """The method named by --method, with the GEO options when it is GEO (an error otherwise)."""
    given = {setting: opts[option] for option, setting in GEO_OPTIONS.items() if opts.get(option) is not None}
    if given and opts["method"] != "geo":
        flags = ", ".join("--" + option.replace("_", "-") for option in GEO_OPTIONS if opts.get(option) is not None)
        raise GeoError(f"{flags} only apply to --method geo (the method is {opts['method']})",
                       "add --method geo or drop those options")
    method = make_method(opts["method"], **given)
    if opts["method"] == "geo":
        from geo.generators import make_generator

        make_generator(method.generator)  # an unknown generator name fails here, before data is loaded
    return method


def _run(problem, grid, method, data, opts: dict[str, Any]) -> FrontierResult:
    from geo.frontier.run import compute_frontier

    if opts["budget"] is not None and opts["budget"] < 1:
        raise GeoError(f"--budget must be a positive number of evaluations (got {opts['budget']})",
                       "use for example --budget 20000")
    if opts["time_limit"] is not None and opts["time_limit"] <= 0:
        raise GeoError(f"--time-limit must be positive (got {opts['time_limit']})", "give seconds, e.g. 60")
    checkpoint_dir = opts["checkpoint_dir"] or (f"{opts['output']}.checkpoint" if opts["output"] else None)
    if opts["resume"] and checkpoint_dir is None:
        raise GeoError("--resume needs the checkpoint of the earlier run", "give the same --output (or --checkpoint)")
    dataset_info = {"name": data.name, **data.metadata}
    with progress_bar(len(grid), f"{method.name}", opts["quiet"]) as progress:
        result = compute_frontier(problem, grid, method, seed=opts["seed"], budget=opts["budget"],
                                  time_limit=opts["time_limit"], dataset=dataset_info, progress=progress,
                                  checkpoint_dir=checkpoint_dir, resume=opts["resume"])
    result.details["command"] = " ".join(["geo", *sys.argv[1:]])
    if opts["output"]:
        result.write_json(opts["output"])
        log.info("results written to %s", opts["output"])
    if result.details.get("interrupted"):
        where = f"partial results written to {opts['output']}" if opts["output"] else "nothing written (no --output)"
        again = "; run the same command with --resume to continue" if result.details.get("checkpoint") else ""
        click.echo(f"geo: interrupted: {where}{again}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    return result


def format_frontier_table(result: FrontierResult) -> str:
    """The frontier as a fixed-width table: one line per target."""
    header = f"{'target':>12} {'return':>12} {'variance':>12} {'stdev':>10} {'assets':>6}  status"
    lines = [f"{result.method} | {result.problem.get('dataset')} | K={result.problem['k']} "
             f"({result.problem['cardinality']}) | seed {result.seed} | {result.timing['wall_s']:.2f} s | "
             f"{result.details.get('evaluations', 0)} evaluations", header]
    for point in result.points:
        if point.feasible:
            lines.append(f"{point.parameter:12.6g} {point.expected_return:12.6g} {point.variance:12.6g} "
                         f"{np.sqrt(point.variance):10.4g} {len(point.weights):6d}  {status_text(point)}")
        else:
            lines.append(f"{point.parameter:12.6g} {'':>12} {'':>12} {'':>10} {'':>6}  {point.status}")
    return "\n".join(lines)


def status_text(point) -> str:
    """The status, with the proven MIP gap when a solver stopped at its limit."""
    gap = point.extras.get("mip_gap")
    if point.status == "time_limit" and gap is not None:
        return f"time_limit (MIP gap {100 * gap:.2f}%)"
    return point.status


def format_portfolio(result: FrontierResult) -> str:
    point = result.points[0]
    if not point.feasible:
        return f"no feasible portfolio ({point.status})"
    lines = [f"return {point.expected_return:.6g}  variance {point.variance:.6g}  "
             f"stdev {np.sqrt(point.variance):.4g}  status {status_text(point)}"]
    for ticker, weight in sorted(point.weights.items(), key=lambda item: -item[1]):
        lines.append(f"  {ticker:<10} {weight:8.4f}")
    return "\n".join(lines)
