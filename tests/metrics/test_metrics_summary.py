"""summarise_frontier: everything available, JSON-serialisable, says what it used."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.metrics import ReferencePoint, default_reference_point, summarise_frontier

REFERENCE = pd.DataFrame({"target_return": [1.0, 2.0, 3.0], "variance": [1.0, 2.0, 5.0]})
UEF = pd.DataFrame({"return": [0.0, 1.0, 2.0, 3.0], "variance": [2.0, 1.0, 2.0, 5.0]})


def test_everything_available(make_result):
    result = make_result([(1.0, 1.0, 1.01), (2.0, 2.0, 3.0), (3.0, 3.0, None)])
    summary = summarise_frontier(result, reference=REFERENCE, uef=UEF, hv_reference=(10.0, 0.0))
    summary = json.loads(json.dumps(summary, allow_nan=False))  # JSON round trip, no NaN
    assert summary["method"] == "test-method" and summary["n_feasible"] == 2
    assert summary["gap_to_reference"]["n_compared"] == 2 and summary["gap_to_reference"]["n_missing"] == 1
    assert summary["gap_to_reference"]["max"] == pytest.approx(50.0)
    assert summary["chang"]["n_points"] == 2
    assert summary["hypervolume"]["reference_point"]["variance"] == 10.0
    assert summary["hypervolume"]["reference_point_rule"] == "given"
    # (1, 1.01) and (2, 3): 8.99 * 1 + 7 * 1
    assert summary["hypervolume"]["value"] == pytest.approx(8.99 + 7.0)
    assert summary["per_point"]["gap_pct"][2] is None
    assert summary["per_point"]["gap_pct"][0] == pytest.approx(1.0)
    assert summary["notes"] == []


def test_default_reference_point_is_recorded(make_result):
    result = make_result([(1.0, 1.0, 1.01), (2.0, 2.0, 3.0)])
    summary = summarise_frontier(result, reference=REFERENCE)
    point = default_reference_point(result, REFERENCE)
    assert summary["hypervolume"]["reference_point"]["variance"] == pytest.approx(point.variance)
    assert summary["hypervolume"]["reference_point"]["return"] == pytest.approx(point.expected_return)
    assert summary["hypervolume"]["reference_point_rule"].startswith("default")
    assert summary["chang"] is None and any("Chang" in note for note in summary["notes"])


def test_risk_aversion_result_skips_the_gap(make_result):
    result = make_result([(0.2, 2.0, 3.0)], objective="risk-aversion")
    summary = summarise_frontier(result, reference=REFERENCE, uef=UEF,
                                 hv_reference=ReferencePoint(10.0, 0.0))
    json.dumps(summary, allow_nan=False)
    assert summary["gap_to_reference"] is None and "risk_aversion" in summary["per_point"]
    assert summary["chang"]["mpe"] == pytest.approx(100 / 7)


def test_all_infeasible(make_result):
    summary = summarise_frontier(make_result([(1.0, 1.0, None)]))
    json.dumps(summary, allow_nan=False)
    assert summary["hypervolume"] is None and summary["n_feasible"] == 0
