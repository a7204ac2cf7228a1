"""The portfolios shown in the report: which frontier points, their holdings and sectors.

``--points N`` shows N points of each frontier: the minimum-variance one, the maximum-return
one and N - 2 between them, spread evenly in return. ``--points 1,5,9`` shows those point
numbers (1-based, in the order of the results file, as numbered in the report's point tables).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from geo.core.errors import GeoError
from geo.report.inputs import ReportInput

DEFAULT_POINT_COUNT = 5
UNKNOWN_SECTOR = "unknown"
PointChoice = int | list[int]


def parse_points(text: str | int | None) -> PointChoice:
    """``N`` (a count) or ``"i,j,k"`` (1-based point numbers); default 5 points."""
    if text is None:
        return DEFAULT_POINT_COUNT
    if isinstance(text, int):
        numbers, is_list = [text], False
    else:
        cells = [c.strip() for c in str(text).split(",")]
        is_list = len(cells) > 1
        try:
            numbers = [int(c) for c in cells if c]
        except ValueError:
            numbers = []
        if not numbers:
            raise GeoError(f"--points {text!r} is neither a count nor a list of point numbers",
                           "use for example --points 5 or --points 1,4,8")
    if any(n < 1 for n in numbers):
        raise GeoError(f"--points {text!r} must be positive", "point numbers start at 1")
    return numbers if is_list else numbers[0]


def choose_points(item: ReportInput, choice: PointChoice) -> list[int]:
    """0-based indices of the points to show for this result."""
    points = item.result.points
    if isinstance(choice, list):
        too_big = [n for n in choice if n > len(points)]
        if too_big:
            raise GeoError(f"--points asks for point {too_big[0]} but {item.label} ({item.source}) has "
                           f"{len(points)} points", f"choose point numbers between 1 and {len(points)}")
        return list(dict.fromkeys(n - 1 for n in choice))
    feasible = [i for i, p in enumerate(points) if p.feasible]
    if not feasible:
        return []
    returns = np.array([points[i].expected_return for i in feasible])
    variances = np.array([points[i].variance for i in feasible])
    low, high = feasible[int(np.argmin(variances))], feasible[int(np.argmax(returns))]
    if choice == 1 or low == high:
        return [low]
    chosen = [low, high]
    targets = np.linspace(points[low].expected_return, points[high].expected_return, choice)[1:-1]
    for target in targets:
        left = [i for i in feasible if i not in chosen]
        if not left:
            break
        chosen.append(min(left, key=lambda i: abs(points[i].expected_return - target)))
    return sorted(chosen, key=lambda i: (points[i].expected_return, i))


def portfolio_tables(item: ReportInput, choice: PointChoice, sectors: dict[str, str] | None) -> dict[str, Any]:
    """Holdings (ticker x point) and, when sectors are known, the sector breakdown."""
    points = item.result.points
    indices = choose_points(item, choice)
    feasible = [i for i, p in enumerate(points) if p.feasible]
    low = min(feasible, key=lambda i: points[i].variance) if feasible else None
    high = max(feasible, key=lambda i: points[i].expected_return) if feasible else None
    columns = []
    for index in indices:
        point = points[index]
        role = "min variance" if index == low else "max return" if index == high else ""
        columns.append({"number": index + 1, "role": role, "parameter": point.parameter,
                        "feasible": point.feasible, "status": point.status,
                        "return": point.expected_return if point.feasible else None,
                        "volatility": math.sqrt(point.variance) if point.feasible else None})
    weights = [points[i].weights if points[i].feasible else {} for i in indices]
    tickers = sorted({t for w in weights for t, v in w.items() if v > 0},
                     key=lambda t: (-max(w.get(t, 0.0) for w in weights), t))
    holdings = [{"ticker": t, "sector": (sectors or {}).get(t, UNKNOWN_SECTOR) if sectors else None,
                 "weights": [w.get(t) if w.get(t, 0.0) > 0 else None for w in weights]} for t in tickers]
    totals = [sum(w.values()) if w else None for w in weights]
    return {"label": item.label, "color": item.color, "columns": columns, "holdings": holdings,
            "totals": totals, "sectors": sector_breakdown(weights, sectors) if sectors else None}


def sector_breakdown(weights: list[dict[str, float]], sectors: dict[str, str]) -> list[dict[str, Any]]:
    """Weight per sector and point; tickers without a known sector go to 'unknown'."""
    names: dict[str, list[float | None]] = {}
    for column, held in enumerate(weights):
        for ticker, weight in held.items():
            if weight <= 0:
                continue
            row = names.setdefault(sectors.get(ticker, UNKNOWN_SECTOR), [None] * len(weights))
            row[column] = (row[column] or 0.0) + weight
    order = sorted(names, key=lambda s: (-max(v or 0.0 for v in names[s]), s))
    return [{"sector": name, "weights": names[name]} for name in order]
