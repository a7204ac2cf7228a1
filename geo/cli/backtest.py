"""``geo backtest``: an out-of-sample backtest of the K-asset portfolio a method chooses."""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

from geo.cli.options import (EXIT_INTERRUPTED, dask_options, problem_options, progress_bar, reports_errors,
                             sector_options)

TIME_LIMIT_HELP = "Seconds per rebalance date: each date's frontier gets this limit, not the whole backtest."


def per_date_time_limit(command: click.Command) -> click.Command:
    """The shared --time-limit option, with the help saying what it bounds in a backtest."""
    for param in command.params:
        if param.name == "time_limit":
            param.help = TIME_LIMIT_HELP
    return command


@per_date_time_limit
@click.command()
@click.argument("dataset")
@problem_options
@click.option("--start", required=True, help="First trading day held (YYYY-MM-DD); bought at the close before it.")
@click.option("--end", required=True, help="Last day of the backtest (YYYY-MM-DD).")
@click.option("--rebalance", type=click.Choice(["monthly", "quarterly", "yearly"]), default="monthly",
              show_default=True, help="Rebalance on the last trading day of each period.")
@click.option("--window", default="1y", show_default=True,
              help="Trailing estimation window: 1y, 2y (252 trading days a year) or Nd (N trading days).")
@click.option("--choose", default="min-variance", show_default=True,
              help="min-variance, max-sharpe (the K-asset selection of highest tangency Sharpe ratio), "
                   "max-sharpe-grid (the best of --points frontier points), target-return:R (annual) or "
                   "risk-aversion:L.")
@click.option("--points", type=int, default=20, show_default=True,
              help="Frontier targets for --choose max-sharpe-grid.")
@click.option("--risk-free-rate", type=float, default=0.0, show_default=True, help="Annual, for the Sharpe ratio.")
@click.option("--max-changes", type=int, default=None,
              help="At most this many names bought plus sold at each rebalance (the first is free; forced sales "
                   "of names that left the universe do not count). The dates then run one after another.")
@click.option("--turnover-penalty", type=float, default=None,
              help="Minimise variance + KAPPA * sum|w - w_drifted| (the cost of moving from the held book). "
                   "The dates then run one after another.")
@click.option("--transfer", type=click.Choice(["none", "pool", "models", "all"]), default="none", show_default=True,
              help="GEO: start each date from the previous date's best selections re-priced on the new moments "
                   "(pool), its trained generators mapped to the new universe (models), or both (all); none: "
                   "every date fresh. The dates then run one after another (no --workers).")
@click.option("--frequency", type=click.Choice(["daily", "weekly", "monthly"]), default=None,
              help="Returns the moments are estimated from (default: the data's own).")
@click.option("--return-kind", type=click.Choice(["simple", "log"]), default="simple", show_default=True)
@click.option("--estimator", type=click.Choice(["sample", "ledoit-wolf"]), default="sample", show_default=True)
@click.option("--max-missing", type=float, default=0.05, show_default=True,
              help="Drop from a date's universe the tickers missing more than this share of its window.")
@click.option("--membership", type=click.Path(dir_okay=False), default=None,
              help="CSV ticker,start_date,end_date: when each ticker was in the index; only members of a "
                   "rebalance date may be bought (yahoo:sp500 brings its own).")
@click.option("--cost-bps", type=float, default=0.0, show_default=True,
              help="Trading cost in basis points of the value traded (both sides, the first purchase included); "
                   "returns and metrics are net of it.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Cache of yahoo: prices.")
@click.option("--tickers-file", type=click.Path(dir_okay=False), default=None, help="Tickers for yahoo:sp500.")
@sector_options
@dask_options
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Also write an HTML report of the backtest here.")
@reports_errors
def backtest(dataset: str, **opts: Any) -> None:
    """Rebalance a K-asset portfolio of DATASET over time and compare it with benchmarks."""
    from geo.api.backtest import backtest as backtest_api
    from geo.api.settings import GEO_SETTINGS
    from geo.orchestration.backtest.run import BacktestInterrupted

    names = ("k", "start", "end", "rebalance", "window", "choose", "cardinality", "w_min", "w_max", "sector_cap",
             "method", "seed", "budget", "time_limit", "points", "risk_free_rate", "max_changes", "turnover_penalty",
             "transfer", *GEO_SETTINGS, "frequency",
             "return_kind", "estimator", "max_missing", "cache_dir", "tickers_file", "workers", "scheduler",
             "output", "resume", "membership", "cost_bps")
    settings = {name: opts[name] for name in names if name in opts}
    try:
        with progress_bar(0, "backtest", opts["quiet"], unit="date") as progress:
            result = backtest_api(dataset, **settings, sector_caps=opts["sector_caps_file"],
                                  sectors=opts["sectors_file"], checkpoint=opts["checkpoint_dir"], progress=progress)
    except BacktestInterrupted as stop:
        click.echo(f"geo: {interrupted_message(stop)}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    result.details["command"] = " ".join(["geo", *sys.argv[1:]])
    outputs = []
    if opts["output"]:
        result.write_json(opts["output"])  # again: now with the command line recorded
        outputs.append(opts["output"])
    if opts["report_file"]:
        from geo.report.backtest import write_backtest_report

        write_backtest_report(result, opts["report_file"])
        outputs.append(opts["report_file"])
    click.echo(format_summary(result))
    for path in outputs:
        click.echo(f"written: {path}")


def interrupted_message(stop) -> str:
    """One line: how far the backtest got, that nothing was written, and how to continue."""
    if stop.checkpoint is None:
        return f"interrupted: 0 of {stop.total} rebalance dates solved; nothing written"
    args = sys.argv[1:] + ([] if "--resume" in sys.argv else ["--resume"])
    return (f"interrupted: {stop.done} of {stop.total} rebalance dates solved and kept in {stop.checkpoint}; "
            f"no results written; to continue: {shlex.join(['geo', *args])}")


def format_summary(result) -> str:
    names = {"portfolio": result.metrics, **result.benchmarks}
    cost = result.settings.get("cost_bps") or 0.0
    sharpe_intervals = result.intervals.get("sharpe", {})
    lines = [f"backtest | {result.dataset['name']} | K={result.settings['k']} | {result.settings['choose']} | "
             f"{result.settings['method']} | {len(result.rebalances)} rebalances, {len(result.daily)} days | "
             f"{result.timing.get('where')} | {result.timing.get('wall_s', 0):.1f} s",
             f"{'':<14} {'return':>8} {'vol':>8} {'sharpe':>7} {'90% interval':>15} {'max dd':>8} {'turnover':>9} "
             f"{'costs':>8}"]

    def pct(value):
        return f"{100 * value:7.2f}%" if value is not None else f"{'-':>8}"

    for name, m in names.items():
        sharpe = f"{m['sharpe']:7.2f}" if m.get("sharpe") is not None else f"{'-':>7}"
        interval = sharpe_intervals.get(name) or {}
        band = (f"[{interval['low']:5.2f}, {interval['high']:5.2f}]" if interval.get("low") is not None
                else f"{'-':>15}")
        lines.append(f"{name:<14} {pct(m['annual_return'])} {pct(m['annual_volatility'])} {sharpe} {band:>15} "
                     f"{pct(m['max_drawdown'])} {pct(m.get('mean_turnover'))} {pct(m.get('costs_paid'))}")
    statuses: dict[str, int] = {}
    for r in result.rebalances:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    lines.append("statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    lines.append(f"returns net of {cost:g} bps per trade" + ("" if cost else " (no trading costs)") +
                 "; universe: " + (result.universe.get("rule") or "every ticker of the price file"))
    return "\n".join(lines)
