"""``geo.load``, ``geo.frontier`` and ``geo.optimize``: the Python API, with the CLI's names and defaults.

``geo frontier DATASET -k 5 --method geo --budget 20000 --seed 7`` is
``geo.frontier(geo.load(DATASET), k=5, method="geo", budget=20_000, seed=7)``: every option is a
keyword argument of the same name (dashes become underscores), with the same default. The CLI
is a thin layer over these functions.

>>> import geo
>>> data = geo.load("sp500-sample", start="2020-01-01")
>>> data.n_assets, data.metadata["frequency"]
(20, 'daily')
>>> best = geo.optimize(data, k=3, risk_aversion=0.5, method="enumeration")
>>> best.to_frame().loc[0, "status"], round(float(best.weights().iloc[0].sum()), 6)
('optimal (certified)', 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from geo.api.result import Frontier
from geo.api.settings import build_method, check_certify_settings, check_run_settings
from geo.core.errors import GeoError

if TYPE_CHECKING:  # pragma: no cover
    from geo.data import Dataset

DEFAULT_POINTS = 20
DEFAULT_METHOD = "local-search"
DEFAULT_SEED = 0


@dataclass(frozen=True)
class DatasetSpec:
    """A data set to load with its options, once the run's settings have been checked (the CLI's way)."""

    spec: str
    options: dict[str, Any] = field(default_factory=dict)

    def load(self) -> "Dataset":
        return load(self.spec, **self.options)


def as_dataset(data: "Dataset | DatasetSpec | str | pd.DataFrame") -> "Dataset":
    """A Dataset as given, or loaded from a spec or a DataFrame of prices (with the defaults)."""
    if isinstance(data, DatasetSpec):
        return data.load()
    return load(data) if isinstance(data, (str, pd.DataFrame)) else data


def load(dataset: "str | pd.DataFrame", **options: Any) -> "Dataset":
    """The data set named by ``dataset`` with its estimated moments (``geo data info DATASET``).

    ``dataset``: ``sp500-sample``, ``csv:PATH``, ``orlib:PATH``, ``moments:DIR``,
    ``yahoo:T1,T2,...`` or ``yahoo:sp500``; or a pandas DataFrame of prices (``kind="returns"``:
    simple returns), a DatetimeIndex by one column per ticker, cleaned exactly as a ``csv:``
    file (``name=`` names it, ``sectors=`` a dict, Series or CSV ticker -> sector).
    ``options``: the CLI's data options, ``start``, ``end``, ``frequency``, ``return_kind``,
    ``estimator``, ``max_missing``, ``kind``, ``sep``, ``tickers_file``, ``cache_dir``,
    ``repair_covariance``; None means the default.
    """
    from geo.data import load_dataset

    return load_dataset(dataset, **{key: value for key, value in options.items() if value is not None})


def frontier(data: "Dataset | DatasetSpec | str | pd.DataFrame", k: int, *, cardinality: str = "exact", w_min: float = 0.0, w_max: float = 1.0,
             sector_cap: float | None = None, sector_caps: str | Path | None = None, sectors: str | Path | None = None,
             holdings: "str | Path | Mapping[str, float] | None" = None, max_changes: int | None = None,
             turnover_penalty: float | None = None, method: str = DEFAULT_METHOD, seed: int = DEFAULT_SEED, budget: int | None = None,
             time_limit: float | None = None, points: int | None = None,
             targets: Sequence[float] | str | Path | None = None, generator: str | None = None,
             seed_method: str | None = None, refine: str | None = None, segments: int | None = None,
             conditioning: str | None = None, starts: str | None = None,
             iterations: int | None = None, samples: int | None = None,
             generator_options: dict[str, Any] | None = None, restarts: int = 1, workers: int | None = None,
             scheduler: str | None = None, output: str | Path | None = None, checkpoint: str | Path | None = None,
             resume: bool = False, progress: Callable[[int, int], None] | None = None,
             command: str | None = None, certify: bool = False, certify_time: float | None = None,
             certify_solver_time: float | None = None, solver: str = "scip") -> Frontier:
    """The cardinality-constrained efficient frontier of ``data`` (``geo frontier``).

    ``sector_cap`` caps every sector's total weight; ``sector_caps`` is a CSV ``sector,cap``;
    ``sectors`` a CSV ``ticker,sector`` when the data set records none.

    ``holdings``: today's book, a CSV ``ticker,weight``, a dict or a pandas Series (weights summing
    to 1, tickers of the data set): the frontier is then of the portfolios reachable from it, with
    ``max_changes`` (at most that many names bought plus sold) and ``turnover_penalty`` kappa (each
    portfolio minimises its cost plus ``kappa * sum|w - h|``). See :mod:`geo.problem.holdings`.

    ``points`` evenly spaced target returns (default 20), or ``targets``: the returns (per
    period of the data), or a file of them. ``budget`` bounds the selection evaluations of a
    heuristic; ``time_limit`` the seconds of the whole run. GEO's ``generator``,
    ``seed_method``, ``refine``, ``segments``, ``conditioning`` (``"segments"``: a generator per
    segment; ``"segment-site"``: one MPS with a segment site), ``starts`` (``"kick"`` or
    ``"sample"``), ``iterations``, ``samples`` and
    ``generator_options`` (the generator's own settings, e.g. a QCBM's ``{"init": "mps",
    "noise": "trapped-ion"}``) apply to ``method="geo"`` only.

    ``restarts``: a budgeted method runs that many independent times (seeds from ``seed``, the
    budget split between them), and each target keeps the cheapest point found. ``workers``
    (a local Dask cluster of that many processes) or ``scheduler`` (``tcp://HOST:PORT``) run
    the tasks (exact: one per target; otherwise one per restart) on Dask; the points are the
    same as in-process, where the same tasks run one after another. ``output``
    writes the results file (and checkpoints to ``OUTPUT.checkpoint`` unless ``checkpoint`` is
    given; ``resume`` continues from it).

    ``certify``: give every point a proven ``lower_bound`` and ``certified_gap`` after the run
    (geo.orchestration.frontier.certify; its seconds are ``timing["certify_s"]``), within
    ``certify_time`` seconds, with ``certify_solver_time`` seconds of the MIQP ``solver`` per
    point still open. ``solver``: "scip" or "gurobi", for ``method="exact"`` and the
    certification.

    >>> import geo
    >>> front = geo.frontier("sp500-sample", k=5, method="geo", budget=2_000, seed=7, points=5)
    >>> front.evaluations <= 2_000, front.to_frame()["status"].unique().tolist()
    (True, ['heuristic'])
    """
    from geo.orchestration.frontier.targets import evenly_spaced_targets, read_targets_file
    from geo.problem import ObjectiveGrid

    if points is not None and targets is not None:
        raise GeoError("--points and --targets were both given", "use one of them")
    check_run_settings(method=method, seed=seed, budget=budget, time_limit=time_limit, points=points,
                       iterations=iterations, samples=samples, segments=segments, restarts=restarts, workers=workers,
                       scheduler=scheduler)
    certification = _certification(method, certify, certify_time, certify_solver_time, solver)
    built = build_method(method, exact_settings={"solver": solver}, generator=generator,
                         seed_method=seed_method, refine=refine, segments=segments, conditioning=conditioning,
                         starts=starts, iterations=iterations, samples=samples, generator_options=generator_options)
    data = as_dataset(data)
    problem = _problem(data, k, cardinality, w_min, w_max, sector_cap, sector_caps, sectors,
                       holdings, max_changes, turnover_penalty)
    if isinstance(targets, (str, Path)):
        values = read_targets_file(targets)
    elif targets is not None:
        values = np.asarray(targets, dtype=float)
    else:
        values = evenly_spaced_targets(problem, DEFAULT_POINTS if points is None else points)
    return _solve(data, problem, ObjectiveGrid.target_returns(values), built, seed=seed, budget=budget,
                  time_limit=time_limit, output=output, checkpoint=checkpoint, resume=resume, progress=progress,
                  restarts=restarts, workers=workers, scheduler=scheduler, certification=certification,
                  command=command or _call("frontier", data, k, method=method, budget=budget, seed=seed,
                                           restarts=None if restarts == 1 else restarts, workers=workers,
                                           scheduler=scheduler))


def optimize(data: "Dataset | DatasetSpec | str | pd.DataFrame", k: int, *, target_return: float | None = None,
             risk_aversion: float | None = None, max_sharpe: bool = False, risk_free_rate: float = 0.0,
             cardinality: str = "exact", w_min: float = 0.0, w_max: float = 1.0,
             sector_cap: float | None = None, sector_caps: str | Path | None = None, sectors: str | Path | None = None,
             holdings: "str | Path | Mapping[str, float] | None" = None, max_changes: int | None = None,
             turnover_penalty: float | None = None, method: str = DEFAULT_METHOD, seed: int = DEFAULT_SEED, budget: int | None = None,
             time_limit: float | None = None, generator: str | None = None, seed_method: str | None = None,
             refine: str | None = None, segments: int | None = None,
             conditioning: str | None = None, starts: str | None = None,
             iterations: int | None = None, samples: int | None = None,
             generator_options: dict[str, Any] | None = None, output: str | Path | None = None,
             checkpoint: str | Path | None = None, resume: bool = False,
             progress: Callable[[int, int], None] | None = None, command: str | None = None,
             certify: bool = False, certify_time: float | None = None, certify_solver_time: float | None = None,
             solver: str = "scip") -> Frontier:
    """One optimal K-asset portfolio (``geo optimize``): at ``target_return`` (per period),
    minimising ``risk_aversion * variance - (1 - risk_aversion) * return``, or (``max_sharpe``)
    the K-asset selection whose tangency portfolio has the highest Sharpe ratio over the annual
    ``risk_free_rate``. ``holdings``, ``max_changes``, ``turnover_penalty``, ``certify``,
    ``certify_time``, ``certify_solver_time`` and ``solver`` as in :func:`frontier`.
    A one-point Frontier."""
    from geo.problem import ObjectiveGrid

    if sum(x is not None for x in (target_return, risk_aversion)) + bool(max_sharpe) != 1:
        raise GeoError("optimize needs exactly one of --target-return, --risk-aversion and --max-sharpe",
                       "give one of them")
    check_run_settings(method=method, seed=seed, budget=budget, time_limit=time_limit, iterations=iterations,
                       samples=samples, segments=segments)
    if max_sharpe and certify:
        from geo.orchestration.frontier.certify import check_certifiable

        check_certifiable("max-sharpe")
    certification = _certification(method, certify, certify_time, certify_solver_time, solver)
    built = build_method(method, exact_settings={"solver": solver}, generator=generator, seed_method=seed_method,
                         refine=refine, segments=segments, conditioning=conditioning, starts=starts,
                         iterations=iterations, samples=samples, generator_options=generator_options)
    data = as_dataset(data)
    problem = _problem(data, k, cardinality, w_min, w_max, sector_cap, sector_caps, sectors,
                       holdings, max_changes, turnover_penalty)
    if max_sharpe:
        grid = ObjectiveGrid.max_sharpe(_risk_free_per_period(data, problem, risk_free_rate))
    elif target_return is not None:
        grid = ObjectiveGrid.target_returns([target_return])
    else:
        grid = ObjectiveGrid.risk_aversions([risk_aversion])
    return _solve(data, problem, grid, built, seed=seed, budget=budget, time_limit=time_limit, output=output,
                  checkpoint=checkpoint, resume=resume, progress=progress, certification=certification,
                  command=command or _call("optimize", data, k, method=method, budget=budget, seed=seed))


def _problem(data: "Dataset", k: int, cardinality: str, w_min: float, w_max: float, sector_cap: float | None,
             sector_caps: str | Path | None, sectors: str | Path | None, holdings: Any = None,
             max_changes: int | None = None, turnover_penalty: float | None = None):
    from geo.problem import Problem
    from geo.problem.holdings import Holdings, as_holdings_mapping, check_controls, position_floor
    from geo.problem.sector_caps import sector_caps_for

    check_controls(max_changes, turnover_penalty)
    book = None
    if holdings is not None:
        book = Holdings.build(data.tickers, as_holdings_mapping(holdings), max_changes=max_changes,
                              turnover_penalty=turnover_penalty)
        w_min = position_floor(w_min, max_changes)
    elif max_changes is not None or turnover_penalty:
        raise GeoError("--max-changes and --turnover-penalty need the book they start from",
                       "give --holdings FILE (CSV ticker,weight)")
    caps = sector_caps_for(data, sector_cap, sector_caps, sectors)
    return Problem.from_dataset(data, k, cardinality=cardinality, w_min=w_min, w_max=w_max, sector_caps=caps,
                                holdings=book)


def _risk_free_per_period(data: "Dataset", problem, annual_rate: float) -> float:
    """The annual risk-free rate per period of the data; refuses a problem no selection of which
    can return more than it (its maximum Sharpe ratio is then not defined)."""
    from geo.core.units import periods_per_year

    periods = periods_per_year(data.metadata.get("frequency"))
    if periods is None and annual_rate != 0:
        raise GeoError(f"the frequency of {data.name} is unknown, so an annual risk-free rate cannot be made "
                       "per period", "give --risk-free-rate 0, or a data set of daily, weekly or monthly prices")
    rate = annual_rate / periods if periods else 0.0
    high = problem.return_range()[1]
    if not high > rate:
        raise GeoError(f"no {problem.k}-asset portfolio returns more than the risk-free rate (highest "
                       f"{high:.4g} per period against {rate:.4g}): the maximum Sharpe ratio is not defined",
                       "lower --risk-free-rate, or use --risk-aversion or --target-return")
    return rate


def _certification(method: str, certify: bool, certify_time: float | None, certify_solver_time: float | None,
                   solver: str) -> dict[str, Any] | None:
    """The checked certification settings (None: no --certify)."""
    check_certify_settings(method=method, certify=certify, certify_time=certify_time,
                           certify_solver_time=certify_solver_time, solver=solver)
    if not certify:
        return None
    return {"time_limit": certify_time, "solver": solver, "solver_seconds": certify_solver_time}


def _solve(data: "Dataset", problem, grid, solver, *, seed: int, budget: int | None, time_limit: float | None,
           output: str | Path | None, checkpoint: str | Path | None, resume: bool,
           progress: Callable[[int, int], None] | None, command: str, restarts: int = 1,
           workers: int | None = None, scheduler: str | None = None,
           certification: dict[str, Any] | None = None) -> Frontier:
    from geo.distributed import TaskRunner
    from geo.orchestration.frontier.spread import spread_frontier

    checkpoint_dir = checkpoint or (f"{output}.checkpoint" if output else None)
    if resume and checkpoint_dir is None:
        raise GeoError("--resume needs the checkpoint of the earlier run", "give the same --output (or --checkpoint)")
    dataset_info = {"name": data.name, **data.metadata}
    with TaskRunner(workers=workers, scheduler=scheduler) as runner:
        result = spread_frontier(problem, grid, solver, seed=seed, budget=budget, time_limit=time_limit,
                                 restarts=restarts, runner=runner, dataset=dataset_info, progress=progress,
                                 checkpoint_dir=checkpoint_dir, resume=resume)
    result.details["command"] = command
    if certification is not None and not result.details.get("interrupted"):
        from geo.orchestration.frontier.certify import certify_result

        certify_result(result, problem, grid, **certification)
    if output:
        result.write_json(output)
    return Frontier(result, data)


def _call(function: str, data: "Dataset", k: int, **settings: Any) -> str:
    """How the run was asked for, recorded in the results (the CLI records its command line)."""
    given = ", ".join(f"{key}={value!r}" for key, value in settings.items() if value is not None)
    return f"geo.{function}({data.name!r}, k={k}, {given})"

