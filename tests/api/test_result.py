"""The Frontier object: tables in the units analysts read, weights, comparison, plot, report, files."""

from __future__ import annotations

import numpy as np
import pytest

from geo.api.result import Frontier, gap_table
from geo.core.errors import GeoError


def test_frame_keeps_per_period_values_and_adds_annualised_ones(optimum):
    frame = optimum.to_frame()
    assert list(frame["status"]) == ["optimal (certified)"] * 6  # enumeration carries its bound
    assert all(p.status == "optimal" for p in optimum.result.points)  # the results keep the status
    points = optimum.result.points
    assert frame["return"].tolist() == pytest.approx([p.expected_return for p in points])
    assert frame["variance"].tolist() == pytest.approx([p.variance for p in points])
    assert frame["return_pa"].tolist() == pytest.approx(list(100 * 252 * frame["return"]))
    assert frame["volatility_pa"].tolist() == pytest.approx(list(100 * np.sqrt(252 * frame["variance"])))
    assert frame["target_pa"].tolist() == pytest.approx(list(100 * 252 * frame["target"]))
    assert (frame["assets"] <= 3).all()
    assert frame.loc[0, "holdings"].split() == sorted(points[0].weights, key=lambda t: -points[0].weights[t])


def test_unknown_frequency_has_no_annualised_columns(optimum):
    result = optimum.result
    bare = Frontier(type(result)(**{**vars(result), "dataset": {"frequency": None}}))
    assert "return_pa" not in bare.to_frame().columns
    assert "per period" in repr(bare)


def test_weights_are_a_targets_by_tickers_table(optimum, sample):
    weights = optimum.weights()
    assert list(weights.columns) == list(sample.tickers)
    assert weights.index.tolist() == pytest.approx(list(optimum.result.parameters))
    assert np.allclose(weights.sum(axis=1), 1.0)
    assert ((weights > 0).sum(axis=1) <= 3).all()


def test_compare_gives_the_gap_point_by_point(optimum, geo_front):
    assert np.allclose(optimum.compare(optimum)["gap_pct"], 0.0)
    compared = geo_front.compare(optimum)
    expected = 100 * (geo_front.result.variances - optimum.result.variances) / optimum.result.variances
    assert compared["gap_pct"].to_numpy() == pytest.approx(expected, nan_ok=True)
    assert (compared["gap_pct"].dropna() >= -1e-7).all()  # nothing beats the proven optimum
    assert compared.attrs["summary"]["n_compared"] == compared["gap_pct"].notna().sum()
    as_table = geo_front.compare(optimum.compare(optimum).rename(columns={"target": "target_return"}))
    assert as_table["gap_pct"].to_numpy() == pytest.approx(compared["gap_pct"].to_numpy(), nan_ok=True)
    table = gap_table([geo_front, optimum], optimum)
    assert table.loc["enumeration", "max gap %"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["geo (mps)", "mean gap %"] == pytest.approx(compared["gap_pct"].mean())


def test_geo_iterations_log_the_generator_metrics(geo_front, optimum):
    log = geo_front.iterations()
    assert {"exploration", "fidelity", "rate", "quality_coverage"} <= set(log.columns)
    assert len(log) >= 1
    with pytest.raises(GeoError, match="no iterations"):
        optimum.iterations()


def test_plot_draws_the_frontier_over_the_unconstrained_one(optimum, geo_front):
    import matplotlib

    matplotlib.use("Agg")
    ax = optimum.plot()
    geo_front.plot(ax=ax)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["unconstrained frontier", "enumeration", "geo (mps)"]
    assert "% p.a." in ax.get_xlabel()
    uef, front = ax.get_lines()[0], ax.get_lines()[1]
    # The unconstrained frontier is a lower bound: at every optimal point's return it needs less
    # volatility (up to the chord error of drawing a convex curve through 200 points).
    x_uef, y_uef = uef.get_data()
    for x, y in zip(*front.get_data()):
        assert np.interp(y, y_uef, x_uef) <= x * (1 + 1e-3)


def test_report_and_files(optimum, geo_front, tmp_path):
    html = geo_front.report(tmp_path / "k3.html", optimum)
    text = html.read_text()
    assert "<svg" in text and "geo (mps)" in text and "enumeration" in text
    saved = geo_front.save(tmp_path / "geo.json")
    again = Frontier.read(saved)
    assert again.to_frame().drop(columns="holdings").equals(geo_front.to_frame().drop(columns="holdings"))
