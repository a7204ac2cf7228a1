"""The floor mixture's pieces (the fitted MPS with its floor is tested in test_mps.py)."""

import numpy as np
import pytest

from geo.generators.mixture import check_weight, floor_share, mixture_log_prob, sample_mixture


def test_weight_zero_is_the_model_alone_and_the_weight_is_checked():
    log_p = np.array([np.log(0.5), np.log(0.25), -np.inf])
    np.testing.assert_array_equal(mixture_log_prob(log_p, np.log([0.1, 0.1, 0.8]), 0.0), log_p)
    np.testing.assert_allclose(np.exp(mixture_log_prob(log_p, np.log([0.1, 0.1, 0.8]), 0.25)),
                               [0.4, 0.2125, 0.2])
    assert floor_share(-1.0, -2.0, 0.0) == 0.0
    for bad in (-0.1, 1.0, np.nan):
        with pytest.raises(ValueError, match="floor"):
            check_weight(bad)


def test_the_floor_share_weighs_each_component_by_its_probability_of_the_sizes():
    # P_model(sizes) = 0.1, P_floor(sizes) = 0.4, w = 0.2: 0.08 / (0.08 + 0.08)
    assert floor_share(np.log(0.1), np.log(0.4), 0.2) == pytest.approx(0.5)
    assert floor_share(-np.inf, np.log(0.4), 0.2) == 1.0  # the model cannot make these sizes


def test_sample_mixture_draws_a_binomial_share_in_random_order():
    def draws(seed):
        rng = np.random.default_rng(seed)
        return sample_mixture(lambda n: np.zeros((n, 1)), lambda n: np.ones((n, 1)), 10000, 0.3, rng)

    first = draws(0)
    assert first.shape == (10000, 1)
    assert abs(first.mean() - 0.3) < 0.02
    assert 0.2 < first[:100].mean() < 0.4  # shuffled: a prefix is a sample too
    np.testing.assert_array_equal(first, draws(0))
