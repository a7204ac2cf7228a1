"""The circuit record rebuilds the trained circuit exactly; a malformed record is a GeoError."""

from __future__ import annotations

import numpy as np
import pytest

import cirq

from geo.core.errors import GeoError
from geo.generators.qcbm import build_ansatz, exact_probabilities
from geo.generators.qcbm.record import circuit_from_record, circuit_summary, gate_list


@pytest.mark.parametrize("ansatz, occupied", [("staircase", ()), ("hardware-efficient", ()),
                                               ("hamming-weight", (0, 2))])
def test_record_rebuilds_the_same_circuit(ansatz, occupied):
    a = build_ansatz(4, 2, "linear", ansatz, occupied)
    params = np.random.default_rng(0).uniform(-np.pi, np.pi, a.n_params)
    record = {"qubits": 4, "gates": gate_list(a, params)}
    rebuilt = circuit_from_record(record, measure=False)
    np.testing.assert_allclose(exact_probabilities(rebuilt, cirq.LineQubit.range(4)),
                               exact_probabilities(a.resolved(params), a.qubits), atol=1e-12)
    assert circuit_summary(rebuilt) == circuit_summary(a.circuit)


def test_staircase_counts():
    summary = circuit_summary(build_ansatz(5, 0, ansatz="staircase").circuit)
    assert summary["two_qubit_gates"] == 3 * 4  # Rxx, Ryy, Rzz per neighbouring pair


def test_malformed_record_is_a_clear_error():
    for bad in ({"gates": []}, {"qubits": 2, "gates": [["cnot", [0, 1], 0.1]]},
                {"qubits": 2, "gates": [["rz", [5], 0.1]]}):
        with pytest.raises(GeoError, match="malformed"):
            circuit_from_record(bad)
