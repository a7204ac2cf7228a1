"""The MPS Born machine as a QCBM circuit ("wheels and wings": the circuit starts as the MPS).

A real MPS in right-canonical form, B[j] of shape (D_left, 2, D_right) with
sum_{s,r} B[l,s,r] B[l',s,r] = delta_{l l'}, is a sequence of isometries
V_j |l> = sum_{s,r} B[l,s,r] |s>|r> from the bond into (physical site) x (next bond). With bond
dimension <= 2 the bond is one qubit, and the state is prepared by a staircase (Ran, "Encoding of
matrix product states into quantum circuits of one- and two-qubit gates", PRA 101, 032310, 2020):
qubit j carries the bond into site j; the two-qubit gate U_j on (j, j+1) maps |l>|0> to V_j |l>
(qubit j keeps the physical bit s_j, qubit j+1 the bond r); a one-qubit gate on the last qubit
maps the last bond to its bit. The unused columns of each U_j (inputs with qubit j+1 in |1>, or
bond values the MPS does not reach) are any orthonormal completion. The Born probabilities of
the circuit are then exactly psi(x)^2 / Z of the MPS.

Each U_j is written in the parametrised form of the ``"staircase"`` ansatz
(:mod:`geo.generators.qcbm.ansatz`) by the KAK decomposition (``cirq.kak_decomposition``):
U = (A0 x A1) exp(i (x XX + y YY + z ZZ)) (B0 x B1) up to a global phase, with
exp(i x XX) = Rxx(-2x) (Rxx(t) = exp(-i t XX / 2)) and each one-qubit factor as Z-Y-Z angles
(``cirq.deconstruct_single_qubit_matrix_into_angles``); A1 is merged into the next step's B0.

A larger bond is first truncated to 2 by SVD (one layer of Ran's method): then the map is
approximate, and :func:`staircase_parameters` returns the truncation's fidelity |<psi|psi_2>|^2
beside the angles. Ran's further layers, which bring the circuit closer to the MPS, are in
:mod:`geo.generators.qcbm.mps_layers`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from geo.generators.mps import right_canonical
from geo.generators.mps_sampling import check_tensors

MAX_EXACT_BOND = 2


def _complete(columns: np.ndarray, size: int, slots: Sequence[int]) -> np.ndarray:
    """A real orthogonal matrix of ``size`` with ``columns`` (orthonormal) at ``slots``."""
    from scipy.linalg import null_space

    u = np.zeros((size, size))
    for slot, column in zip(slots, columns.T):
        u[:, slot] = column
    rest = null_space(columns.T) if columns.shape[1] else np.eye(size)
    free = [i for i in range(size) if i not in set(slots)]
    u[:, free] = rest[:, : len(free)]
    return u


def truncate_bonds(tensors: Sequence[np.ndarray], max_bond: int = MAX_EXACT_BOND) -> tuple[list[np.ndarray], float]:
    """The MPS with bonds cut to ``max_bond`` by SVD, right-canonical; and the fidelity kept."""
    from geo.generators.mps_sampling import log_norm

    original = right_canonical(tensors)
    if max(t.shape[2] for t in original) <= max_bond:
        return original, 1.0
    out = [t.copy() for t in original]
    # left-canonical first, then cut every bond from the right (each cut is then optimal locally)
    for j in range(len(out) - 1):
        dl, _, dr = out[j].shape
        q, r = np.linalg.qr(out[j].reshape(dl * 2, dr))
        out[j] = q.reshape(dl, 2, q.shape[1])
        out[j + 1] = np.tensordot(r, out[j + 1], axes=(1, 0))
    for j in range(len(out) - 1, 0, -1):
        dl, _, dr = out[j].shape
        u, s, vh = np.linalg.svd(out[j].reshape(dl, 2 * dr), full_matrices=False)
        keep = min(max_bond, int(np.sum(s > 1e-14 * s[0])) or 1)
        out[j] = vh[:keep].reshape(keep, 2, dr)
        out[j - 1] = np.tensordot(out[j - 1], u[:, :keep] * s[:keep], axes=(2, 0))
    out = right_canonical(out)
    overlap = _overlap(original, out)
    return out, float(overlap ** 2 / np.exp(log_norm(original) + log_norm(out)))


def _overlap(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    env = np.ones((1, 1))
    for x, y in zip(a, b):
        env = np.einsum("ab,asc,bsd->cd", env, x, y)
    return float(env[0, 0])


def staircase_unitaries(tensors: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The two-qubit gates U_j (4 x 4, qubit j the high bit) and the last one-qubit gate (2 x 2)
    of a bond-<=2 MPS (any normalisation)."""
    b = right_canonical(tensors)
    if max(t.shape[2] for t in b) > MAX_EXACT_BOND:
        raise ValueError(f"the exact map needs bonds <= {MAX_EXACT_BOND}; truncate_bonds first")
    gates = []
    for j in range(len(b) - 1):
        dl, _, dr = b[j].shape
        padded = np.zeros((dl, 2, 2))
        padded[:, :, :dr] = b[j]
        columns = padded.reshape(dl, 4).T  # column l: the vector sum B[l,s,r] |s r>, index 2s + r
        gates.append(_complete(columns, 4, [2 * l for l in range(dl)]))  # input |l>|0> = index 2l
    last = b[-1][:, :, 0].T  # (2, Dl): column l is sum_s B[l,s,0] |s>
    return gates, _complete(last, 2, list(range(last.shape[1])))


def _zyz(matrix: np.ndarray) -> list[float]:
    import cirq

    return list(cirq.deconstruct_single_qubit_matrix_into_angles(matrix))


def staircase_angles(gates: Sequence[np.ndarray], last: np.ndarray) -> np.ndarray:
    """Angles of one ``"staircase"`` block that applies ``gates`` (U_0 .. U_{n-2}) then ``last``
    (up to a global phase)."""
    import cirq

    params: list[float] = []
    carried = np.eye(2)  # the one-qubit factor left on qubit j by the previous step
    for u in gates:
        kak = cirq.kak_decomposition(u)
        (b0, b1), (a0, a1) = kak.single_qubit_operations_before, kak.single_qubit_operations_after
        x, y, z = kak.interaction_coefficients
        params += _zyz(b0 @ carried) + _zyz(b1) + [-2 * x, -2 * y, -2 * z] + _zyz(a0)
        carried = a1
    params += _zyz(last @ carried)
    return np.array(params, dtype=float)


def staircase_parameters(tensors: Sequence[np.ndarray]) -> tuple[np.ndarray, float]:
    """Angles of the ``"staircase"`` ansatz that prepare the MPS's state; and the fidelity of the
    bond-2 truncation (1.0: exact). More layers: :mod:`geo.generators.qcbm.mps_layers`."""
    tensors, fidelity = truncate_bonds(check_tensors(tensors))
    return staircase_angles(*staircase_unitaries(tensors)), fidelity
