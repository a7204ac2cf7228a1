"""The report's returns and volatilities in the units analysts read (:mod:`geo.core.units`).

Tables and the frontier figure show annualised percent when the data's frequency is known;
variances, gaps and the hypervolume stay per period, as in the results files.
"""

from __future__ import annotations

from typing import Any

from geo.core.units import DisplayUnits

PERIOD_NAMES = {"daily": "day", "weekly": "week", "monthly": "month"}


def unit_text(units: DisplayUnits, frequency: str | None) -> str:
    """The label of shown returns and volatilities: "% p.a." or "per day" (unknown: "per period")."""
    if units.annualised:
        return units.label
    return f"per {PERIOD_NAMES.get(frequency, frequency)}" if frequency else "per period"


def annualise_rows(rows: list[dict[str, Any]], units: DisplayUnits, parameter_is_return: bool) -> None:
    """Point rows (``return``, ``volatility``, ``parameter``) shown in ``units``, in place."""
    for row in rows:
        if row.get("return") is not None:
            row["return"] = units.expected_return(row["return"])
        if row.get("volatility") is not None:
            row["volatility"] = units.volatility(row["volatility"] ** 2)
        if parameter_is_return and row.get("parameter") is not None:
            row["parameter"] = units.expected_return(row["parameter"])
