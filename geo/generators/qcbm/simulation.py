"""State-vector simulation of QCBM circuits with qsim, and the probability helpers around it.

Threads: ``threads=1`` by default. On the 2-core machine this was written on, sharing the cores
with other jobs, qsim with 2 OpenMP threads was 2-10x *slower* than with 1 (spinning threads
contend); pass ``threads=2`` (``--qsim-threads``) on an idle machine. Per circuit, the Python
side (resolving the ParamResolver, translating to qsim) costs ~2-10 ms: it dominates below ~16
qubits. qsim computes in float32; :func:`exact_probabilities` (cirq, complex128) is the
reference where 1e-8 matters.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from geo.generators.qcbm.ansatz import Ansatz


def make_simulator(threads: int = 1, max_fused_gate_size: int = 3):
    import qsimcirq

    return qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=int(threads),
                                                       max_fused_gate_size=int(max_fused_gate_size)))


def probabilities_of(state: np.ndarray, normalise: bool = True) -> np.ndarray:
    """float64 Born probabilities of (part of) a float32 state vector, renormalised by default."""
    state = np.asarray(state)
    probs = state.real.astype(np.float64) ** 2 + state.imag.astype(np.float64) ** 2
    return probs / probs.sum() if normalise else probs


def circuit_probabilities(ansatz: Ansatz, params: np.ndarray, simulator) -> np.ndarray:
    """Exact probabilities of all 2^N basis states (big-endian: qubit 0 most significant)."""
    result = simulator.simulate(ansatz.circuit, ansatz.resolver(params), qubit_order=ansatz.qubits)
    return probabilities_of(result.final_state_vector)


def indices_of(bitstrings: np.ndarray) -> np.ndarray:
    """Basis-state index of each bitstring (column 0 most significant)."""
    bitstrings = np.asarray(bitstrings, dtype=bool)
    n = bitstrings.shape[1]
    powers = (1 << np.arange(n - 1, -1, -1, dtype=np.int64))
    return bitstrings.astype(np.int64) @ powers


def popcounts(n_qubits: int) -> np.ndarray:
    return np.bitwise_count(np.arange(2 ** n_qubits, dtype=np.uint32)).astype(np.int64)


def apply_kernel(vector: np.ndarray, n_qubits: int, sigmas: Sequence[float]) -> np.ndarray:
    """K v for the Gaussian kernel on bit vectors (a mixture of tensor products of 2x2 blocks)."""
    out = np.zeros_like(vector)
    for sigma in sigmas:
        e = math.exp(-1.0 / (2.0 * sigma * sigma))
        t = vector.reshape((2,) * n_qubits) if n_qubits else vector
        for axis in range(n_qubits):
            a = np.take(t, 0, axis=axis)
            b = np.take(t, 1, axis=axis)
            t = np.stack([a + e * b, e * a + b], axis=axis)
        out += np.reshape(t, -1)
    return out / len(sigmas)




def exact_probabilities(circuit, qubits) -> np.ndarray:
    """Born probabilities of a resolved circuit in double precision (cirq's simulator)."""
    import cirq

    state = cirq.final_state_vector(circuit, qubit_order=qubits, dtype=np.complex128)
    return probabilities_of(state)
