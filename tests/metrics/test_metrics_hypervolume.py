"""Hypervolume in the (variance, -return) plane: rectangle sums by hand and an exact brute force."""

from __future__ import annotations

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.metrics import ReferencePoint, default_reference_point, hypervolume

REF = ReferencePoint(variance=10.0, expected_return=0.0)  # the point (10, -0) of the plane


def frontier(*points):
    """(return, variance) pairs -> the pair of arrays the metrics accept."""
    return np.array([p[0] for p in points], float), np.array([p[1] for p in points], float)


def test_one_two_three_points():
    assert hypervolume(frontier((3, 2)), REF) == pytest.approx(8 * 3)
    # [2,10]x[-3,0] + [5,10]x[-6,0] - overlap [5,10]x[-3,0] = 24 + 30 - 15
    assert hypervolume(frontier((3, 2), (6, 5)), REF) == pytest.approx(39)
    assert hypervolume(frontier((3, 2), (6, 5), (7, 8)), REF) == pytest.approx(39 + 2 * 1)


def test_dominated_outside_and_infeasible_points_add_nothing():
    base = hypervolume(frontier((3, 2), (6, 5), (7, 8)), REF)
    # (5, 6) is dominated by (6, 5); (9, 12) is riskier and (-1, 3) earns less than the reference.
    noisy = frontier((7, 8), (6, 5), (5, 6), (9, 12), (-1, 3), (np.nan, np.nan), (3, 2), (3, 2))
    assert hypervolume(noisy, REF) == pytest.approx(base)
    assert hypervolume(frontier((0, 1), (5, 10)), REF) == 0.0  # on the reference's boundaries
    assert hypervolume((np.array([]), np.array([])), REF) == 0.0


def test_tuple_reference_is_variance_then_return():
    assert hypervolume(frontier((3, 2)), (10.0, 1.0)) == pytest.approx(8 * 2)


def test_matches_exact_grid_union_on_seeded_points():
    rng = np.random.default_rng(11)
    returns, variances = rng.uniform(0, 1, 40), rng.uniform(0, 1, 40)
    ref = ReferencePoint(1.1, -0.1)
    x, y = variances, -returns
    xs = np.unique(np.r_[x, ref.variance])
    ys = np.unique(np.r_[y, -ref.expected_return])
    # Each cell between consecutive coordinates is dominated iff a point is below-left of it.
    area = sum((xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j])
               for i in range(len(xs) - 1) for j in range(len(ys) - 1)
               if ((x <= xs[i]) & (y <= ys[j])).any())
    assert hypervolume((returns, variances), ref) == pytest.approx(area, rel=1e-12)


def test_default_reference_point_rule(make_result):
    point = default_reference_point(frontier((1, 2), (3, 6)))
    assert (point.variance, point.expected_return) == pytest.approx((6 + 0.05 * 4, 1 - 0.05 * 2))
    both = default_reference_point(frontier((1, 2)), make_result([(0.0, 3.0, 6.0), (1.0, 1.0, None)]))
    assert (both.variance, both.expected_return) == pytest.approx((6.2, 0.9))
    single = default_reference_point(frontier((-2, 4)))  # zero spans: 5% of the magnitudes
    assert (single.variance, single.expected_return) == pytest.approx((4.2, -2.1))
    assert point.to_dict()["plane"].startswith("(variance, -return)")
    with pytest.raises(GeoError):
        default_reference_point(frontier((np.nan, np.nan)))


def test_bad_reference_point_is_a_geo_error():
    with pytest.raises(GeoError, match="variance, return"):
        hypervolume(frontier((3, 2)), (1.0, 2.0, 3.0))
