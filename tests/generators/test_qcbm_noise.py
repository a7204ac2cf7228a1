"""Trapped-ion noise: zero noise is noiseless, both simulation routes agree, bad specs are errors."""

from __future__ import annotations

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.generators.qcbm import QCBMGenerator, build_ansatz, exact_probabilities
from geo.generators.qcbm.noise import NOISE_MODELS, NoiseModel, apply_readout, noisy_probabilities, parse_noise


def circuit(n: int = 4, seed: int = 0):
    ansatz = build_ansatz(n, 1, ansatz="staircase")
    params = np.random.default_rng(seed).uniform(-np.pi, np.pi, ansatz.n_params)
    return ansatz.resolved(params), ansatz.qubits


@pytest.mark.parametrize("method", ["density", "trajectories"])
def test_zero_noise_equals_the_noiseless_simulation(method):
    resolved, qubits = circuit()
    probs, route = noisy_probabilities(resolved, qubits, NoiseModel("zero"), np.random.default_rng(0), method,
                                       trajectories=3)
    assert route == method
    np.testing.assert_allclose(probs, exact_probabilities(resolved, qubits), atol=1e-6)  # qsim: float32


def test_trajectories_converge_to_the_density_matrix():
    resolved, qubits = circuit(3, seed=1)
    strong = NoiseModel("strong", p1=0.02, p2=0.1, readout=0.05)
    density, _ = noisy_probabilities(resolved, qubits, strong, np.random.default_rng(0), "density")
    averaged, _ = noisy_probabilities(resolved, qubits, strong, np.random.default_rng(0), "trajectories",
                                      trajectories=400)
    noiseless = exact_probabilities(resolved, qubits)
    assert 0.5 * np.abs(density - noiseless).sum() > 0.1  # the noise is visible (0.25)...
    assert 0.5 * np.abs(averaged - density).sum() < 0.04  # ...both routes see the same noise (~0.015)


def test_readout_error_flips_each_bit_independently():
    probs = np.zeros(4)
    probs[0] = 1.0  # |00>
    np.testing.assert_allclose(apply_readout(probs, 2, 0.1), [0.81, 0.09, 0.09, 0.01])


def test_noise_specs_parse_and_bad_ones_are_one_line_errors():
    assert parse_noise("none") is None and parse_noise(None) is None
    assert parse_noise("trapped-ion") == NOISE_MODELS["trapped-ion"]
    assert NOISE_MODELS["trapped-ion"].p2 == 0.002 and NOISE_MODELS["trapped-ion"].readout == 0.005
    model = parse_noise("depolarizing:p1=0.001,p2=0.01")
    assert (model.p1, model.p2, model.readout) == (0.001, 0.01, 0.0)
    for bad in ("superconducting", "depolarizing:p3=0.1", "depolarizing:p1=x", "depolarizing:p2=0.9",
                "depolarizing:p1=0.1,p1=0.2"):
        with pytest.raises(GeoError) as info:
            parse_noise(bad)
        assert "\n" not in info.value.one_line()


def test_noisy_generator_samples_from_the_noisy_distribution():
    rng = np.random.default_rng(2)
    x = np.zeros((20, 6), dtype=bool)
    for row in x:
        row[rng.choice(6, 2, replace=False)] = True
    w = np.full(20, 1 / 20)
    clean = QCBMGenerator(max_iterations=1, anti_stall=False).fit(x, w, np.random.default_rng(0))
    noisy = QCBMGenerator(max_iterations=1, anti_stall=False, noise="trapped-ion").fit(x, w, np.random.default_rng(0))
    np.testing.assert_allclose(noisy.probabilities(), clean.probabilities())  # trained the same way
    assert noisy.iteration_report()["noise_route"] == "density"
    assert 0 < noisy.iteration_report()["total_variation_to_noiseless"] < 0.2
