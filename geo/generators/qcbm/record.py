"""The trained circuit as plain data in a results file, and back to a cirq circuit.

A record is ``{"qubits": n, "assets": [ticker per qubit], "gates": [[kind, [qubit, ...],
angle], ...], ...}`` with kinds ``x`` (no angle), ``rx``, ``ry``, ``rz``, ``rxx``, ``ryy``,
``rzz`` (exp(-i angle P / 2)) and ``givens`` (cirq.givens(angle)). Qubit j is asset
``assets[j]``; a measured 1 means the asset is held. JSON keeps float64 angles exactly
(repr round trip), so the rebuilt circuit is the trained one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from geo.core.errors import GeoError
from geo.generators.qcbm.ansatz import PAULI_KINDS, Ansatz, givens_gate, pauli_gate

MEASUREMENT_KEY = "assets"


def gate_list(ansatz: Ansatz, params: np.ndarray) -> list[list[Any]]:
    """The gates of ``ansatz`` at ``params``, in circuit order."""
    import cirq

    angle_of = dict(zip(ansatz.names, np.asarray(params, dtype=float).tolist()))
    gates: list[list[Any]] = []
    for op in ansatz.circuit.all_operations():
        qubits = [q.x for q in op.qubits]
        if isinstance(op.gate, cirq.IdentityGate):
            continue
        if op.gate == cirq.X:
            gates.append(["x", qubits, None])
            continue
        name = str(op.gate.exponent)
        kind = name.rsplit("_", 1)[0]
        gates.append([kind, qubits, angle_of[name]])
    return gates


def circuit_from_record(record: dict[str, Any], measure: bool = True):
    """The cirq circuit of a record (LineQubit j = qubit j), with a final measurement of every
    qubit under the key ``assets`` when ``measure``."""
    import cirq

    try:
        n = int(record["qubits"])
        qubits = cirq.LineQubit.range(n)
        ops = []
        for kind, where, angle in record["gates"]:
            targets = [qubits[int(q)] for q in where]
            if kind == "x":
                ops.append(cirq.X.on(*targets))
            elif kind == "givens":
                ops.append(givens_gate(2.0 * float(angle) / math.pi).on(*targets))
            elif kind in PAULI_KINDS:
                ops.append(pauli_gate(kind, float(angle) / math.pi).on(*targets))
            else:
                raise ValueError(f"unknown gate {kind!r}")
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise GeoError(f"the circuit record is malformed ({error})", "export a results file written by geo") from None
    circuit = cirq.Circuit(ops)
    idle = [q for q in qubits if q not in circuit.all_qubits()]
    if idle:
        circuit.append(cirq.I.on_each(*idle))
    if measure:
        circuit.append(cirq.measure(*qubits, key=MEASUREMENT_KEY))
    return circuit


def circuit_summary(circuit) -> dict[str, int]:
    """Depth (moments once every gate is moved as early as it can go) and gate counts."""
    import cirq

    ops = [op for op in circuit.all_operations()
           if not isinstance(op.gate, (cirq.IdentityGate, cirq.MeasurementGate))]
    packed = cirq.Circuit(ops)
    return {"depth": len(packed), "two_qubit_gates": sum(len(op.qubits) == 2 for op in ops),
            "one_qubit_gates": sum(len(op.qubits) == 1 for op in ops)}
