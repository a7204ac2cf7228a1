"""Several staircase layers for an MPS of any bond: the layered decomposition of Ran (PRA 101,
032310, 2020).

Layer 1 is the staircase U1 of the bond-2 truncation of |psi> (:mod:`.mps_circuit`). The rest of
the state that U1 misses is moved back towards |0...0> by applying U1^dagger to the MPS itself,
gate by gate with an SVD after each two-qubit gate (no truncation: the residual stays exact);
the bond-2 truncation of that residual gives U2, and so on:

    |phi_0> = |psi>,   |phi_l> = U_l^dagger |phi_{l-1}>,   U_l = staircase(truncate_2(|phi_{l-1}>)),
    |psi> ~ U1 U2 ... UL |0...0>,   fidelity after L layers = |<0...0|phi_L>|^2.

In time order the circuit therefore applies UL first and U1 last. Each layer is kept only if it
raises the fidelity: the bond-2 truncation by SVD sweeps is close to, but not always, the best
bond-2 state, and |0...0> (the identity layer, all angles 0) is itself a bond-1 state. So the
fidelity never decreases as layers are added; a layer that would lower it stays at the identity
(free to train). Applying a bond-2 staircase at most doubles the residual's bonds, so L layers
on a bond-D MPS of n sites hold bonds <= min(D 2^L, 2^(n/2)): small at the QCBM's <= 24 qubits.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from geo.generators.mps_sampling import check_tensors, log_norm
from geo.generators.qcbm.mps_circuit import staircase_angles, staircase_unitaries, truncate_bonds
from geo.generators.qcbm.ansatz import staircase_size

# singular values below this share of the largest are exact zeros of the residual up to rounding
ZERO_SINGULAR_VALUE = 1e-13
# a layer must raise the fidelity by more than rounding to replace the identity
MIN_GAIN = 1e-12


def apply_two_site_gate(tensors: list[np.ndarray], j: int, gate: np.ndarray) -> None:
    """``gate`` (4 x 4, site j the high bit) on sites (j, j+1), in place; the bond between them is
    re-split by an exact SVD."""
    a, b = tensors[j], tensors[j + 1]
    theta = np.einsum("asb,btc->astc", a, b)
    theta = np.einsum("uvst,astc->auvc", gate.reshape(2, 2, 2, 2), theta)
    dl, dr = a.shape[0], b.shape[2]
    u, s, vh = np.linalg.svd(theta.reshape(dl * 2, 2 * dr), full_matrices=False)
    keep = max(1, int(np.sum(s > ZERO_SINGULAR_VALUE * s[0]))) if s[0] > 0 else 1
    tensors[j] = u[:, :keep].reshape(dl, 2, keep)
    tensors[j + 1] = (s[:keep, None] * vh[:keep]).reshape(keep, 2, dr)


def apply_staircase_inverse(tensors: list[np.ndarray], gates: Sequence[np.ndarray], last: np.ndarray) -> None:
    """U^dagger of the staircase (gates U_0 .. U_{n-2}, then ``last`` on the last site), in place:
    the gates in reverse order, each transposed (they are real orthogonal)."""
    n = len(tensors)
    tensors[n - 1] = np.einsum("us,asb->aub", last.T, tensors[n - 1])
    for j in range(n - 2, -1, -1):
        apply_two_site_gate(tensors, j, gates[j].T)


def zeros_fidelity(tensors: Sequence[np.ndarray]) -> float:
    """|<0...0|phi>|^2 / <phi|phi>."""
    env = np.ones(1)
    for t in tensors:
        env = env @ t[:, 0, :]
    return float(env[0] ** 2 / np.exp(log_norm(tensors)))


def layered_staircases(tensors: Sequence[np.ndarray], layers: int) -> tuple[list, list[float]]:
    """Ran's layers U1..UL as (gates, last) pairs (None: the identity), and the fidelity
    |<psi|U1 .. Ul|0>|^2 after each layer l = 1..L."""
    if int(layers) != layers or layers < 1:
        raise ValueError(f"layers must be an integer >= 1 (got {layers})")
    residual = check_tensors(tensors)
    fidelity = zeros_fidelity(residual)
    staircases, fidelities = [], []
    for _ in range(int(layers)):
        truncated, truncation_fidelity = truncate_bonds(residual)
        if truncation_fidelity > fidelity + MIN_GAIN:
            gates, last = staircase_unitaries(truncated)
            apply_staircase_inverse(residual, gates, last)
            staircases.append((gates, last))
            # the residual's overlap with |0...0>, measured, not assumed equal to the truncation's
            fidelity = zeros_fidelity(residual)
        else:
            staircases.append(None)
        fidelities.append(min(1.0, fidelity))
    return staircases, fidelities


def layered_staircase_parameters(tensors: Sequence[np.ndarray], layers: int) -> tuple[np.ndarray, list[float]]:
    """Angles of ``layers`` staircase blocks (the ``"staircase"`` ansatz with ``staircases=layers``)
    that prepare U1 .. UL |0...0> ~ |psi>; and the fidelity after each layer. Block b of the
    circuit (time order) is U_{L-b}; an identity layer has all angles 0."""
    tensors = check_tensors(tensors)
    staircases, fidelities = layered_staircases(tensors, layers)
    blocks = [np.zeros(staircase_size(len(tensors))) if s is None else staircase_angles(*s)
              for s in reversed(staircases)]
    return np.concatenate(blocks), fidelities
