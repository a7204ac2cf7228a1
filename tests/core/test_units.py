"""Annualisation: 252 trading days, 52 weeks, 12 months; unknown frequency stays per period."""

from __future__ import annotations

import math

import pytest

from geo.core.units import DisplayUnits, periods_per_year


@pytest.mark.parametrize("frequency, periods", [("daily", 252), ("weekly", 52), ("monthly", 12), (None, None),
                                                ("quarterly", None)])
def test_periods_per_year(frequency, periods):
    assert periods_per_year(frequency) == periods


def test_weekly_figures_are_annualised_in_percent():
    units = DisplayUnits.of("weekly")
    assert units.expected_return(0.002) == pytest.approx(10.4)
    assert units.volatility(0.0004) == pytest.approx(100 * math.sqrt(52 * 0.0004))
    assert units.label == "% p.a."


def test_unknown_frequency_is_shown_as_given():
    units = DisplayUnits.of(None)
    assert not units.annualised
    assert units.expected_return(0.002) == 0.002
    assert units.volatility(0.04) == pytest.approx(0.2)
    assert math.isnan(units.volatility(-1.0)) and math.isnan(units.volatility(math.nan))
