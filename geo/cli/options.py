"""Options, error handling and progress shared by the ``geo`` commands."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click

from geo.core.errors import GeoError
from geo.methods.registry import method_names
from geo.problem.problem import CARDINALITIES

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
        click.option("--sep", default=None,
                     help="Delimiter of a csv: file: a character, or tab, semicolon, comma, pipe (default comma)."),
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
                     help="Where yahoo: prices are cached (default $GEO_CACHE_DIR, else the user cache folder)."),
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
                     help="GEO's starting pool: local-search (booster, the default), annealing, relaxation, exact, "
                          "or random (stand-alone)."),
        click.option("--refine", type=click.Choice(["descent", "guided", "reduced-cost", "random", "none"]),
                     default=None,
                     help="GEO: how each start is refined: steepest swap descent (descent, the default); first "
                          "improvement with the moves in the generator's order (guided), the reduced-cost order "
                          "(reduced-cost) or random order (random); or not at all (none: the paper's raw loop)."),
        click.option("--segments", type=int, default=None,
                     help="GEO: one generator per this many contiguous segments of the frontier "
                          "(default 5; 1 with --refine none, unless --conditioning segment-site)."),
        # Free text, checked by GEO itself: a bad value is then a one-line error, not click's usage text.
        click.option("--conditioning", default=None,
                     help="GEO: condition the generator on the frontier position with one generator per segment "
                          "(segments, the default) or one MPS with an extra site for the segment, sampled with "
                          "that site fixed (segment-site; --generator mps only)."),
        click.option("--starts", default=None,
                     help="GEO: each descent starts from the target's best portfolio moved by swaps drawn from the "
                          "generator's probability ratios (swaps, the default; kick with --generator qcbm), moved "
                          "2 assets towards a generator sample (kick), or from the sample itself (sample)."),
        click.option("--iterations", type=int, default=None,
                     help="GEO iterations (default 20 without --budget or --time-limit)."),
        click.option("--samples", type=int, default=None,
                     help="GEO samples per iteration (default 40 with descent: 10 starts; 200 without)."),
        click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write results JSON here."),
        click.option("--checkpoint", "checkpoint_dir", type=click.Path(file_okay=False), default=None,
                     help="Save progress here (default: OUTPUT.checkpoint beside --output)."),
        click.option("--resume", is_flag=True, help="Continue from the checkpoint of an interrupted run."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def sector_options(command: Callable) -> Callable:
    """Sector caps (geo.problem.sector_caps): one cap for every sector, or a file of caps."""
    options = [
        click.option("--sector-cap", type=float, default=None, help="Cap on the total weight of every sector."),
        click.option("--sector-caps", "sector_caps_file", type=click.Path(dir_okay=False), default=None,
                     help="CSV sector,cap: a cap per sector (others get --sector-cap, or none)."),
        click.option("--sectors", "sectors_file", type=click.Path(dir_okay=False), default=None,
                     help="CSV ticker,sector when the data set records no sectors."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def holdings_options(command: Callable) -> Callable:
    """Today's book and the two controls of a rebalance that knows it (geo.problem.holdings)."""
    options = [
        click.option("--holdings", "holdings", type=click.Path(dir_okay=False), default=None,
                     help="CSV ticker,weight: the book held today (weights summing to 1); the portfolios are then "
                          "those reachable from it."),
        click.option("--max-changes", type=int, default=None,
                     help="With --holdings: at most this many names bought plus sold (weights of kept names may "
                          "change freely)."),
        click.option("--turnover-penalty", type=float, default=None,
                     help="With --holdings: minimise the cost plus KAPPA * sum|w - w_held| (variance units per unit "
                          "of weight traded)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def sector_caps_from_options(data, opts: dict[str, Any]):
    """The SectorCaps of --sector-cap / --sector-caps over ``data``'s tickers (None without caps)."""
    from geo.problem.sector_caps import sector_caps_for

    return sector_caps_for(data, opts.get("sector_cap"), opts.get("sector_caps_file"), opts.get("sectors_file"))


def dask_options(command: Callable) -> Callable:
    """Where the tasks of a command run (geo.distributed.TaskRunner): in-process without either."""
    options = [
        click.option("--workers", type=int, default=None, help="Start a local Dask cluster of N worker processes."),
        click.option("--scheduler", default=None, help="Use the Dask cluster at tcp://HOST:PORT."),
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


def load_data(dataset_spec: str, data_opts: dict[str, Any]):
    from geo.data import load_dataset

    # Only what the user set: each source says clearly which options it does not take.
    options = {key: value for key, value in data_opts.items() if value is not None}
    return load_dataset(dataset_spec, **options)


def split_options(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    data_keys = ("kind", "sep", "start", "end", "frequency", "return_kind", "estimator", "max_missing", "tickers_file",
                 "cache_dir", "repair_covariance")
    return ({k: kwargs.pop(k) for k in data_keys}, kwargs)


class progress_bar:
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


def certify_options(command: Callable) -> Callable:
    """Proven bounds for every point (geo.orchestration.frontier.certify) and the exact method's solver."""
    options = [
        click.option("--certify", is_flag=True,
                     help="Give every point a proven lower bound on its optimal variance and the certified gap to it "
                          "(perspective and SDP relaxations; time reported apart)."),
        click.option("--certify-time", type=float, default=None,
                     help="Seconds for the whole certification (default: no limit)."),
        click.option("--certify-solver-time", type=float, default=None,
                     help="With --certify: seconds of the MIQP --solver per point the relaxations left open."),
        click.option("--solver", type=click.Choice(["scip", "gurobi"]), default="scip", show_default=True,
                     help="MIQP solver of --method exact and --certify-solver-time (gurobi: pip install "
                          "'geo[gurobi]' and a licence)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command
