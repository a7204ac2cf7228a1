"""One rebalance date: estimate on the trailing window, solve, choose; and the benchmarks.

This is the unit of work a backtest spreads over Dask: :func:`solve_rebalance` takes a
:class:`RebalanceTask` (the date, the rows of its trailing window, the settings and the task's
own seed) and the run's :class:`~geo.data.prices.PriceTable`, and returns plain data. It reads
only the window's rows, so nothing after the date can leak in. The table is the same for every
date, so a cluster receives it once (``TaskRunner.map(..., shared=table)``) rather than a copy
of the window with each task; the same task and table give the same answer wherever they run.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo.orchestration.backtest.choose import ChooseRule, choose_point
from geo.orchestration.backtest.holdings_chain import date_holdings, rebalance_record
from geo.orchestration.backtest.universe import date_universe
from geo.core.errors import GeoError
from geo.data.prices import PriceTable

PERIODS_PER_YEAR = {"daily": 252, "weekly": 52, "monthly": 12}


@dataclass(frozen=True)
class RebalanceSettings:
    """The problem, method and estimation settings shared by every rebalance date."""

    k: int
    choose: str = "min-variance"
    cardinality: str = "exact"
    w_min: float = 0.0
    w_max: float = 1.0
    sector_cap: float | None = None
    sector_caps: dict[str, float] | None = None
    method: str = "local-search"
    method_settings: dict[str, Any] = field(default_factory=dict)
    budget: int | None = None
    time_limit: float | None = None
    points: int = 20
    risk_free_rate: float = 0.0
    estimation: dict[str, Any] = field(default_factory=dict)
    # Rebalancing that knows the book (geo.orchestration.backtest.holdings_chain): dates then run in sequence.
    max_changes: int | None = None
    turnover_penalty: float | None = None
    # GEO's transfer across dates (geo.generator_enhanced.transfer): dates then run in sequence.
    transfer: str = "none"

    def __post_init__(self) -> None:
        from geo.generator_enhanced.transfer import check_transfer

        check_transfer(self.transfer, self.method, self.method_settings.get("generator"),
                       self.method_settings.get("conditioning"))

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @property
    def follows_holdings(self) -> bool:
        return self.max_changes is not None or bool(self.turnover_penalty)

    @property
    def in_sequence(self) -> bool:
        """Whether each date needs what the date before it left: its book, or its GEO state."""
        return self.follows_holdings or self.transfer != "none"


@dataclass(frozen=True)
class RebalanceTask:
    """One rebalance date: a few hundred bytes, whatever the size of the universe."""

    date: str
    first_row: int  # the trailing window is rows first_row..last_row of the price table, inclusive;
    last_row: int   # last_row is the rebalance date's own row
    seed: int
    settings: RebalanceSettings
    holdings: dict[str, float] | None = None  # the book drifted to this date (None: from cash)
    carried: Any = None  # with transfer: the GEO state the previous date handed on (None: fresh)

    def window(self, table: PriceTable) -> pd.DataFrame:
        """The window's prices (a slice of the table, not a copy)."""
        window = table.prices.iloc[self.first_row:self.last_row + 1]
        # A task read against another table would silently answer another question.
        if len(window) == 0 or window.index[-1].date().isoformat() != self.date:
            raise GeoError(f"rebalance task of {self.date} does not match the price table {table.name}",
                           "give each task the table its rows were taken from")
        return window


def estimate(task: RebalanceTask, table: PriceTable):
    """The data set of the window: cleaning and moments as every geo command does them."""
    from geo.data.options import EstimationOptions
    from geo.data.pipeline import dataset_from_table

    options = EstimationOptions.pop_from(dict(task.settings.estimation))
    prices, counts = date_universe(task.window(table), table, task.date)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = dataset_from_table(prices, kind="prices", name=table.name, spec=table.name, source="backtest",
                                  options=options, sectors=table.sectors, extra_metadata={"universe": counts})
    # Only assets with a price on the rebalance day can be traded at its close.
    tradeable = [t for t in data.tickers if np.isfinite(prices[t].iloc[-1])]
    if len(tradeable) < data.n_assets:
        data = data.subset(tradeable)
    return data, sorted({str(w.message) for w in caught})


def build_problem(data, settings: RebalanceSettings, k: int | None = None, cardinality: str | None = None,
                  holdings: dict[str, float] | None = None):
    from geo.problem import Problem
    from geo.problem.sector_caps import SectorCaps

    caps = None
    if settings.sector_cap is not None or settings.sector_caps:
        caps = SectorCaps.build(data.tickers, data.sectors, cap=settings.sector_cap, caps=settings.sector_caps)
    book, w_min = date_holdings(data.tickers, settings, holdings)
    return Problem.from_dataset(data, settings.k if k is None else k, cardinality=cardinality or settings.cardinality,
                                w_min=w_min, w_max=settings.w_max, sector_caps=caps, holdings=book)


