"""What the chosen portfolios earned: the portfolio and the benchmarks simulated, net of costs, measured.

For the portfolio and each benchmark: buy-and-hold between rebalances (:func:`simulate`), the
costs of every trade (:mod:`costs`), the measures of the net and of the gross daily series
(:mod:`measures`), and the bootstrap intervals of the Sharpe ratios (:mod:`bootstrap`). Each
rebalance record gains its turnover, value traded, cost paid and the names bought and sold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from geo.data.membership import Membership
from geo.orchestration.backtest.bootstrap import sharpe_intervals
from geo.orchestration.backtest.costs import net_of_costs
from geo.orchestration.backtest.measures import performance, series_measures
from geo.orchestration.backtest.simulate import simulate

BENCHMARKS = ("equal_weight", "min_variance")


@dataclass
class Outcome:
    daily: list[dict[str, Any]]
    metrics: dict[str, Any]
    benchmarks: dict[str, dict[str, Any]]
    intervals: dict[str, Any]


def backtest_outcome(returns: pd.DataFrame, positions: Sequence[int], last: int, records: list[dict[str, Any]], *,
                     periods_per_year: int, risk_free_rate: float, rate: float, seed: int | None,
                     membership: Membership | None = None) -> Outcome:
    """Simulate, charge ``rate`` per unit traded, measure; fills each record's trade fields."""
    main = simulate(returns, positions, last, [r["weights"] or None for r in records])
    costed = net_of_costs(main.portfolio_returns, positions, main.traded, rate)
    dates = main.dates
    for record, turnover, traded, cost in zip(records, main.turnover, main.traded, costed.costs):
        record.update(turnover=turnover, traded=traded, cost=cost)
    record_name_changes(records, membership)
    daily = [{"date": d.date().isoformat(), "gross_return": float(g), "portfolio_return": float(n)}
             for d, g, n in zip(dates, costed.gross, costed.net)]
    metrics = _measured(costed, main.turnover, periods_per_year, risk_free_rate, dates)
    benchmarks, series = {}, {"portfolio": costed.net}
    for name in BENCHMARKS:
        run = simulate(returns, positions, last, [r["benchmarks"].get(name) or None for r in records])
        paid = net_of_costs(run.portfolio_returns, positions, run.traded, rate)
        benchmarks[name] = _measured(paid, run.turnover, periods_per_year, risk_free_rate, dates)
        series[name] = paid.net
        for row, value in zip(daily, paid.net):
            row[name] = float(value)
    intervals = sharpe_intervals(series, periods_per_year, risk_free_rate, seed=seed)
    return Outcome(daily=daily, metrics=metrics, benchmarks=benchmarks, intervals=intervals)


def record_name_changes(records: list[dict[str, Any]], membership: Membership | None) -> None:
    """Per rebalance: the names bought and sold, and which sales were forced (the name left the index)."""
    held: set[str] = set()
    for record in records:
        new = {t for t, w in record["weights"].items() if w != 0} if record["weights"] else held
        bought, sold = sorted(new - held), sorted(held - new)
        members = membership.members_on(record["date"]) if membership is not None else None
        # A date that started from its book (--max-changes, --turnover-penalty) already lists every
        # held name outside its universe (out of the index, or no price that day): keep that list.
        forced = record.get("forced_sales")
        if forced is None:
            forced = sorted(t for t in sold if members is not None and t not in members)
        record.update(bought=bought, sold=sold, names_changed=len(bought) + len(sold), forced_sales=forced)
        held = new


def _measured(costed, turnover: Sequence[float], periods_per_year: int, risk_free_rate: float,
              dates: Sequence) -> dict[str, Any]:
    """Net measures, the costs paid (the sum of each rebalance's share of value), and the gross measures."""
    net = performance(costed.net, turnover, periods_per_year, risk_free_rate, dates)
    return {**net, "costs_paid": float(np.sum(costed.costs)),
            "gross": series_measures(costed.gross, periods_per_year, risk_free_rate, dates)}
