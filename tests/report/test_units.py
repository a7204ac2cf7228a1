"""The report shows returns and volatilities annualised (% p.a.) where the frequency is known."""

from __future__ import annotations

import math

import pytest

from geo.core.units import DisplayUnits
from geo.report.units import annualise_rows, unit_text


def test_rows_are_annualised_in_place():
    rows = [{"parameter": 0.001, "return": 0.001, "volatility": 0.01}, {"parameter": 0.002, "return": None,
                                                                       "volatility": None}]
    annualise_rows(rows, DisplayUnits.of("daily"), parameter_is_return=True)
    assert rows[0] == pytest.approx({"parameter": 25.2, "return": 25.2, "volatility": 100 * 0.01 * math.sqrt(252)})
    assert rows[1]["return"] is None and rows[1]["parameter"] == pytest.approx(50.4)


def test_risk_aversions_are_not_scaled():
    rows = [{"parameter": 0.5, "return": 0.002, "volatility": 0.02}]
    annualise_rows(rows, DisplayUnits.of("weekly"), parameter_is_return=False)
    assert rows[0]["parameter"] == 0.5 and rows[0]["return"] == pytest.approx(10.4)


def test_labels():
    assert unit_text(DisplayUnits.of("monthly"), "monthly") == "% p.a."
    assert unit_text(DisplayUnits.of(None), None) == "per period"


def test_the_report_of_daily_data_is_annualised(tmp_path):
    import geo

    front = geo.frontier("sp500-sample", k=2, points=3, method="enumeration")
    html = front.report(tmp_path / "r.html").read_text()
    assert "return (% p.a.)" in html and "volatility (% p.a.)" in html and "variance (per period)" in html
    assert "expected return, % p.a." in html or "annualised" in html
    point = front.result.points[1]
    assert f"{252 * 100 * point.expected_return:.6g}" in html  # the point's annualised return, as shown
