"""A whole backtest: calendar, one task per rebalance date (in-process or on Dask), checkpoint
per date, then the buy-and-hold simulation, metrics and benchmarks.

The tasks are the rebalance dates, whatever the number of workers, and each has its seed from
:func:`geo.distributed.task_seeds`, so the answer is the same in-process, on one worker or on
many. A checkpoint keeps every finished date; ``resume`` solves only the others. With
``max_changes`` or ``turnover_penalty`` each date starts from the book the previous one left,
and with GEO's ``transfer`` from the state its GEO run handed on, so the dates run one after
another (:mod:`geo.orchestration.backtest.holdings_chain`); the last date's carry is
checkpointed with the dates.

Ctrl-C keeps the finished dates and raises :class:`BacktestInterrupted` (a KeyboardInterrupt)
with no result: a backtest with missing dates would be a different backtest. Without a
checkpoint folder the finished dates go to :func:`default_checkpoint_dir`, where ``resume``
of the same run finds them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import platformdirs

from geo.orchestration.backtest.calendar import backtest_calendar, parse_window
from geo.orchestration.backtest.choose import ChooseRule
from geo.orchestration.backtest.holdings_chain import solve_in_sequence
from geo.orchestration.backtest.rebalance import PERIODS_PER_YEAR, RebalanceSettings, RebalanceTask, solve_rebalance
from geo.orchestration.backtest.costs import cost_rate
from geo.orchestration.backtest.outcome import backtest_outcome
from geo.orchestration.backtest.result import BacktestResult
from geo.orchestration.backtest.simulate import realised_returns
from geo.orchestration.backtest.universe import check_universe, universe_summary
from geo.core.checkpoint import Checkpoint, fingerprint
from geo.core.versions import library_versions
from geo.data.estimation import infer_frequency
from geo.data.prices import PriceTable
from geo.distributed import TaskRunner, task_seeds

class BacktestInterrupted(KeyboardInterrupt):
    """Ctrl-C during a backtest: ``done`` of ``total`` dates solved, kept in ``checkpoint`` (None: none done)."""

    def __init__(self, done: int, total: int, checkpoint: Path | None) -> None:
        super().__init__(f"{done} of {total} rebalance dates solved")
        self.done, self.total, self.checkpoint = done, total, checkpoint


def default_checkpoint_dir(run_id: str) -> Path:
    """Where an interrupted backtest without a checkpoint folder keeps its finished dates: the
    user's cache folder (never the current directory), one folder per run, so that ``resume``
    of the same command finds them and another command never does."""
    return platformdirs.user_cache_path("geo", appauthor=False) / "backtest-checkpoints" / run_id[:16]


def run_backtest(table: PriceTable, settings: RebalanceSettings, *, start: str, end: str, rebalance: str,
                 window: str, seed: int | None = 0, runner: TaskRunner | None = None,
                 checkpoint_dir: str | Path | None = None, resume: bool = False,
                 progress: Callable[[int, int], None] | None = None, cost_bps: float = 0.0) -> BacktestResult:
    """``cost_bps``: the cost of trading, in basis points of the value traded (:mod:`costs`)."""
    started = time.perf_counter()
    ChooseRule.parse(settings.choose)  # a bad rule fails before any work
    cost_rate(cost_bps)
    prices = table.prices
    n_window = parse_window(window)
    calendar = backtest_calendar(prices.index, start, end, rebalance, n_window)
    check_universe(table, calendar.rebalances, settings.k)
    seeds = task_seeds(seed, len(calendar.rebalances))
    # The tasks name rows of the table; the table itself travels once (TaskRunner.map's shared).
    tasks = [RebalanceTask(date=prices.index[p].date().isoformat(), first_row=p - n_window, last_row=p,
                           seed=seeds[j], settings=settings)
             for j, p in enumerate(calendar.rebalances)]
    run_id = fingerprint(prices=prices.to_numpy(), tickers=list(prices.columns), settings=settings.to_dict(),
                         start=start, end=end, rebalance=rebalance, window=window, seed=seed,
                         membership=table.membership.to_frame().to_dict("list") if table.membership else None)
    # Asked for a checkpoint: every finished date is saved (a kill loses only the running dates).
    # Not asked: the finished dates are saved only if Ctrl-C stops the run.
    save_each_date = checkpoint_dir is not None
    checkpoint = Checkpoint(checkpoint_dir or default_checkpoint_dir(run_id), run_id, resume=resume, interval_s=0.0)
    saved = checkpoint.load()
    done: dict[int, dict[str, Any]] = dict(saved["done"]) if saved else {}
    carry = {"last": saved.get("carry") if saved else None}  # what the last date handed on (transfer)
    todo = [j for j in range(len(tasks)) if j not in done]

    def record_date(j: int, record: dict[str, Any], carried: Any = None) -> None:
        done[j] = record
        carry["last"] = carried
        if save_each_date:
            checkpoint.save({"done": done, "carry": carried}, force=True)
        if progress is not None:
            progress(len(done), len(tasks))

    runner = runner or TaskRunner()
    solve_started = time.perf_counter()
    try:
        if settings.in_sequence:  # each date needs the book or the GEO state the one before it leaves
            solve_in_sequence(runner, solve_rebalance, tasks, done, table, calendar.rebalances, record_date,
                              carry["last"])
        else:
            runner.map(solve_rebalance, [tasks[j] for j in todo], on_result=lambda i, r: record_date(todo[i], r),
                       shared=table)
    except KeyboardInterrupt:
        raise interrupted(checkpoint, done, len(tasks), carry["last"]) from None
    solve_wall = time.perf_counter() - solve_started
    records = [done[j] for j in range(len(tasks))]
    result = assemble(table, settings, calendar, records, seed=seed, start=start, end=end, rebalance=rebalance,
                      window=window, cost_bps=cost_bps)
    result.timing = {"wall_s": time.perf_counter() - started, "solve_wall_s": solve_wall,
                     "task_seconds": [r["solve_seconds"] for r in records], "where": runner.where,
                     "resumed_dates": len(tasks) - len(todo)}
    checkpoint.remove()
    return result


def interrupted(checkpoint: Checkpoint, done: dict[int, dict[str, Any]], total: int,
                carried: Any = None) -> BacktestInterrupted:
    """Keep the finished dates (and the last one's carry) for ``resume`` and say how far the run got."""
    if not done:
        return BacktestInterrupted(0, total, None)
    checkpoint.save({"done": done, "carry": carried}, force=True)
    return BacktestInterrupted(len(done), total, checkpoint.directory)


def result_settings(settings: RebalanceSettings) -> dict[str, Any]:
    """The settings as the results file records them: the time limit is named for what it bounds."""
    recorded = settings.to_dict()
    recorded["time_limit_per_date"] = recorded.pop("time_limit")
    return recorded


def assemble(table: PriceTable, settings: RebalanceSettings, calendar, records: list[dict[str, Any]], *,
             seed, start, end, rebalance, window, cost_bps: float = 0.0) -> BacktestResult:
    realised = realised_returns(table.prices)
    periods = PERIODS_PER_YEAR.get(infer_frequency(table.prices.index), 252)
    outcome = backtest_outcome(realised.returns, calendar.rebalances, calendar.last, records, periods_per_year=periods,
                               risk_free_rate=settings.risk_free_rate, rate=cost_rate(cost_bps), seed=seed,
                               membership=table.membership)
    daily = outcome.daily
    held = {t for r in records for t in r["weights"]}
    adjustments = [j for j in realised.adjustments
                   if j["ticker"] in held and daily and daily[0]["date"] <= j["date"] <= daily[-1]["date"]]
    return BacktestResult(
        dataset={"name": table.name, "source": table.source, "sectors": table.sectors_source,
                 "first_date": table.prices.index[0].date().isoformat(),
                 "last_date": table.prices.index[-1].date().isoformat(), "n_tickers": int(table.prices.shape[1])},
        settings={"start": start, "end": end, "rebalance": rebalance, "window": window,
                  "window_returns": calendar.window, "periods_per_year": periods, **result_settings(settings),
                  "cost_bps": float(cost_bps)},
        seed=seed, rebalances=records, daily=daily, metrics=outcome.metrics, benchmarks=outcome.benchmarks,
        adjustments=adjustments, universe=universe_summary(table, records), intervals=outcome.intervals,
        sectors={t: table.sectors[t] for t in held if table.sectors and t in table.sectors},
        versions=library_versions())
