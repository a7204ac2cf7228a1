"""Rebalancing that knows the book: each date's problem starts from the previous date's portfolio.

With ``--max-changes`` or ``--turnover-penalty`` a date's problem carries the holdings
(:mod:`geo.problem.holdings`): the weights chosen at the previous date, drifted with prices to
this date's close by the simulation's own drift (:func:`geo.orchestration.backtest.simulate.simulate`,
so the book the optimiser sees is the book the backtest holds). The first date buys from cash
and is free. A held name outside the date's universe (no price that day, too many missing in
its window, out of the index) is a forced sale: sold, and not counted against M. When the
forced sales leave fewer names than K can be reached in M changes (K = 10 exact, three names
gone, M = 2), that date's limit is raised to the fewest changes that reach K, and its record
says so (``max_changes_at_date``, ``max_changes_note``): the index forced the trade, the run goes on.
With ``max_changes`` every date holds each selected name at a real position (``w_min`` at
least 1 bp, :func:`geo.problem.holdings.position_floor`), the first included, so that a book
holds the K names it was counted with.

Dates then depend on each other, so they run one after another, in-process or on Dask (one task
at a time); each finished date is checkpointed as usual, and a resumed run continues from the
first date not done, with the book of the dates before it.

GEO's ``--transfer`` (:mod:`geo.generator_enhanced.transfer`) chains the dates the same way: each
date's task carries what the date before it handed on (its record's ``carry``, taken off the
record here, so that results files hold plain data), with or without a book.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from geo.orchestration.backtest.simulate import realised_returns, simulate
from geo.problem.holdings import Holdings, position_floor
from geo.problem.problem import feasible_sizes

# Drifted weights below this are round-off of a sold name, not a holding.
HELD_WEIGHT_ATOL = 1e-12


def date_holdings(tickers, settings, book: dict[str, float] | None) -> tuple[Holdings | None, float]:
    """The date's Holdings over its universe ``tickers`` (None: no book, or no control asked
    for) and the problem's ``w_min`` (raised to a real position under ``max_changes``); the
    limit raised to what the date can reach (module docstring)."""
    w_min = position_floor(settings.w_min, settings.max_changes)
    if not book or not settings.follows_holdings:
        return None, w_min
    holdings = Holdings.build(tickers, book, max_changes=settings.max_changes,
                              turnover_penalty=settings.turnover_penalty or 0.0, outside="sell")
    if holdings.limits_changes:
        needed = holdings.changes_needed(feasible_sizes(settings.k, settings.cardinality, w_min, settings.w_max))
        if needed > holdings.max_changes:
            holdings = dataclasses.replace(holdings, max_changes=needed)
    return holdings, w_min


def rebalance_record(holdings: Holdings, settings, point) -> dict[str, Any]:
    """What a rebalance record says about the trade from the book: names changed, forced sales."""
    record: dict[str, Any] = {"held_before": holdings.n_held + len(holdings.forced_sales),
                              "forced_sales": sorted(holdings.forced_sales)}
    if holdings.limits_changes and holdings.max_changes > settings.max_changes:
        record["max_changes_at_date"] = holdings.max_changes
        record["max_changes_note"] = (f"{len(holdings.forced_sales)} held name(s) left the universe and "
                                      f"{holdings.n_held} remain: reaching {settings.k} names takes "
                                      f"{holdings.max_changes} changes, more than --max-changes {settings.max_changes}")
    if point is not None:
        record["changes"] = point.extras.get("changes")
        record["traded_weight"] = point.extras.get("traded_weight")
    return record


def drifted_book(table, rebalances: list[int], records: list[dict[str, Any]], date: int,
                 returns=None) -> dict[str, float]:
    """The book held at the close of rebalance ``date`` before trading: the portfolios of the
    dates before it (a date without one keeps its book), drifted with prices. Empty on date 0."""
    if date == 0:
        return {}
    returns = realised_returns(table.prices).returns if returns is None else returns
    run = simulate(returns, rebalances[:date], rebalances[date], [r["weights"] or None for r in records[:date]])
    held = run.final_weights
    return {str(t): float(w) for t, w in zip(returns.columns, held) if w > HELD_WEIGHT_ATOL}


def solve_in_sequence(runner, solve: Callable, tasks: list, done: dict[int, dict[str, Any]], table,
                      rebalances: list[int], record_date: Callable[[int, dict[str, Any], Any], None],
                      carried: Any = None) -> None:
    """Solve the dates not in ``done`` one after another, each with the book the dates before it
    leave (when the settings follow the holdings) and what the date before it handed on
    (``carried``: the last done date's carry, on a resumed run); ``record_date(date, record,
    carry)`` after each (it checkpoints)."""
    returns = realised_returns(table.prices).returns
    for date in range(len(tasks)):
        if date in done:
            continue
        book = None
        if tasks[date].settings.follows_holdings:
            book = drifted_book(table, rebalances, [done[i] for i in range(date)], date, returns) or None
        task = dataclasses.replace(tasks[date], holdings=book, carried=carried)
        results: list[dict[str, Any]] = []
        runner.map(solve, [task], on_result=lambda _, record: results.append(record), shared=table)
        carried = results[0].pop("carry", None)
        record_date(date, results[0], carried)

