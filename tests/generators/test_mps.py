"""The MPS Born machine: exact (conditioned) sampling, exact log_prob, learning, warm start."""

import itertools

import numpy as np
import pytest

from geo.generators import make_generator
from geo.generators.base import Generator
from geo.generators.independent import IndependentGenerator
from geo.generators.mps import MPSGenerator, right_canonical
from geo.generators.mps_sampling import log_abs_amplitudes, log_norm, log_size_probability, sample_mps


def all_bitstrings(n):
    return np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)


def random_mps(n, bond, seed):
    rng = np.random.default_rng(seed)
    bonds = [1] + [bond] * (n - 1) + [1]
    return [rng.standard_normal((bonds[i], 2, bonds[i + 1])) for i in range(n)]


def keys(bits):
    return bits.astype(np.int64) @ (1 << np.arange(bits.shape[1], dtype=np.int64))


def empirical(samples, support):
    """Frequencies of ``samples`` on the rows of ``support`` (every sample must be in it)."""
    index = {k: i for i, k in enumerate(keys(support))}
    counts = np.bincount([index[k] for k in keys(samples)], minlength=len(support))
    return counts / len(samples)


def tv(p, q):
    return 0.5 * float(np.abs(p - q).sum())


def tv_bound(p, n, rng, replicates=300):
    """Sampling-noise TV of n exact draws from p: mean + 6 standard deviations (simulated)."""
    null = np.array([tv(c / n, p) for c in rng.multinomial(n, p, size=replicates)])
    return null.mean() + 6 * null.std()


def exact_conditional(tensors, support):
    logp = 2 * log_abs_amplitudes(tensors, support)
    p = np.exp(logp - logp.max())
    return p / p.sum()


def test_generators_follow_the_protocol():
    for generator in (MPSGenerator(), IndependentGenerator(), make_generator("mps"), make_generator("independent")):
        assert isinstance(generator, Generator)
        assert generator.conditions_on_size
    assert MPSGenerator().name == "mps" and IndependentGenerator().name == "independent"


@pytest.mark.parametrize("sizes", [(3,), (1, 2, 3)])
def test_conditioned_sampling_matches_the_enumerated_conditional(sizes):
    n, n_samples = 10, 20_000
    tensors = random_mps(n, 4, seed=7)  # any gauge: the sampler needs no canonical form
    generator = MPSGenerator.from_tensors(tensors)
    samples = generator.sample(n_samples, np.random.default_rng(1), sizes=sizes)
    assert samples.dtype == bool and samples.shape == (n_samples, n)
    assert np.isin(samples.sum(axis=1), sizes).all()
    everything = all_bitstrings(n)
    support = everything[np.isin(everything.sum(axis=1), sizes)]  # 120 strings for K = 3, 175 for 1..3
    target = exact_conditional(tensors, support)
    bound = tv_bound(target, n_samples, np.random.default_rng(2))
    assert bound < 0.05
    assert tv(empirical(samples, support), target) < bound
    # the bound has power: a sampler that dropped the correlations (same marginals) would fail it
    p1 = np.exp(generator.log_prob(everything)) @ everything
    product = np.exp(support @ np.log(p1) + ~support @ np.log1p(-p1))
    assert tv(product / product.sum(), target) > 3 * bound
    # and the model's own conditional law agrees with the enumeration
    np.testing.assert_allclose(np.exp(log_size_probability(tensors, sizes)),
                               np.exp(generator.log_prob(support)).sum(), rtol=1e-10)


def test_unconditioned_sampling_matches_log_prob():
    n, n_samples = 8, 20_000
    generator = MPSGenerator.from_tensors(random_mps(n, 4, seed=3))
    everything = all_bitstrings(n)
    p = np.exp(generator.log_prob(everything))
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    samples = generator.sample(n_samples, np.random.default_rng(4))
    bound = tv_bound(p, n_samples, np.random.default_rng(5))
    assert tv(empirical(samples, everything), p) < bound


def test_log_prob_normalised_for_a_non_canonical_state():
    tensors = [3.0 * t for t in random_mps(8, 3, seed=11)]
    everything = all_bitstrings(8)
    logz = log_norm(tensors)
    assert np.exp(2 * log_abs_amplitudes(tensors, everything) - logz).sum() == pytest.approx(1.0, abs=1e-12)
    canonical = right_canonical(tensors)
    assert log_norm(canonical) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(2 * log_abs_amplitudes(canonical, everything),
                               2 * log_abs_amplitudes(tensors, everything) - logz, atol=1e-10)


