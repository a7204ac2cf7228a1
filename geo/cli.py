"""The ``geo`` command line (click). DESIGN.md, "Contracts", fixes the commands and options.

Errors a user can fix (:class:`GeoError`) become one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable

import click
import numpy as np

from geo.core.versions import GEO_VERSION as __version__
from geo.core.errors import GeoError
from geo.methods.registry import make_method, method_names
from geo.core.results import FrontierResult
from geo.problem.problem import CARDINALITIES

log = logging.getLogger("geo")

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def data_options(command: Callable) -> Callable:
    """Options that say how a DATASET becomes expected returns and a covariance.

    The data layer's warnings (:class:`geo.data.DataWarning`) are shown as ``geo: warning: ...``.
    """

    @functools.wraps(command)
    def with_data_warnings(*args: Any, **kwargs: Any) -> Any:
        import warnings

        from geo.data import DataWarning

        with warnings.catch_warnings():
            warnings.simplefilter("always", DataWarning)
            show_other = warnings.showwarning

            def show(message, category, *rest, **more):
                if issubclass(category, DataWarning):
                    click.echo(f"geo: warning: {message}", err=True)
                else:
                    show_other(message, category, *rest, **more)

            warnings.showwarning = show
            return command(*args, **kwargs)

    options = [
        click.option("--kind", type=click.Choice(["prices", "returns"]), default=None,
                     help="What a csv: file holds (default prices)."),
        click.option("--start", default=None, help="First date of the estimation window (YYYY-MM-DD)."),
        click.option("--end", default=None, help="Last date of the estimation window (YYYY-MM-DD)."),
        click.option("--frequency", type=click.Choice(["daily", "weekly", "monthly"]), default=None,
                     help="Resample prices before computing returns (default: the data's own)."),
        click.option("--return-kind", type=click.Choice(["simple", "log"]), default=None,
                     help="Simple or log returns (default simple)."),
        click.option("--estimator", type=click.Choice(["sample", "ledoit-wolf"]), default=None,
                     help="Covariance estimator (default sample)."),
        click.option("--max-missing", type=float, default=None,
                     help="Drop tickers missing more than this share of prices (default 0.05)."),
        click.option("--tickers-file", type=click.Path(dir_okay=False), default=None,
                     help="Tickers for yahoo:sp500 when Wikipedia cannot be reached."),
        click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                     help="Where yahoo: prices are cached (default data/cache)."),
        click.option("--repair-covariance", type=click.Choice(["none", "nearest-psd"]), default=None,
                     help="A covariance that is not positive semi-definite is an error (none, the default), "
                          "or is replaced by the nearest PSD matrix and reported (nearest-psd)."),
    ]
    decorated = with_data_warnings
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def problem_options(command: Callable) -> Callable:
    options = [
        click.option("-k", "--k", "k", type=int, required=True, help="Number of assets to hold."),
        click.option("--cardinality", type=click.Choice(CARDINALITIES), default="exact", show_default=True,
                     help="Hold exactly K assets, or at most K."),
        click.option("--w-min", type=float, default=0.0, show_default=True, help="Minimum weight of a held asset."),
        click.option("--w-max", type=float, default=1.0, show_default=True, help="Maximum weight of an asset."),
        click.option("--method", default="local-search", show_default=True,
                     help=f"Solver: {', '.join(method_names())}."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random choice."),
        click.option("--time-limit", type=float, default=None, help="Seconds for the whole command."),
        click.option("--budget", type=int, default=None, help="Selection evaluations a heuristic may spend."),
        click.option("--generator", default=None,
                     help="GEO's generative model: mps, qcbm, independent, uniform (default mps)."),
        click.option("--seed-method", default=None,
                     help="GEO's starting pool: random (stand-alone) or local-search, annealing, relaxation, exact "
                          "(booster). Default random."),
        click.option("--iterations", type=int, default=None, help="GEO iterations (default 20 without --budget)."),
        click.option("--samples", type=int, default=None, help="GEO samples per iteration (default 200)."),
        click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write results JSON here."),
        click.option("--checkpoint", "checkpoint_dir", type=click.Path(file_okay=False), default=None,
                     help="Save progress here (default: OUTPUT.checkpoint beside --output)."),
        click.option("--resume", is_flag=True, help="Continue from the checkpoint of an interrupted run."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def reports_errors(command: Callable) -> Callable:
    """Turn a GeoError into one line and exit code 2, Ctrl-C into exit 130; no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GeoError as error:
            click.echo(f"geo: error: {error.one_line()}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("geo: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geo")
@click.option("--verbose", "-v", is_flag=True, help="Log what geo does.")
def main(verbose: bool) -> None:
    """geo: cardinality-constrained portfolio optimisation with Generator-Enhanced Optimization."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="geo: %(message)s")


def _load(dataset_spec: str, data_opts: dict[str, Any]):
    from geo.data import load_dataset

    # Only what the user set: each source says clearly which options it does not take.
    options = {key: value for key, value in data_opts.items() if value is not None}
    return load_dataset(dataset_spec, **options)


def _split_options(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    data_keys = ("kind", "start", "end", "frequency", "return_kind", "estimator", "max_missing", "tickers_file",
                 "cache_dir", "repair_covariance")
    return ({k: kwargs.pop(k) for k in data_keys}, kwargs)


@main.command()
@click.argument("dataset")
@problem_options
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

    data_opts, opts = _split_options(kwargs)
    if opts["points"] is not None and opts["targets_file"] is not None:
        raise GeoError("--points and --targets were both given", "use one of them")
    method = _method_from_options(opts)
    data = _load(dataset, data_opts)
    problem = Problem.from_dataset(data, opts["k"], cardinality=opts["cardinality"], w_min=opts["w_min"],
                                   w_max=opts["w_max"])
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


@main.command()
@click.argument("dataset")
@problem_options
@click.option("--target-return", type=float, default=None, help="Minimise variance at this return.")
@click.option("--risk-aversion", type=float, default=None, help="Minimise L*variance - (1-L)*return, L in [0, 1].")
@data_options
@reports_errors
def optimize(dataset: str, **kwargs: Any) -> None:
    """One optimal K-asset portfolio of DATASET."""
    from geo.problem import ObjectiveGrid, Problem

    data_opts, opts = _split_options(kwargs)
    if (opts["target_return"] is None) == (opts["risk_aversion"] is None):
        raise GeoError("optimize needs exactly one of --target-return and --risk-aversion", "give one of them")
    method = _method_from_options(opts)
    data = _load(dataset, data_opts)
    problem = Problem.from_dataset(data, opts["k"], cardinality=opts["cardinality"], w_min=opts["w_min"],
                                   w_max=opts["w_max"])
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
    with _progress_bar(len(grid), f"{method.name}", opts["quiet"]) as progress:
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


class _progress_bar:
    """A tqdm bar on stderr fed by a method's ``progress(done, total)`` calls."""

    def __init__(self, total: int, label: str, quiet: bool, unit: str = "target") -> None:
        self.total, self.label, self.quiet, self.unit = total, label, quiet, unit
        self.bar = None

    def __enter__(self):
        if self.quiet:
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=self.total, desc=self.label, unit=self.unit, file=sys.stderr, leave=False,
                        disable=None)

        def update(done: int, total: int) -> None:
            self.bar.total = total
            self.bar.n = done
            self.bar.refresh()

        return update

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()


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


