"""Gap to a reference frontier: hand-checked cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from geo.core.errors import GeoError
from geo.metrics import GapSummary, gap_to_reference, match_targets

REFERENCE = pd.DataFrame({"target_return": [0.01, 0.02, 0.03, 0.04, 0.05, 0.06],
                          "variance": [1.0, 2.0, np.nan, 4.0, np.nan, 5.0]})
# (target, variance, expected gap in % or None when not compared)
FRONTIER = [
    (0.01 + 5e-10, 0.999, -0.1),   # better than the reference: counts as within
    (0.02, 2.0009, 0.045),         # within 0.05%
    (0.06, 5.5, 10.0),
    (0.03, 3.0, None),             # reference infeasible
    (0.04, np.nan, None),          # missing: we fail where the reference is feasible
    (0.05, np.nan, None),          # both infeasible: ignored
    (0.07, 1.0, None),             # no reference target
    (0.01 + 2e-6, 1.0, None),      # beyond the tolerance of 1e-6 + 1e-9
]


def test_hand_checked_gaps():
    frontier = pd.DataFrame({"target_return": [f[0] for f in FRONTIER], "variance": [f[1] for f in FRONTIER]})
    summary, gaps = gap_to_reference(frontier, REFERENCE)
    expected = np.array([np.nan if f[2] is None else f[2] for f in FRONTIER])
    np.testing.assert_allclose(gaps, expected, rtol=1e-9, atol=1e-9)
    assert summary.mean == pytest.approx((-0.1 + 0.045 + 10.0) / 3)
    assert summary.median == pytest.approx(0.045)
    assert summary.max == pytest.approx(10.0) and summary.min == pytest.approx(-0.1)
    assert summary.share_within == pytest.approx(2 / 3)
    assert (summary.n_compared, summary.n_missing, summary.n_reference_infeasible,
            summary.n_both_infeasible, summary.n_unmatched) == (3, 1, 1, 1, 2)


def test_frontier_result_input_and_json(make_result):
    result = make_result([(0.01, 0.01, 1.01), (0.02, 0.02, None), (0.06, 0.06, 5.0)])
    summary, gaps = gap_to_reference(result, REFERENCE)
    np.testing.assert_allclose(gaps, [1.0, np.nan, 0.0])
    assert summary.n_compared == 2 and summary.n_missing == 1 and summary.share_within == 0.5
    assert json.loads(json.dumps(summary.to_dict(), allow_nan=False))["median"] == pytest.approx(0.5)


def test_nothing_compared_gives_nan_statistics_and_none_in_json():
    summary, gaps = gap_to_reference((np.array([0.5]), np.array([1.0])), REFERENCE)
    assert summary.n_compared == 0 and summary.n_unmatched == 1 and math.isnan(summary.mean)
    assert summary.to_dict()["mean"] is None and summary.to_dict()["n_unmatched"] == 1
    assert isinstance(summary, GapSummary) and np.isnan(gaps).all()


def test_match_targets_nearest_within_tolerance():
    reference = np.array([0.0100008, 0.01, 10.000005])
    targets = np.array([0.0100005, 0.0100003, 10.0, 0.0100030, 10.00002])
    # 10.0 matches 10.000005: the tolerance scales with |t| above 1.
    assert match_targets(targets, reference).tolist() == [0, 1, 2, -1, -1]
    assert match_targets(targets, np.array([])).tolist() == [-1] * 5
    # A NaN reference target is skipped, not matched nor in the way of its neighbours.
    assert match_targets(np.array([0.02, np.nan]), np.array([0.01, np.nan, 0.02])).tolist() == [2, -1]


def test_gap_of_a_risk_aversion_result_is_a_geo_error(make_result):
    with pytest.raises(GeoError, match="no target returns"):
        gap_to_reference(make_result([(0.5, 0.01, 1.0)], objective="risk-aversion"), REFERENCE)


def test_non_positive_reference_variance_is_a_geo_error():
    with pytest.raises(GeoError, match="non-positive"):
        gap_to_reference(REFERENCE, pd.DataFrame({"target_return": [0.01], "variance": [0.0]}))


def test_bad_table_is_a_geo_error():
    with pytest.raises(GeoError, match="'variance' column"):
        gap_to_reference(pd.DataFrame({"target": [0.01], "var": [1.0]}), REFERENCE)