def solve_rebalance(task: RebalanceTask, table: PriceTable) -> dict[str, Any]:
    """The chosen K-asset portfolio of one date, and the two benchmark portfolios.

    ``settings.time_limit`` bounds this date's frontier: it is a limit per rebalance date.
    """
    started = time.perf_counter()
    settings = task.settings
    data, data_warnings = estimate(task, table)
    problem = build_problem(data, settings, holdings=task.holdings)
    periods = PERIODS_PER_YEAR.get(data.metadata.get("frequency"), 252)
    rule = ChooseRule.parse(settings.choose)
    grid, note = date_grid(problem, rule, settings, periods)
    from geo.orchestration.frontier.run import compute_frontier
    from geo.methods.registry import make_method

    method = make_method(settings.method, **settings.method_settings)
    transfers = settings.transfer != "none"
    if transfers:
        method.carried_in, method.hands_on = task.carried, True
    result = compute_frontier(problem, grid, method, seed=task.seed, budget=settings.budget,
                              time_limit=settings.time_limit)
    if result.details.get("interrupted"):
        # compute_frontier turns Ctrl-C into partial points; a backtest date is either solved
        # or not, so the interrupt goes on up and this date is solved again on --resume.
        raise KeyboardInterrupt
    point = choose_point(rule, result.points, settings.risk_free_rate / periods)
    record: dict[str, Any] = {
        "date": task.date,
        "weights": dict(point.weights) if point is not None else {},
        "expected_return": point.expected_return if point is not None else None,
        "expected_variance": point.variance if point is not None else None,
        "status": point.status if point is not None else _unsolved_status(result.points),
        "universe": data.n_assets,
        "universe_counts": {**data.metadata["universe"], "eligible": data.n_assets},
        "evaluations": result.details.get("evaluations"),
        "frequency": data.metadata.get("frequency"),
        "n_observations": data.metadata.get("n_observations"),
    }
    if point is not None and point.extras.get("mip_gap") is not None:
        record["mip_gap"] = point.extras["mip_gap"]
    if problem.holdings is not None:
        record.update(rebalance_record(problem.holdings, settings, point))
    if transfers:
        record["transfer"] = result.details.get("transfer", {"models": "fresh", "selections_carried": 0})
        # popped by the sequence (geo.orchestration.backtest.holdings_chain) before the record is kept
        record["carry"] = method.carry_out.restricted_to(settings.transfer) if method.carry_out else None
    if note:
        record["note"] = note
    if data_warnings:
        record["warnings"] = data_warnings
    record["benchmarks"] = {"equal_weight": {t: 1.0 / data.n_assets for t in data.tickers},
                            "min_variance": _min_variance(data, settings)}
    record["solve_seconds"] = time.perf_counter() - started
    return record


def date_grid(problem, rule: ChooseRule, settings: RebalanceSettings, periods: int):
    """The objective grid of a date: the one target (or the frontier) its --choose rule needs, and a
    note when a target return had to be moved into the attainable range."""
    from geo.orchestration.frontier.targets import evenly_spaced_targets
    from geo.problem import ObjectiveGrid

    if rule.kind == "min-variance":
        return ObjectiveGrid.risk_aversions([1.0]), None
    if rule.kind == "risk-aversion":
        return ObjectiveGrid.risk_aversions([rule.value]), None
    if rule.kind == "max-sharpe":
        return ObjectiveGrid.max_sharpe(settings.risk_free_rate / periods), None
    if rule.kind == "max-sharpe-grid":
        return ObjectiveGrid.target_returns(evenly_spaced_targets(problem, settings.points)), None
    low, high = problem.return_range()
    wanted = rule.value / periods
    target = min(max(wanted, low), high)
    note = None if target == wanted else (f"target {rule.value:g} a year is outside the attainable "
                                          f"{low * periods:.4g}..{high * periods:.4g}; used {target * periods:.4g}")
    return ObjectiveGrid.target_returns([target]), note


def _unsolved_status(points) -> str:
    statuses = {p.status for p in points}
    return "infeasible" if statuses == {"infeasible"} else sorted(statuses)[0]


def _min_variance(data, settings: RebalanceSettings) -> dict[str, float]:
    """The long-only minimum-variance portfolio of the whole universe: no K, same w_max and caps."""
    from geo.classical.unconstrained import unconstrained_frontier
    from geo.problem import ObjectiveGrid

    try:
        problem = build_problem(data, settings, k=data.n_assets, cardinality="at-most")
    except GeoError:
        return {}
    point = unconstrained_frontier(problem, ObjectiveGrid.risk_aversions([1.0]))[0]
    return dict(point.weights) if point.feasible else {}
