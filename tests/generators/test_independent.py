"""The independent-Bernoulli generator (a bond-dimension-1 MPS)."""

import itertools

import numpy as np
import pytest

from geo.generators.independent import IndependentGenerator
from geo.generators.mps_sampling import log_abs_amplitudes, log_norm


def all_bitstrings(n):
    return np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)


@pytest.fixture
def training_set():
    rng = np.random.default_rng(0)
    bits = rng.random((40, 12)) < np.linspace(0.05, 0.6, 12)
    bits[:, 0] = False  # never held: smoothing keeps it possible
    bits[:, 1] = True  # always held: smoothing keeps it droppable
    weights = rng.random(40)
    return bits, weights / weights.sum()


def test_marginals_are_the_weighted_means_up_to_smoothing(training_set):
    bits, weights = training_set
    generator = IndependentGenerator(smoothing=0.01).fit(bits, weights, np.random.default_rng(0))
    means = weights @ bits
    np.testing.assert_allclose(generator.marginals_, (means + 0.01) / 1.02)
    assert np.all(np.abs(generator.marginals_ - means) <= 0.01 / 1.02 + 1e-15)
    assert np.all((generator.marginals_ > 0) & (generator.marginals_ < 1))
    # duplicated rows count with their summed weight
    doubled = IndependentGenerator().fit(np.vstack([bits, bits]), np.concatenate([weights, weights]) / 2, None)
    np.testing.assert_allclose(doubled.marginals_, generator.marginals_)


def test_log_prob_is_the_d1_mps_and_normalised(training_set):
    bits, weights = training_set
    generator = IndependentGenerator().fit(bits[:, :8], weights, np.random.default_rng(0))
    everything = all_bitstrings(8)
    logp = generator.log_prob(everything)
    assert np.exp(logp).sum() == pytest.approx(1.0, abs=1e-12)
    tensors = generator.tensors
    assert all(t.shape == (1, 2, 1) for t in tensors)
    assert log_norm(tensors) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(2 * log_abs_amplitudes(tensors, everything), logp, atol=1e-12)


def test_conditioned_samples_have_the_right_size_and_law(training_set):
    bits, weights = training_set
    generator = IndependentGenerator().fit(bits, weights, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    exact = generator.sample(30_000, rng, sizes=(4,))
    assert exact.shape == (30_000, 12) and exact.dtype == bool
    assert (exact.sum(axis=1) == 4).all()
    at_most = generator.sample(2_000, rng, sizes=(1, 2, 3, 4))
    assert ((at_most.sum(axis=1) >= 1) & (at_most.sum(axis=1) <= 4)).all()
    # per-site inclusion frequencies match the enumerated conditional marginals
    everything = all_bitstrings(12)
    support = everything[everything.sum(axis=1) == 4]
    p = np.exp(generator.log_prob(support))
    conditional_marginals = (p / p.sum()) @ support
    standard_error = np.sqrt(conditional_marginals * (1 - conditional_marginals) / len(exact))
    assert np.all(np.abs(exact.mean(axis=0) - conditional_marginals) < 5 * standard_error + 1e-12)
    # unconditioned: the plain marginals
    free = generator.sample(30_000, rng)
    assert np.all(np.abs(free.mean(axis=0) - generator.marginals_) < 5 * np.sqrt(0.25 / 30_000))


def test_refit_replaces_the_fit_and_checks_the_width(training_set):
    bits, weights = training_set
    generator = IndependentGenerator().fit(bits, weights, np.random.default_rng(0))
    generator.fit(~bits, weights, np.random.default_rng(0))
    np.testing.assert_allclose(generator.marginals_, (weights @ ~bits + 0.01) / 1.02)
    with pytest.raises(ValueError):
        generator.fit(bits[:, :5], weights, np.random.default_rng(0))
    with pytest.raises(ValueError):
        IndependentGenerator(smoothing=0.0)
