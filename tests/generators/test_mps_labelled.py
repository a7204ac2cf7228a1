"""One MPS with a label site, sampled with the site fixed (GEO's ``--conditioning segment-site``)."""

import itertools

import numpy as np
import pytest

from geo.generators.mps import MPSGenerator
from geo.generators.mps_labelled import LABEL_POSITIONS, LabelledMPSGenerator

N, K = 16, 3
# Two segments whose good selections use disjoint assets, at opposite ends of the chain.
PREFERRED = (np.arange(0, 5), np.arange(11, 16))


def planted(seed, per_segment=120):
    """K-hot selections drawn from each segment's preferred assets, labelled by segment."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for segment, assets in enumerate(PREFERRED):
        for _ in range(per_segment):
            row = np.zeros(N, dtype=bool)
            row[rng.choice(assets, K, replace=False)] = True
            rows.append(row)
            labels.append(segment)
    return np.array(rows), np.array(labels), np.full(len(rows), 1.0 / len(rows))


def fitted(position="middle", seed=0, refits=3):
    bits, labels, weights = planted(0)
    model = LabelledMPSGenerator(2, label_position=position)
    for _ in range(refits):
        model.fit(bits, labels, weights, np.random.default_rng(seed))
    return model


def share_on(samples, assets):
    return samples[:, assets].sum() / samples.sum()


@pytest.mark.parametrize("position", LABEL_POSITIONS)
def test_the_fixed_site_reproduces_each_segments_distribution(position):
    model = fitted(position)
    bits, _, weights = planted(0)
    plain = MPSGenerator()
    for _ in range(3):
        plain.fit(bits, weights, np.random.default_rng(0))
    unconditioned = plain.sample(2000, np.random.default_rng(1), (K,))
    for segment, assets in enumerate(PREFERRED):
        samples = model.sample(2000, np.random.default_rng(1), segment, (K,))
        # one MPS over the union can only propose the mixture: half its mass on each segment
        assert share_on(samples, assets) > 0.9
        assert share_on(samples, assets) > share_on(unconditioned, assets) + 0.3
        # and the likelihood says the same: own segment's data is far likelier under its label
        own = bits[:120] if segment == 0 else bits[120:]
        other = bits[120:] if segment == 0 else bits[:120]
        assert model.log_prob(own, segment).mean() > model.log_prob(other, segment).mean() + 2.0


@pytest.mark.parametrize("sizes", [(K,), (2, 3)])
def test_conditioned_samples_have_an_allowed_size(sizes):
    model = fitted()
    for segment in (0, 1):
        samples = model.sample(500, np.random.default_rng(2), segment, sizes)
        assert np.isin(samples.sum(axis=1), sizes).all()
        assert samples.shape == (500, N)


@pytest.mark.parametrize("position", LABEL_POSITIONS)
def test_conditional_log_prob_is_normalised_and_matches_the_samples(position):
    # small enough to enumerate: p(x | s) sums to 1 over all x, and sampling at size 2 follows it
    n = 6
    rng = np.random.default_rng(4)
    bits = rng.random((40, n)) < 0.4
    labels = rng.integers(0, 3, 40)
    model = LabelledMPSGenerator(3, label_position=position, max_bond=3)
    model.fit(bits, labels, np.full(40, 1 / 40), np.random.default_rng(0))
    everything = np.array(list(itertools.product([False, True], repeat=n)))
    for label in range(3):
        p = np.exp(model.log_prob(everything, label))
        assert p.sum() == pytest.approx(1.0, abs=1e-9)
        size_two = everything.sum(axis=1) == 2
        expected = p[size_two] / p[size_two].sum()
        samples = model.sample(20000, np.random.default_rng(label), label, (2,))
        index = {row.tobytes(): i for i, row in enumerate(everything[size_two])}
        counts = np.bincount([index[row.tobytes()] for row in samples], minlength=size_two.sum())
        assert 0.5 * np.abs(counts / len(samples) - expected).sum() < 0.03


def test_the_joint_over_selection_and_label_is_normalised():
    model = LabelledMPSGenerator(2, max_bond=2)
    rng = np.random.default_rng(5)
    model.fit(rng.random((30, 5)) < 0.5, rng.integers(0, 2, 30), np.full(30, 1 / 30), np.random.default_rng(0))
    rows = np.array([list(bits[:2]) + [label] + list(bits[2:])
                     for bits in itertools.product([0, 1], repeat=5) for label in (0, 1)])
    assert model.label_site_ == 2
    assert np.exp(model.mps_.log_prob(rows)).sum() == pytest.approx(1.0, abs=1e-9)


def test_fit_and_samples_are_reproducible_from_the_seed():
    first = fitted(seed=3).sample(200, np.random.default_rng(9), 1, (K,))
    again = fitted(seed=3).sample(200, np.random.default_rng(9), 1, (K,))
    np.testing.assert_array_equal(first, again)
    other_fit = fitted(seed=4).mps_.tensors_
    assert not all(np.array_equal(a, b) for a, b in zip(fitted(seed=3).mps_.tensors_, other_fit))


def test_bad_labels_and_unfitted_use_are_refused():
    model = LabelledMPSGenerator(2)
    with pytest.raises(RuntimeError, match="fit the generator"):
        model.sample(3, np.random.default_rng(0), 0, (K,))
    bits, labels, weights = planted(0)
    with pytest.raises(ValueError, match="one label in 0..1"):
        model.fit(bits, labels + 1, weights, np.random.default_rng(0))
    with pytest.raises(ValueError, match="label_position"):
        LabelledMPSGenerator(2, label_position="left")
