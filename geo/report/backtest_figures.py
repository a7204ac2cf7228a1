"""Figures of a backtest report: equity curves (net and gross of costs), drawdowns, holdings heat map,
sector weights, trading per rebalance (names changed, costs paid) and the eligible universe over time.

Drawn like the frontier report's figures (explicit Agg canvas, inline SVG, fixed hash salts).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd

from geo.report.figures import STYLE, _figure, to_svg

SERIES = (("portfolio_return", "K-asset portfolio", "#1f4e79"), ("equal_weight", "equal-weighted universe", "#d95f02"),
          ("min_variance", "min-variance, no K", "#1b9e77"))


def daily_frame(daily: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(daily)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.set_index("date")


def equity_figure(daily: list[dict]) -> str:
    frame = daily_frame(daily)
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": "geo-backtest-equity"}):
        figure = _figure((8.0, 3.6))
        axes = figure.add_subplot()
        for column, label, color in SERIES:
            if column in frame:
                axes.plot(frame.index, np.cumprod(1 + frame[column].to_numpy()), label=label, color=color, lw=1.2)
        if "gross_return" in frame and not frame["gross_return"].equals(frame["portfolio_return"]):
            axes.plot(frame.index, np.cumprod(1 + frame["gross_return"].to_numpy()), label="K-asset, before costs",
                      color=SERIES[0][2], lw=1.0, ls="--")
        axes.set_ylabel("wealth (start = 1)")
        axes.legend(loc="upper left")
        return to_svg(figure)


def drawdown_figure(daily: list[dict]) -> str:
    frame = daily_frame(daily)
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": "geo-backtest-drawdown"}):
        figure = _figure((8.0, 2.8))
        axes = figure.add_subplot()
        for column, label, color in SERIES:
            if column in frame:
                wealth = np.cumprod(1 + frame[column].to_numpy())
                peak = np.maximum.accumulate(np.maximum(wealth, 1.0))
                axes.plot(frame.index, 100 * (wealth / peak - 1), label=label, color=color, lw=1.0)
        axes.set_ylabel("drawdown %")
        axes.legend(loc="lower left")
        return to_svg(figure)


def holdings_figure(dates: list[str], tickers: list[str], weights: np.ndarray) -> str:
    """Heat map: one row per ticker ever held, one column per rebalance, colour = weight."""
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": "geo-backtest-holdings", "axes.grid": False}):
        height = min(12.0, 1.2 + 0.16 * len(tickers))
        figure = _figure((8.0, height))
        axes = figure.add_subplot()
        image = axes.imshow(weights.T, aspect="auto", cmap="Blues", vmin=0.0, interpolation="nearest")
        axes.set_yticks(range(len(tickers)), tickers, fontsize=6 if len(tickers) > 40 else 8)
        step = max(1, len(dates) // 12)
        axes.set_xticks(range(0, len(dates), step), [dates[i] for i in range(0, len(dates), step)], rotation=45,
                        ha="right", fontsize=7)
        figure.colorbar(image, ax=axes, label="weight", shrink=0.8)
        return to_svg(figure)


def sector_figure(dates: list[str], sectors: list[str], weights: np.ndarray) -> str:
    """Stacked weight per sector at each rebalance."""
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": "geo-backtest-sectors"}):
        figure = _figure((8.0, 3.6))
        axes = figure.add_subplot()
        x = pd.to_datetime(dates)
        colors = matplotlib.colormaps["tab20"].colors
        axes.stackplot(x, weights.T, labels=sectors, colors=colors[:len(sectors)], step="post")
        axes.set_ylim(0, 1)
        axes.set_ylabel("weight")
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
        return to_svg(figure)


def trading_figure(dates: list[str], names_changed: list[int], costs: list[float]) -> str:
    """Names bought plus sold (bars) and the cost paid (line, % of value) at each rebalance."""
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": "geo-backtest-trading"}):
        figure = _figure((8.0, 2.8))
        axes = figure.add_subplot()
        x = pd.to_datetime(dates)
        axes.bar(x, names_changed, width=12, color="#9ecae1", label="names bought + sold")
        axes.set_ylabel("names changed")
        cost_axes = axes.twinx()
        cost_axes.plot(x, 100 * np.asarray(costs, dtype=float), color="#b2182b", marker="o", ms=3, lw=1.0,
                       label="cost paid")
        cost_axes.set_ylabel("cost, % of value")
        cost_axes.set_ylim(bottom=0)
        handles = axes.get_legend_handles_labels()[0] + cost_axes.get_legend_handles_labels()[0]
        axes.legend(handles, [h.get_label() for h in handles], loc="upper right")
        return to_svg(figure)


def universe_figure(per_date: list[dict]) -> str:
    """Members of the index, members with prices, and eligible stocks at each rebalance."""
    frame = pd.DataFrame(per_date)
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": "geo-backtest-universe"}):
        figure = _figure((8.0, 2.8))
        axes = figure.add_subplot()
        x = pd.to_datetime(frame["date"])
        for column, label, color in (("members", "members (as the membership names them)", "#636363"),
                                     ("members_with_prices", "with prices in the data", "#1f4e79"),
                                     ("eligible", "eligible (clean window, price that day)", "#1b9e77")):
            if column in frame and frame[column].notna().any():
                axes.step(x, frame[column], where="post", label=label, color=color, lw=1.2)
        axes.set_ylabel("stocks")
        axes.legend(loc="lower right")
        return to_svg(figure)