@main.group()
def data() -> None:
    """Inspect data sets."""


@data.command("info")
@click.argument("dataset")
@data_options
@reports_errors
def data_info(dataset: str, **data_opts: Any) -> None:
    """Tickers, window, cleaning report and a moments summary of DATASET."""
    loaded = _load(dataset, data_opts)
    click.echo(format_dataset_info(loaded))


@data.command("fetch")
@click.argument("dataset")
@data_options
@click.option("--quiet", is_flag=True, help="No progress bar.")
@reports_errors
def data_fetch(dataset: str, quiet: bool, **data_opts: Any) -> None:
    """Download yahoo: prices into the cache (only what it does not hold yet).

    Each batch is cached as it arrives: an interrupted fetch keeps what it got, and running
    the same command again downloads only the rest.
    """
    if not dataset.startswith("yahoo:"):
        raise GeoError(f"'geo data fetch' downloads yahoo: data sets, not {dataset!r}",
                       "use yahoo:T1,T2,... or yahoo:sp500 (other data sets need no download)")
    with _progress_bar(0, "download", quiet, unit="batch") as progress:
        loaded = _load(dataset, {**data_opts, "progress": progress})
    report = loaded.metadata.get("download", {})
    click.echo(f"{loaded.n_assets} tickers cached in {loaded.metadata.get('cache_dir')}: "
               f"{len(report.get('cache_hits', []))} already there, {len(report.get('downloads', []))} batches "
               f"downloaded, {len(report.get('failed', {}))} failed")


@data.command("list")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="The cache folder (default data/cache).")
@reports_errors
def data_list(cache_dir: str | None) -> None:
    """What the price cache holds: one line per ticker with the dates it covers."""
    from geo.data.cache import PriceCache
    from geo.data.yahoo import DEFAULT_CACHE_DIR

    cache = PriceCache(cache_dir or DEFAULT_CACHE_DIR)
    entries = cache.entries()
    if not entries:
        click.echo(f"no cached prices in {cache.folder}")
        return
    click.echo(f"{len(entries)} tickers cached in {cache.folder}")
    for entry in entries:
        click.echo(f"{entry.ticker:<10} {entry.covered_start.date()} .. {entry.covered_end.date()} "
                   f"{len(entry.closes):6d} closes")


def format_dataset_info(dataset) -> str:
    meta = dataset.metadata
    vols = np.sqrt(np.diag(dataset.cov))
    lines = [f"data set     {dataset.name}", f"assets       {dataset.n_assets}",
             f"tickers      {', '.join(dataset.tickers[:12])}{' ...' if dataset.n_assets > 12 else ''}"]
    for key in ("source", "start", "end", "frequency", "return_kind", "estimator", "n_observations"):
        if meta.get(key) is not None:
            lines.append(f"{key:<12} {meta[key]}")
    lines.append(f"mean         min {dataset.mu.min():.4g}  median {np.median(dataset.mu):.4g}  max {dataset.mu.max():.4g}")
    lines.append(f"stdev        min {vols.min():.4g}  median {np.median(vols):.4g}  max {vols.max():.4g}")
    cleaning = meta.get("cleaning") or {}
    for key, value in cleaning.items():
        if value:
            lines.append(f"cleaning     {key}: {value}")
    if dataset.published_uef is not None:
        lines.append(f"published    unconstrained frontier with {len(dataset.published_uef)} points")
    return "\n".join(lines)


@main.command()
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
    written = report_from_files(results, output=output, pdf=pdf, weights_csv=weights_csv,
                                points=parse_points(points), reference_data=reference_data)
    for kind, path in written.items():
        click.echo(f"{kind.replace('_', ' ')} written to {path}")


if __name__ == "__main__":
    main()
