"""The frontier and a portfolio as fixed-width text (the CLI's output), in the units people read.

Returns and volatilities are annualised in percent where the data's frequency is known
(:class:`~geo.core.units.DisplayUnits`), else shown per period; the header says which.
"""

from __future__ import annotations

import math

from geo.core.results import FrontierResult, gap_percent
from geo.core.units import DisplayUnits
from geo.report.tables import status_text


def _units_line(result: FrontierResult, units: DisplayUnits) -> str:
    frequency = result.dataset.get("frequency")
    if units.annualised:
        return (f"return and volatility in % a year ({frequency} data x {units.periods}; "
                f"the results file keeps per-period values)")
    return "return and volatility per period of the data (frequency unknown: not annualised)"


def frontier_table(result: FrontierResult) -> str:
    """One line per target: target, return, volatility, number of assets, status."""
    units = DisplayUnits.of(result.dataset.get("frequency"))
    unit = units.label if units.annualised else ""
    parameter = {"target-return": "target", "risk-aversion": "risk aversion"}.get(result.objective, "risk-free")
    number = "{:14.2f}" if units.annualised else "{:14.6g}"
    certified = any(p.certified_gap is not None for p in result.points)
    gap_header = f"{'certified gap':>14} " if certified else ""
    lines = [f"{result.method} | {result.problem.get('dataset')} | K={result.problem['k']} "
             f"({result.problem['cardinality']}) | seed {result.seed} | {result.timing.get('wall_s', math.nan):.2f} s | "
             f"{result.details.get('evaluations', 0)} evaluations{_spread_text(result.details)}",
             _units_line(result, units),
             f"{parameter + (' ' + unit if unit and parameter == 'target' else ''):>14} "
             f"{'return ' + unit if unit else 'return':>14} {'volatility ' + unit if unit else 'volatility':>18} "
             f"{'assets':>6}  {gap_header}status"]
    for point in result.points:
        shown_parameter = units.expected_return(point.parameter) if parameter == "target" else point.parameter
        head = f"{number.format(shown_parameter):>14}"
        if point.feasible:
            held = sum(w > 0 for w in point.weights.values())
            lines.append(f"{head} {number.format(units.expected_return(point.expected_return))} "
                         f"{number.format(units.volatility(point.variance)):>18} {held:6d}  "
                         f"{_gap_cell(point) if certified else ''}{status_text(point)}")
        else:
            lines.append(f"{head} {'':>14} {'':>18} {'':>6}  {f'{chr(32) * 15}' if certified else ''}{point.status}")
    return "\n".join(lines)


def _gap_cell(point) -> str:
    """The certified gap in percent, right-aligned (blank without a bound)."""
    return f"{gap_percent(point.certified_gap):>14} "



def portfolio_text(result: FrontierResult) -> str:
    """The first point's return, volatility, status and weights."""
    units = DisplayUnits.of(result.dataset.get("frequency"))
    point = result.points[0]
    if not point.feasible:
        return f"no feasible portfolio ({point.status})"
    if units.annualised:
        figures = (f"return {units.expected_return(point.expected_return):.2f} % p.a.  volatility "
                   f"{units.volatility(point.variance):.2f} % p.a.")
    else:
        figures = (f"return {point.expected_return:.6g}  volatility {units.volatility(point.variance):.4g} "
                   "(per period)")
    certified = "" if point.certified_gap is None else f"  certified gap {gap_percent(point.certified_gap)}"
    lines = [f"{figures}  variance {point.variance:.6g} (per period)  status {status_text(point)}{certified}"]
    if "sharpe" in point.extras:
        sharpe = point.extras["sharpe"] * math.sqrt(units.periods) if units.annualised else point.extras["sharpe"]
        lines.append(f"Sharpe ratio {sharpe:.4f} {'a year' if units.annualised else 'per period'} (tangency "
                     f"portfolio of the selection, risk-free {point.parameter:.6g} per period)")
    if "changes" in point.extras:
        lines.append(f"from the holdings: {point.extras['changes']} names changed (bought + sold), weight traded "
                     f"{point.extras['traded_weight']:.4f}")
    for ticker, weight in sorted(point.weights.items(), key=lambda item: -item[1]):
        lines.append(f"  {ticker:<10} {weight:8.4f}")
    return "\n".join(lines)


def _spread_text(details: dict) -> str:
    """How the run was split (geo.orchestration.frontier.spread), when it was: restarts, and where tasks ran."""
    text = f" | {len(details['restarts'])} restarts" if len(details.get("restarts") or []) > 1 else ""
    where = details.get("where")
    return text + (f" | {where}" if where and where != "in-process" else "")
