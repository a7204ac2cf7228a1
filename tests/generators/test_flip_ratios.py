"""The probability ratio of every one-move neighbour, p(x') / p(x), from a model's environments
(issue 17 §2): equal to the brute-force ratio of the model's own probabilities."""

import numpy as np
import pytest

from geo.classical.neighbourhood import all_neighbours
from geo.generators.flip_ratios import flip_log_ratios, flip_log_ratios_at, swap_log_ratios
from geo.generators.independent import IndependentGenerator
from geo.generators.mps import MPSGenerator
from geo.generators.mps_sampling import log_abs_amplitudes
from geo.generators.uniform import UniformGenerator
from geo.problem import Problem


def random_mps(n, bond, rng):
    return [rng.standard_normal((1 if i == 0 else bond, 2, 1 if i == n - 1 else bond)) for i in range(n)]


def brute_force(generator, selection):
    """log p(x') - log p(x) for every single flip and every pair of flips, one log_prob at a time."""
    n = len(selection)
    base = generator.log_prob(selection[None, :])[0]
    singles, pairs = np.full(n, np.nan), np.full((n, n), np.nan)
    for k in range(n):
        flipped = selection.copy()
        flipped[k] = ~flipped[k]
        singles[k] = generator.log_prob(flipped[None, :])[0] - base
        for m in range(k + 1, n):
            both = flipped.copy()
            both[m] = ~both[m]
            pairs[k, m] = generator.log_prob(both[None, :])[0] - base
    return singles, pairs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mps_ratios_equal_brute_force_ratios(seed):
    rng = np.random.default_rng(seed)
    generator = MPSGenerator.from_tensors(random_mps(11, 3, rng), max_bond=3)
    selection = rng.random(11) < 0.4
    singles, pairs = generator.flip_log_ratios(selection)
    want_singles, want_pairs = brute_force(generator, selection)
    np.testing.assert_allclose(np.exp(singles), np.exp(want_singles), rtol=1e-10)
    upper = np.triu(np.ones((11, 11), dtype=bool), 1)
    np.testing.assert_allclose(np.exp(pairs[upper]), np.exp(want_pairs[upper]), rtol=1e-10)


def test_ratios_hold_on_a_long_chain_whose_amplitudes_underflow():
    """400 sites: |psi| is far below the smallest double, yet the ratios stay exact (the open rows
    share the scale of the left environment)."""
    rng = np.random.default_rng(5)
    tensors = [0.05 * t for t in random_mps(400, 2, rng)]
    selection = np.zeros(400, dtype=bool)
    selection[rng.choice(400, 30, replace=False)] = True
    singles, pairs = flip_log_ratios(tensors, selection)
    base = log_abs_amplitudes(tensors, selection[None, :])[0]
    assert base < -1000  # |psi| = exp(base) underflows to 0 in double precision
    for i, m in [(3, 250), (17, 399), (0, 1)]:
        moved = selection.copy()
        moved[[i, m]] = ~moved[[i, m]]
        assert pairs[i, m] == pytest.approx(2 * (log_abs_amplitudes(tensors, moved[None, :])[0] - base), abs=1e-9)
    assert np.isfinite(singles).all()


def test_independent_and_uniform_ratios():
    rng = np.random.default_rng(3)
    bits = rng.random((40, 9)) < 0.3
    independent = IndependentGenerator().fit(bits, np.full(40, 1 / 40), rng)
    selection = bits[0]
    singles, pairs = independent.flip_log_ratios(selection)
    want_singles, want_pairs = brute_force(independent, selection)
    upper = np.triu(np.ones((9, 9), dtype=bool), 1)
    np.testing.assert_allclose(singles, want_singles, atol=1e-12)
    np.testing.assert_allclose(pairs[upper], want_pairs[upper], atol=1e-12)
    uniform = UniformGenerator().fit(bits, np.full(40, 1 / 40), rng)
    singles, pairs = uniform.flip_log_ratios(selection)
    assert not singles.any() and not pairs.any()


@pytest.mark.parametrize("cardinality", ["exact", "at-most"])
def test_neighbour_ratios_follow_the_neighbourhood_order(sp500_sample, cardinality):
    """Swaps, drops and adds of all_neighbours, each matched to its own ratio."""
    problem = Problem.from_dataset(sp500_sample, 4, cardinality=cardinality)
    rng = np.random.default_rng(1)
    generator = MPSGenerator.from_tensors(random_mps(problem.n_assets, 2, rng), max_bond=2)
    selection = np.zeros(problem.n_assets, dtype=bool)
    selection[[2, 7, 11, 19]] = True
    neighbours = all_neighbours(problem, selection)
    ratios = swap_log_ratios(*generator.flip_log_ratios(selection), selection, neighbours)
    want = generator.log_prob(neighbours) - generator.log_prob(selection[None, :])[0]
    np.testing.assert_allclose(ratios, want, atol=1e-9)
    with pytest.raises(ValueError, match="one or two bits"):
        swap_log_ratios(*generator.flip_log_ratios(selection), selection, selection[None, :])


def test_a_selection_the_model_gives_zero_amplitude_gets_infinite_ratios_not_an_error():
    """An MPS can give a selection amplitude 0 (an asset never held in its training data): every
    move that leaves it then has an infinite ratio, and the computation must not raise."""
    tensors = random_mps(8, 2, np.random.default_rng(3))
    tensors[2][:, 1, :] = 0.0  # asset 2 held: amplitude 0
    selection = np.zeros(8, dtype=bool)
    selection[[1, 2, 5]] = True
    singles, pairs = flip_log_ratios(tensors, selection)
    assert singles[2] == np.inf  # dropping asset 2 leaves the zero
    assert not np.isfinite(singles[[0, 1, 3]]).any()


def test_the_sweep_also_gives_the_amplitude_of_the_selection_itself():
    rng = np.random.default_rng(5)
    tensors = [10.0 * t for t in random_mps(60, 3, rng)]  # large amplitudes: the sweep rescales
    selection = rng.random(60) < 0.3
    singles, pairs, log_amplitude = flip_log_ratios_at(tensors, selection)
    assert log_amplitude == pytest.approx(log_abs_amplitudes(tensors, selection[None, :])[0], abs=1e-9)
    np.testing.assert_array_equal(singles, flip_log_ratios(tensors, selection)[0])
