"""Units analysts read: per-period moments annualised by the data's frequency.

Expected returns and variances are kept per period (per day, week or month) wherever they are
computed and stored; the results JSON records the factor beside them (``dataset.periods_per_year``).
Only what people read (tables, reports, plots) is annualised: return x P and volatility
x sqrt(P), in percent, with P = 252 trading days, 52 weeks or 12 months a year. Data of unknown
frequency (``moments:``) is shown per period, as given, and labelled so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PERIODS_PER_YEAR = {"daily": 252, "weekly": 52, "monthly": 12}


def periods_per_year(frequency: str | None) -> int | None:
    """252, 52 or 12 for daily, weekly or monthly data; None when the frequency is unknown."""
    return PERIODS_PER_YEAR.get(frequency) if frequency else None


@dataclass(frozen=True)
class DisplayUnits:
    """How returns and volatilities are shown: annualised percent, or per period when unknown.

    >>> units = DisplayUnits.of("daily")
    >>> units.label, round(units.expected_return(0.0004), 2), round(units.volatility(0.0001), 2)
    ('% p.a.', 10.08, 15.87)
    >>> DisplayUnits.of(None).label
    'per period'
    """

    periods: int | None
    label: str

    @classmethod
    def of(cls, frequency: str | None) -> "DisplayUnits":
        periods = periods_per_year(frequency)
        return cls(periods, "% p.a." if periods else "per period")

    @property
    def annualised(self) -> bool:
        return self.periods is not None

    def expected_return(self, value: float) -> float:
        return 100.0 * self.periods * value if self.periods else value

    def volatility(self, variance: float) -> float:
        if variance is None or not math.isfinite(variance) or variance < 0:
            return math.nan
        return 100.0 * math.sqrt(self.periods * variance) if self.periods else math.sqrt(variance)
