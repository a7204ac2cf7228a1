"""The MPS-to-circuit map: exact at bond 2, approximate (with its fidelity) above."""

from __future__ import annotations

import numpy as np
import pytest

from geo.generators.mps import MPSGenerator
from geo.generators.qcbm import QCBMGenerator, build_ansatz, exact_probabilities
from geo.generators.qcbm.mps_circuit import staircase_parameters


def all_bitstrings(n: int) -> np.ndarray:
    return ((np.arange(2 ** n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(bool)


def random_mps(n: int, bond: int, rng: np.random.Generator) -> MPSGenerator:
    dims = [1] + [min(bond, 2 ** min(j + 1, n - j - 1)) for j in range(n - 1)] + [1]
    return MPSGenerator.from_tensors([rng.normal(size=(dims[j], 2, dims[j + 1])) for j in range(n)])


def circuit_distribution(mps: MPSGenerator, n_layers: int = 1) -> tuple[np.ndarray, float]:
    n = mps.n_sites_
    ansatz = build_ansatz(n, n_layers, ansatz="staircase")
    params = np.zeros(ansatz.n_params)  # the added layers at the identity
    params[: ansatz.n_prefix], fidelity = staircase_parameters(mps.tensors_)
    return exact_probabilities(ansatz.resolved(params), ansatz.qubits), fidelity


@pytest.mark.parametrize("n, bond, seed", [(1, 1, 0), (2, 2, 1), (5, 1, 2), (6, 2, 3), (7, 2, 4)])
def test_bond_two_mps_maps_exactly_onto_the_staircase(n, bond, seed):
    mps = random_mps(n, bond, np.random.default_rng(seed))
    probs, fidelity = circuit_distribution(mps)
    np.testing.assert_allclose(probs, np.exp(mps.log_prob(all_bitstrings(n))), atol=1e-12)
    assert fidelity == 1.0


def test_larger_bond_is_truncated_with_its_fidelity_reported():
    mps = random_mps(6, 4, np.random.default_rng(5))
    probs, fidelity = circuit_distribution(mps)
    exact = np.exp(mps.log_prob(all_bitstrings(6)))
    assert 0.5 < fidelity < 1.0
    assert np.abs(probs - exact).max() > 1e-6  # approximate, and the map says so


def test_mps_initialised_circuit_starts_at_the_mps_loss():
    """Noiseless: the circuit's loss before training equals the MPS's to 1e-8 (double precision)."""
    rng = np.random.default_rng(6)
    x = np.zeros((30, 6), dtype=bool)
    for row in x:
        row[rng.choice(6, 2, replace=False)] = True
    w = rng.random(30)
    w /= w.sum()
    g = QCBMGenerator(n_layers=1, max_iterations=1).fit(x, w, np.random.default_rng(0))
    report = g.iteration_report()
    assert report["init"] == "mps" and report["qubits"] == 6
    assert abs(report["initial_loss"] - report["mps_loss"]) < 1e-8
    assert report["final_loss"] <= report["initial_loss"] + 1e-6  # qsim float32
    assert report["two_qubit_gates"] == 3 * 5 + 5 and report["depth"] > 0
    random_start = QCBMGenerator(n_layers=1, init="random", max_iterations=0).fit(x, w, np.random.default_rng(0))
    assert random_start.iteration_report()["initial_loss"] > report["initial_loss"]