def test_conditioning_survives_astronomically_unlikely_sizes():
    # P(|x| = 150) under p_i = 1e-3 on 300 sites is ~1e-600: the count environments keep a log
    # scale per count, so sampling is still exact (by symmetry: uniform over 150-subsets).
    p1 = 1e-3
    tensors = [np.sqrt(np.array([1 - p1, p1])).reshape(1, 2, 1)] * 300
    samples = sample_mps(tensors, 400, np.random.default_rng(0), sizes=(150,))
    assert (samples.sum(axis=1) == 150).all()
    assert abs(samples.mean() - 0.5) < 0.01
    with pytest.raises(ValueError, match="probability zero"):
        sample_mps([np.array([1.0, 0.0]).reshape(1, 2, 1)] * 5, 10, np.random.default_rng(0), sizes=(2,))


def kl(bits, weights, generator):
    return float(weights @ (np.log(weights) - generator.log_prob(bits)))


def test_learns_a_parity_distribution_the_independent_model_cannot():
    everything = all_bitstrings(8)
    even = everything[everything.sum(axis=1) % 2 == 0]
    weights = np.full(len(even), 1 / len(even))
    rng = np.random.default_rng(0)
    mps = MPSGenerator(max_bond=4, n_sweeps=10, floor_weight=0).fit(even, weights, rng)
    independent = IndependentGenerator().fit(even, weights, rng)
    assert kl(even, weights, mps) < 0.01
    assert kl(even, weights, independent) > 0.69  # log 2: it can only learn the uniform law


def test_learns_a_weighted_set_of_bitstrings():
    rng = np.random.default_rng(1)
    everything = all_bitstrings(8)
    bits = everything[rng.choice(len(everything), 10, replace=False)]
    weights = np.arange(1, 11, dtype=float)
    weights /= weights.sum()
    mps = MPSGenerator(max_bond=8, n_sweeps=10, floor_weight=0).fit(bits, weights, np.random.default_rng(2))
    assert kl(bits, weights, mps) < 0.01
    assert kl(bits, weights, IndependentGenerator().fit(bits, weights, rng)) > 1.0
    assert max(mps.bond_dimensions) <= 8


def geo_like_training_set(n=30, k=5, m=60, seed=0):
    """K-hot strings drawn from a correlated (bond-3) MPS, with softmax-like weights."""
    rng = np.random.default_rng(seed)
    truth = random_mps(n, 3, seed + 100)
    for t in truth:
        t[:, 0, :] += 1.5
    bits = sample_mps(truth, m, rng, sizes=(k,))
    weights = np.exp(-3 * rng.random(m))
    return bits, weights / weights.sum()


def test_fitted_state_is_mixed_canonical_and_samples_have_the_right_size():
    bits, weights = geo_like_training_set()
    mps = MPSGenerator().fit(bits, weights, np.random.default_rng(0))
    assert mps.log_z_ == pytest.approx(0.0, abs=1e-10)
    for a in mps.tensors_[1:]:  # centre at site 0, the rest right-orthonormal
        matrix = a.reshape(a.shape[0], -1)
        np.testing.assert_allclose(matrix @ matrix.T, np.eye(a.shape[0]), atol=1e-10)
    assert max(mps.bond_dimensions) <= mps.max_bond == 2
    samples = mps.sample(500, np.random.default_rng(1), sizes=(5,))
    assert (samples.sum(axis=1) == 5).all()
    at_most = mps.sample(500, np.random.default_rng(1), sizes=range(1, 6))
    assert ((at_most.sum(axis=1) >= 1) & (at_most.sum(axis=1) <= 5)).all()
    # better than the independent model on its training set, and the NLL went down
    independent = IndependentGenerator().fit(bits, weights, np.random.default_rng(0))
    assert mps.nll(bits, weights) < -(weights @ independent.log_prob(bits))


def test_same_seed_same_model_different_seed_different_model():
    bits, weights = geo_like_training_set()
    first = MPSGenerator().fit(bits, weights, np.random.default_rng(3))
    second = MPSGenerator().fit(bits, weights, np.random.default_rng(3))
    third = MPSGenerator().fit(bits, weights, np.random.default_rng(4))
    for a, b in zip(first.tensors_, second.tensors_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first.log_prob(bits), second.log_prob(bits))
    assert not np.allclose(first.log_prob(bits), third.log_prob(bits))
    np.testing.assert_array_equal(first.sample(50, np.random.default_rng(9), sizes=(5,)),
                                  second.sample(50, np.random.default_rng(9), sizes=(5,)))


