"""``geo.backtest``: the out-of-sample backtest of ``geo backtest``, as one call (same names, same defaults)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from geo.api.settings import GEO_SETTINGS, build_method, check_run_settings
from geo.core.errors import GeoError

if TYPE_CHECKING:
    import pandas as pd

    from geo.orchestration.backtest.result import BacktestResult


def backtest(data: "str | pd.DataFrame", k: int, *, start: str, end: str, rebalance: str = "monthly",
             window: str = "1y", choose: str = "min-variance", cardinality: str = "exact", w_min: float = 0.0,
             w_max: float = 1.0, sector_cap: float | None = None, sector_caps: str | Path | None = None,
             sectors: "str | Path | pd.Series | dict[str, str] | None" = None,
             membership: "str | Path | pd.DataFrame | None" = None, cost_bps: float = 0.0,
             method: str = "local-search", seed: int = 0, budget: int | None = None, time_limit: float | None = None,
             points: int = 20, risk_free_rate: float = 0.0, max_changes: int | None = None,
             turnover_penalty: float | None = None, transfer: str = "none", generator: str | None = None,
             seed_method: str | None = None, refine: str | None = None, segments: int | None = None,
             conditioning: str | None = None, starts: str | None = None, iterations: int | None = None, samples: int | None = None, frequency: str | None = None,
             return_kind: str = "simple", estimator: str = "sample", max_missing: float = 0.05,
             cache_dir: str | Path | None = None, tickers_file: str | Path | None = None,
             workers: int | None = None, scheduler: str | None = None, output: str | Path | None = None,
             checkpoint: str | Path | None = None, resume: bool = False,
             progress: Callable[[int, int], None] | None = None) -> "BacktestResult":
    """Rebalance a K-asset portfolio of the price data set ``data`` (``sp500-sample``, ``csv:``,
    ``yahoo:``, or a pandas DataFrame of prices, dates x tickers) on the last trading day of each
    ``rebalance`` period between ``start`` and ``end``: estimate on the trailing ``window``,
    solve, ``choose`` a portfolio, hold it (weights drift with prices). ``sectors``: a CSV
    ``ticker,sector`` or a mapping / Series. ``membership``: when each ticker was in the index (a
    CSV or a DataFrame ``ticker,start_date,end_date``); only members of a rebalance date may be
    bought. ``cost_bps``: the cost of trading in basis points of the value traded, paid at every
    rebalance (the first purchase included); returns and metrics are net of it. ``workers`` / ``scheduler`` spread the dates over Dask; the
    answer does not depend on where a date is solved. ``output`` writes the results JSON.
    ``budget`` and ``time_limit`` apply to each rebalance date's frontier, not to the whole run.

    ``max_changes`` (at most that many names bought plus sold at each rebalance, the first one
    free, forced sales of names that left the universe aside) and ``turnover_penalty`` (variance
    plus ``turnover_penalty * sum|w - w_drifted|`` in each selection's QP) make each date start
    from the book the previous date left, drifted to it: the dates then run one after another,
    also with ``workers``.

    ``transfer`` (``--method geo`` only): what each date's GEO run starts from besides its own
    seed: ``none`` (fresh, the default), ``pool`` (the previous date's best selections, re-priced
    on the new moments against this date's budget), ``models`` (its trained generators, mapped
    to the new universe) or ``all`` (:mod:`geo.generator_enhanced.transfer`). The dates then run
    one after another, so it cannot be combined with ``workers`` or ``scheduler``.

    Each finished date is saved to ``checkpoint`` (default ``OUTPUT.checkpoint``); ``resume``
    solves only the missing dates. Ctrl-C raises :class:`geo.orchestration.backtest.run.BacktestInterrupted`
    (a KeyboardInterrupt) after keeping the finished dates (without a checkpoint folder, in
    :func:`geo.orchestration.backtest.run.default_checkpoint_dir`) and writes no ``output``.
    """
    from geo.orchestration.backtest.costs import cost_rate
    from geo.orchestration.backtest.rebalance import RebalanceSettings
    from geo.orchestration.backtest.run import run_backtest
    from geo.data.prices import load_price_table
    from geo.distributed import TaskRunner
    from geo.orchestration.backtest.choose import ChooseRule
    from geo.problem.holdings import check_controls
    from geo.problem.sharpe_qp import check_unpenalised
    from geo.problem.sector_caps import read_sector_caps_file

    check_run_settings(method=method, seed=seed, budget=budget, time_limit=time_limit, iterations=iterations,
                       samples=samples, segments=segments)
    check_controls(max_changes, turnover_penalty)
    check_unpenalised(bool(turnover_penalty) and ChooseRule.parse(choose).kind == "max-sharpe")
    geo_settings = {"generator": generator, "seed_method": seed_method, "refine": refine, "segments": segments,
                    "conditioning": conditioning, "starts": starts, "iterations": iterations, "samples": samples}
    build_method(method, **geo_settings)  # unknown methods and misplaced GEO settings fail before any work
    if transfer != "none" and (workers is not None or scheduler is not None):
        raise GeoError(f"--transfer {transfer} hands each date's GEO state to the next date, so the dates cannot "
                       "be spread over workers", "drop --workers/--scheduler, or use --transfer none")
    if points < 2:
        raise GeoError(f"--points must be at least 2 (got {points})", "use for example --points 20")
    cost_rate(cost_bps)  # a negative cost fails before any data is read
    caps = read_sector_caps_file(sector_caps) if sector_caps else None
    settings = RebalanceSettings(
        k=k, choose=choose, cardinality=cardinality, w_min=w_min, w_max=w_max, sector_cap=sector_cap,
        sector_caps=caps, method=method, budget=budget, time_limit=time_limit, points=points,
        method_settings={GEO_SETTINGS[name]: value for name, value in geo_settings.items() if value is not None},
        risk_free_rate=risk_free_rate, max_changes=max_changes, turnover_penalty=turnover_penalty, transfer=transfer,
        estimation={"frequency": frequency, "return_kind": return_kind, "estimator": estimator,
                    "max_missing": max_missing})
    table = load_price_table(data, sectors_file=sectors, cache_dir=cache_dir, tickers_file=tickers_file,
                             membership=membership)
    if (sector_cap is not None or caps) and not table.sectors:
        raise GeoError(f"sector caps need sectors and {table.name} records none",
                       "give --sectors FILE (CSV ticker,sector)")
    checkpoint_dir = checkpoint or (f"{output}.checkpoint" if output else None)
    with TaskRunner(workers=workers, scheduler=scheduler) as runner:
        result = run_backtest(table, settings, start=start, end=end, rebalance=rebalance, window=window, seed=seed,
                              runner=runner, checkpoint_dir=checkpoint_dir, resume=resume, progress=progress,
                              cost_bps=cost_bps)
    if output:
        result.write_json(output)
    return result

