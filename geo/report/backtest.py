"""The HTML report of a backtest (``geo backtest --report``, or ``geo report bt.json``)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np

TEMPLATE = "backtest.html.j2"
UNKNOWN_SECTOR = "unknown"
MEASURES = ("annual_return", "annual_volatility", "sharpe", "sortino", "calmar", "max_drawdown", "cvar_95",
            "worst_month", "mean_turnover", "costs_paid", "gross")


def build_backtest_context(result) -> dict[str, Any]:
    from geo.core.versions import GEO_VERSION
    from geo.report import backtest_figures as figures  # matplotlib: only when a figure is drawn

    tickers = sorted({t for r in result.rebalances for t in r["weights"]})
    dates = [r["date"] for r in result.rebalances]
    weights = np.array([[r["weights"].get(t, 0.0) for t in tickers] for r in result.rebalances]).reshape(len(dates), -1)
    sector_of = result.sectors or {}
    sector_names = sorted({sector_of.get(t, UNKNOWN_SECTOR) for t in tickers})
    by_sector = np.array([[sum(w for t, w in zip(tickers, row) if sector_of.get(t, UNKNOWN_SECTOR) == s)
                           for s in sector_names] for row in weights]).reshape(len(dates), -1)
    settings = result.settings
    # Files written before a measure existed lack it: it shows as a dash.
    rows = [(name, {**dict.fromkeys(MEASURES), **m}) for name, m in
            [("portfolio", result.metrics), *result.benchmarks.items()]]
    intervals = result.intervals or {}
    per_date = (result.universe or {}).get("per_date", [])
    return {
        "title": f"Backtest: K = {settings['k']} of {result.dataset.get('name')}, {settings['choose']}, "
                 f"{settings['method']}",
        "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "geo_version": GEO_VERSION,
        "metrics": rows,
        "intervals": intervals,
        "interval_percent": round(100 * intervals.get("level", 0.9)),
        "sharpe_bands": intervals.get("sharpe", {}),
        "sharpe_differences": intervals.get("sharpe_difference", {}),
        "cost_bps": settings.get("cost_bps") or 0.0,
        "universe": result.universe or {},
        "universe_svg": figures.universe_figure(per_date) if per_date else None,
        "trading_svg": (figures.trading_figure(dates, [r.get("names_changed", 0) for r in result.rebalances],
                                               [r.get("cost", 0.0) for r in result.rebalances])
                        if result.rebalances and "cost" in result.rebalances[0] else None),
        "equity_svg": figures.equity_figure(result.daily),
        "drawdown_svg": figures.drawdown_figure(result.daily),
        "holdings_svg": figures.holdings_figure(dates, tickers, weights) if tickers else None,
        "sector_svg": figures.sector_figure(dates, sector_names, by_sector) if tickers and result.sectors else None,
        "rebalances": [_rebalance_row(r) for r in result.rebalances],
        "adjustments": result.adjustments,
        "settings": sorted((k, v) for k, v in settings.items() if k not in ("method_settings",)),
        "dataset": sorted(result.dataset.items()),
        "timing": result.timing,
        "seed": result.seed,
        "versions": sorted(result.versions.items()),
        "command": result.details.get("command"),
    }


def render_backtest_html(result) -> str:
    from geo.report.render import environment

    return environment().get_template(TEMPLATE).render(**build_backtest_context(result))


def write_backtest_report(result, output: str | Path) -> Path:
    from geo.report.render import write_outputs

    write_outputs({Path(output): render_backtest_html(result)})
    return Path(output)


def _rebalance_row(record: dict[str, Any]) -> dict[str, Any]:
    variance = record.get("expected_variance")
    ordered = sorted(record["weights"].items(), key=lambda item: -item[1])
    return {"date": record["date"], "status": record["status"], "note": record.get("note"),
            "held": len(record["weights"]), "universe": record.get("universe"),
            "expected_return": record.get("expected_return"),
            "stdev": None if variance is None else float(np.sqrt(max(variance, 0.0))),
            "turnover": record.get("turnover"), "cost": record.get("cost"), "bought": record.get("bought", []),
            "sold": record.get("sold", []), "forced_sales": record.get("forced_sales", []),
            "counts": {"members": None, "members_with_prices": None, "eligible": None,
                       **record.get("universe_counts", {})}, "holdings": ordered}


def is_backtest_file(path: str | Path) -> bool:
    """Whether ``path`` is a ``geo backtest`` results file (read its start only)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return '"format": "geo-backtest-1"' in handle.read(200)
    except (OSError, UnicodeDecodeError):
        return False


def backtest_report_from_file(path: str | Path, output: str | Path) -> Path:
    import json

    from geo.orchestration.backtest.result import BacktestResult
    from geo.core.errors import GeoError

    try:
        result = BacktestResult.read_json(path)
    except (json.JSONDecodeError, KeyError) as exc:
        raise GeoError(f"{path} is not a complete backtest results file ({type(exc).__name__})",
                       "give the JSON written by geo backtest --output") from None
    return write_backtest_report(result, output)
