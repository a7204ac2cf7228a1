"""Chang et al. (2000) errors against the UEF: a hand-made convex UEF and the real portef1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.core.errors import GeoError
from geo.metrics import chang_errors, efficient_return_at_variance, published_ccef_path, read_published_ccef

# A convex "UEF" v = (r - 1)^2 + 1 sampled at r = 0, 1, 2, 3, given out of order. The minimum
# variance point is (r=1, v=1); (r=0, v=2) is on the inefficient branch.
UEF = pd.DataFrame({"return": [2.0, 0.0, 3.0, 1.0], "variance": [2.0, 2.0, 5.0, 1.0]})


def test_hand_checked_errors():
    # (r*, v*) and the hand-computed e_v, e_r (None = undefined)
    cases = [
        (2.0, 3.0, 50.0, 100 * (7 / 3 - 2) / (7 / 3)),  # r_uef(3) = 2 + 1/3 on the (2,2)-(3,5) chord
        (1.5, 1.5, 0.0, 0.0),                            # on a chord of the UEF
        (0.5, 2.0, 100 * 0.5 / 1.5, 75.0),               # v_uef(0.5) = 1.5 on the inefficient branch,
                                                         # r_uef(2) = 2 on the efficient one (not 0)
        (2.5, 6.0, 100 * 2.5 / 3.5, None),               # v* beyond the UEF's variances: e_v only
        (3.5, 4.0, None, 100 * (8 / 3 - 3.5) / (8 / 3)), # r* beyond the UEF's returns: e_r only
        (4.0, 10.0, None, None),                         # neither: undefined
        (np.nan, np.nan, None, None),                    # infeasible
    ]
    errors = chang_errors((np.array([c[0] for c in cases]), np.array([c[1] for c in cases])), UEF)
    nan = lambda x: np.nan if x is None else x  # noqa: E731
    np.testing.assert_allclose(errors.variance_errors, [nan(c[2]) for c in cases], atol=1e-12)
    np.testing.assert_allclose(errors.return_errors, [nan(c[3]) for c in cases], atol=1e-12)
    point = [100 / 7, 0.0, 100 / 3, 100 * 2.5 / 3.5, -31.25, np.nan, np.nan]
    np.testing.assert_allclose(errors.point_errors, point, atol=1e-12)
    assert errors.mpe == pytest.approx(np.mean(point[:5]))
    assert errors.mdpe == pytest.approx(100 / 7)
    assert (errors.n_points, errors.n_undefined, errors.n_variance_error_only,
            errors.n_return_error_only) == (5, 1, 1, 1)
    assert errors.to_dict()["mpe"] == pytest.approx(errors.mpe)


def test_frontier_result_uses_realised_returns(make_result):
    # The parameter (here a risk aversion) is not used: only (return, variance).
    result = make_result([(0.9, 2.0, 3.0), (0.1, 1.5, None)], objective="risk-aversion")
    errors = chang_errors(result, (UEF["return"].to_numpy(), UEF["variance"].to_numpy()))
    assert errors.n_points == 1 and errors.mpe == pytest.approx(100 / 7)


def test_efficient_branch_drops_dominated_rounding_noise():
    # (1.9, 2.1) is dominated by (2, 2): it must not bend r_uef.
    returns, variances = np.array([1.0, 2.0, 1.9, 3.0]), np.array([1.0, 2.0, 2.1, 5.0])
    np.testing.assert_allclose(efficient_return_at_variance(returns, variances, np.array([2.1, 3.5])),
                               [2.0 + 0.1 / 3, 2.5])


def test_seeded_points_above_a_dense_uef_have_positive_errors():
    rng = np.random.default_rng(7)
    r = np.linspace(0.0, 2.0, 2001)
    uef = (r, 0.5 * (r - 0.5) ** 2 + 0.1)
    r_star = rng.uniform(0.6, 1.9, 200)
    v_star = 0.5 * (r_star - 0.5) ** 2 + 0.1 + rng.uniform(0.001, 0.05, 200)
    errors = chang_errors((r_star, v_star), uef)
    assert errors.n_points == 200
    assert (errors.variance_errors > 0).all() and (errors.return_errors > 0).all()
    assert (errors.point_errors <= errors.variance_errors).all()
    exact_ev = 100 * (v_star - (0.5 * (r_star - 0.5) ** 2 + 0.1)) / (0.5 * (r_star - 0.5) ** 2 + 0.1)
    np.testing.assert_allclose(errors.variance_errors, exact_ev, rtol=1e-3)


def test_portef1_against_itself_is_zero(shared_data):
    table = np.loadtxt(shared_data / "orlib/portef1.txt")  # mean, variance; decreasing mean
    returns, variances = table[:, 0], table[:, 1]
    assert (np.diff(returns) < 0).all()
    uef = (returns, variances)
    sampled = chang_errors((returns[::7], variances[::7]), uef)
    assert sampled.n_points == len(returns[::7]) and sampled.n_undefined == 0
    assert np.abs(sampled.point_errors).max() < 1e-9
    # Midpoints of consecutive points lie on the interpolated UEF: e_v is 0 there too.
    mid = chang_errors(((returns[:-1] + returns[1:]) / 2, (variances[:-1] + variances[1:]) / 2), uef)
    assert np.abs(mid.variance_errors).max() < 1e-9 and abs(mid.mpe) < 1e-6


def test_published_port1_k10_is_close_to_the_uef(shared_data):
    # 10 of 31 assets is almost unconstrained for port1: the published frontier sits on the UEF
    # up to the rounding of both files.
    table = np.loadtxt(shared_data / "orlib/portef1.txt")
    ccef = read_published_ccef(published_ccef_path(31, shared_data), 10)
    errors = chang_errors(ccef, pd.DataFrame({"return": table[:, 0], "variance": table[:, 1]}))
    assert errors.n_points == 500
    assert abs(errors.mpe) < 0.1 and abs(errors.mdpe) < 0.05


def test_too_small_uef_is_a_geo_error():
    with pytest.raises(GeoError, match="too few"):
        chang_errors((np.array([1.0]), np.array([1.0])), (np.array([1.0]), np.array([1.0])))
