import re

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.problem import Problem


def small_problem(**kwargs):
    rng = np.random.default_rng(3)
    g = rng.normal(size=(6, 30))
    defaults = dict(mu=rng.normal(0.01, 0.005, 6), cov=g @ g.T / 30, k=3)
    defaults.update(kwargs)
    return Problem(**defaults)


@pytest.mark.parametrize("kwargs, message", [
    (dict(k=0), "K = 0"),
    (dict(k=7), "K = 7"),
    (dict(w_min=0.5, w_max=0.4), "larger than w_max"),
    (dict(w_min=0.4), "K * w_min"),
    (dict(w_max=0.3), "K * w_max"),
    (dict(cardinality="some"), "cardinality"),
    (dict(w_min=-0.1), "long-only"),
])
def test_invalid_constraints_are_named(kwargs, message):
    with pytest.raises(GeoError, match=re.escape(message)):
        small_problem(**kwargs)


def test_bad_covariance_is_rejected():
    problem = small_problem()
    asym = problem.cov.copy()
    asym[0, 1] += 1.0
    with pytest.raises(GeoError, match="not symmetric"):
        small_problem(cov=asym)
    not_psd = problem.cov - 5 * np.eye(6) * np.max(np.diag(problem.cov))
    with pytest.raises(GeoError, match="positive semi-definite"):
        small_problem(cov=not_psd)
    with_nan = problem.cov.copy()
    with_nan[2, 2] = np.nan
    with pytest.raises(GeoError, match="NaN"):
        small_problem(cov=with_nan)
    with pytest.raises(GeoError, match="covariance is 5x5"):
        small_problem(cov=problem.cov[:5, :5])


def test_return_range_matches_brute_force_extremes():
    problem = small_problem(w_min=0.1, w_max=0.5)
    low, high = problem.return_range()
    top = np.sort(problem.mu)[::-1][:3]
    assert high == pytest.approx(0.5 * top[0] + 0.4 * top[1] + 0.1 * top[2])
    bottom = np.sort(problem.mu)[:3]
    assert low == pytest.approx(0.5 * bottom[0] + 0.4 * bottom[1] + 0.1 * bottom[2])


def test_at_most_mode_allows_smaller_sizes_within_bounds():
    assert small_problem(cardinality="at-most", w_max=0.5).feasible_sizes == (2, 3)
    assert small_problem(cardinality="exact").feasible_sizes == (3,)


def test_unreachable_target_is_an_error():
    problem = small_problem()
    _, high = problem.return_range()
    problem.check_target_returns([high])
    with pytest.raises(GeoError, match="outside the attainable range"):
        problem.check_target_returns([high * 1.01 + 1e-6])
