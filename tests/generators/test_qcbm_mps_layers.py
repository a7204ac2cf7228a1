"""Ran's layered MPS-to-circuit map: the fidelity per layer is the circuit's, and it only grows."""

from __future__ import annotations

import numpy as np
import pytest

from geo.generators.mps import MPSGenerator
from geo.generators.qcbm import QCBMGenerator, build_ansatz
from geo.generators.qcbm.mps_layers import layered_staircase_parameters
from geo.generators.qcbm.mps_start import all_bitstrings


def random_mps(n: int, bond: int, rng: np.random.Generator) -> MPSGenerator:
    dims = [1] + [min(bond, 2 ** min(j + 1, n - j - 1)) for j in range(n - 1)] + [1]
    return MPSGenerator.from_tensors([rng.normal(size=(dims[j], 2, dims[j + 1])) for j in range(n)])


def amplitudes(tensors: list[np.ndarray]) -> np.ndarray:
    """The normalised state vector of a small MPS (qubit 0 the high bit)."""
    psi = np.ones((1, 1))
    for t in tensors:
        psi = np.einsum("xa,asb->xsb", psi, t).reshape(-1, t.shape[2])
    psi = psi[:, 0]
    return psi / np.linalg.norm(psi)


def circuit_state(n: int, layers: int, params: np.ndarray) -> np.ndarray:
    import cirq

    ansatz = build_ansatz(n, 0, ansatz="staircase", staircases=layers)
    assert ansatz.n_prefix == ansatz.n_params == len(params)
    return cirq.final_state_vector(ansatz.resolved(params), qubit_order=ansatz.qubits, dtype=np.complex128)


@pytest.mark.parametrize("n, bond, seed", [(6, 4, 5), (7, 4, 1), (8, 4, 2)])
def test_fidelity_never_decreases_and_three_layers_beat_one(n, bond, seed):
    mps = random_mps(n, bond, np.random.default_rng(seed))
    psi = amplitudes(mps.tensors_)
    fidelities = []
    for layers in (1, 2, 3):
        params, per_layer = layered_staircase_parameters(mps.tensors_, layers)
        assert len(per_layer) == layers and per_layer[:-1] == fidelities  # a layer never changes the ones before
        # the reported fidelity is the circuit's own |<psi_MPS|psi_circuit>|^2
        assert abs(abs(np.vdot(psi, circuit_state(n, layers, params))) ** 2 - per_layer[-1]) < 1e-9
        fidelities = per_layer
    assert all(b >= a for a, b in zip(fidelities, fidelities[1:]))
    assert fidelities[0] < 0.99 and fidelities[2] - fidelities[0] > 0.01  # clearly higher, not rounding


@pytest.mark.parametrize("n, seed", [(5, 2), (7, 4)])
def test_bond_two_is_exact_at_one_layer_and_later_layers_stay_at_the_identity(n, seed):
    mps = random_mps(n, 2, np.random.default_rng(seed))
    params, fidelities = layered_staircase_parameters(mps.tensors_, 3)
    assert np.allclose(fidelities, 1.0, atol=1e-12)
    block = len(params) // 3
    assert not params[: 2 * block].any()  # in time order U3, U2 come first: both the identity
    probs = np.abs(circuit_state(n, 3, params)) ** 2
    np.testing.assert_allclose(probs, np.exp(mps.log_prob(all_bitstrings(n))), atol=1e-12)


def test_bad_layer_counts_are_refused():
    mps = random_mps(4, 2, np.random.default_rng(0))
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="layers must be an integer"):
            layered_staircase_parameters(mps.tensors_, bad)


def test_layered_qcbm_starts_closer_to_a_bond_four_mps():
    """In the generator: a bond-4 MPS start, 1 layer against 3; the fidelities are reported and
    3 layers start at a lower loss (the circuit is nearer the MPS that fits the data)."""
    rng = np.random.default_rng(3)
    x = np.zeros((60, 8), dtype=bool)
    for row in x:
        row[rng.choice(8, 3, replace=False)] = True
    w = rng.random(60)
    w /= w.sum()
    reports = {}
    for layers in (1, 3):
        g = QCBMGenerator(n_layers=0, max_iterations=0, mps_bond=4, init_layers=layers)
        reports[layers] = g.fit(x, w, np.random.default_rng(0)).iteration_report()
        assert len(reports[layers]["mps_layer_fidelities"]) == layers
        assert g.circuit_record()["mps_layer_fidelities"] == reports[layers]["mps_layer_fidelities"]
    assert reports[3]["mps_layer_fidelities"][0] == reports[1]["mps_layer_fidelities"][0]
    assert reports[3]["mps_truncation_fidelity"] >= reports[1]["mps_truncation_fidelity"]
    assert reports[3]["initial_loss"] <= reports[1]["initial_loss"] + 1e-9