def test_refit_warm_starts_from_the_current_tensors():
    bits, weights = geo_like_training_set()
    once = MPSGenerator(n_sweeps=1).fit(bits, weights, np.random.default_rng(0))
    nll_once = once.nll(bits, weights)
    once.fit(bits, weights, np.random.default_rng(12345))  # rng unused on a refit
    assert once.nll(bits, weights) < nll_once
    assert once.loss_history_ == sorted(once.loss_history_, reverse=True)
    # 1 + 1 sweeps is exactly 2 sweeps from the same start
    twice = MPSGenerator(n_sweeps=2).fit(bits, weights, np.random.default_rng(0))
    for a, b in zip(once.tensors_, twice.tensors_):
        np.testing.assert_allclose(a, b, atol=1e-12)
    with pytest.raises(ValueError, match="same number of sites"):
        once.fit(bits[:, :-1], weights, np.random.default_rng(0))


def test_single_site_and_bad_input():
    bits = np.array([[True], [False], [True]])
    weights = np.array([0.5, 0.25, 0.25])
    mps = MPSGenerator(floor_weight=0).fit(bits, weights, np.random.default_rng(0))
    np.testing.assert_allclose(np.exp(mps.log_prob(np.array([[False], [True]]))), [0.25, 0.75])
    assert (mps.sample(20, np.random.default_rng(0), sizes=(1,)) == True).all()  # noqa: E712
    with pytest.raises(RuntimeError):
        MPSGenerator().sample(3, np.random.default_rng(0))
    with pytest.raises(ValueError):
        MPSGenerator().fit(bits, np.array([1.0, -0.5, 0.5]), np.random.default_rng(0))
    with pytest.raises(ValueError, match="sizes"):
        mps.sample(3, np.random.default_rng(0), sizes=(2,))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_floor_makes_held_out_selections_likelier_than_either_model_alone(seed):
    """Issue 17 §3: the default generator (the MPS with the independent floor) at or below the
    independent model's held-out NLL on correlated data it was not trained on; the pure MPS
    (``floor_weight=0``) is the control that shows the floor does work."""
    bits, weights = geo_like_training_set(m=60, seed=seed)
    truth = random_mps(30, 3, seed + 100)
    for t in truth:
        t[:, 0, :] += 1.5
    held_out = sample_mps(truth, 2000, np.random.default_rng(seed + 7), sizes=(5,))

    def nll(generator):
        return float(-generator.fit(bits, weights, np.random.default_rng(seed)).log_prob(held_out).mean())

    default = nll(MPSGenerator())
    assert default < nll(IndependentGenerator())
    assert default < nll(MPSGenerator(floor_weight=0))


def test_the_floored_model_is_an_exact_distribution_with_exact_ratios_and_samples():
    bits, weights = geo_like_training_set(n=10, k=3, m=30)
    mps = MPSGenerator().fit(bits, weights, np.random.default_rng(0))
    everything = all_bitstrings(10)
    w = mps.floor_weight
    mixture = (1 - w) * np.exp(mps.mps_log_prob(everything)) + w * np.exp(mps.floor_.log_prob(everything))
    np.testing.assert_allclose(np.exp(mps.log_prob(everything)), mixture, rtol=1e-12)
    assert abs(mixture.sum() - 1) < 1e-12
    # every one- and two-bit flip's ratio against brute force
    x = bits[0]
    singles, pairs = mps.flip_log_ratios(x)
    log_x = mps.log_prob(x[None])[0]
    for i in range(10):
        for m in range(i, 10):
            y = x.copy()
            y[[i, m]] = ~y[[i, m]] if i != m else ~y[[i]]
            expected = mps.log_prob(y[None])[0] - log_x
            assert abs((singles[i] if i == m else pairs[i, m]) - expected) < 1e-10
    assert np.isnan(pairs[np.tril_indices(10)]).all()
    # samples of exactly 3 ones follow the mixture conditioned on the size
    support = everything[everything.sum(axis=1) == 3]
    conditional = mixture[everything.sum(axis=1) == 3] / mixture[everything.sum(axis=1) == 3].sum()
    samples = mps.sample(20000, np.random.default_rng(1), sizes=(3,))
    assert tv(empirical(samples, support), conditional) < tv_bound(conditional, 20000, np.random.default_rng(2))
    pure = MPSGenerator.from_tensors(mps.tensors_)  # without a floor until fitted
    np.testing.assert_allclose(pure.log_prob(support), mps.mps_log_prob(support), atol=1e-12)


def test_floor_weight_is_checked():
    with pytest.raises(ValueError, match="floor"):
        MPSGenerator(floor_weight=1.0)
    with pytest.raises(ValueError, match="floor_weight must be 0"):
        MPSGenerator(physical_dims={0: 3})
