"""Where the MPS-initialised QCBM starts: an MPS Born machine trained on the circuit's target,
mapped onto the staircase blocks ("wheels and wings"; Rudolph et al., Nat. Commun. 14, 8367, 2023).

Bond 2 (the default, as GEO's own MPS) maps exactly onto one staircase
(:mod:`.mps_circuit`): the circuit then starts at the MPS's loss. A larger bond maps
approximately, by Ran's layers (:mod:`.mps_layers`), one staircase block per layer; the fidelity
|<psi_MPS|psi_circuit>|^2 after each layer is reported, and the circuit's start loss differs from
the MPS's by what the layers miss. Layers beyond what the state needs stay at the identity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geo.generators.qcbm.simulation import exact_probabilities, indices_of


class MPSStart:
    """The MPS (refitted, warm, on every GEO iteration) and its image on the circuit."""

    def __init__(self, bond: int, layers: int) -> None:
        from geo.generators.mps import MPSGenerator

        self.bond = int(bond)
        self.layers = int(layers)
        self.mps = MPSGenerator(max_bond=self.bond, floor_weight=0.0)  # the circuit images the MPS alone

    def image(self, sub: np.ndarray, w: np.ndarray, rng: np.random.Generator, ansatz,
              objective) -> tuple[np.ndarray, dict[str, Any]]:
        """Fit the MPS on (sub, w); the circuit parameters of its image (the added layers at the
        identity), and the MPS's loss, the image's loss and the fidelity per layer."""
        from geo.generators.qcbm.mps_layers import layered_staircase_parameters

        self.mps.fit(sub, w, rng)
        mapped = np.zeros(ansatz.n_params)
        mapped[: ansatz.n_prefix], fidelities = layered_staircase_parameters(self.mps.tensors_, self.layers)
        n = sub.shape[1]
        if objective.loss == "mmd":
            mps_probs = np.exp(self.mps.log_prob(all_bitstrings(n)))
        else:  # the KL loss reads the target's states only: the MPS's probabilities there suffice
            mps_probs = np.zeros(2 ** n)
            mps_probs[indices_of(sub)] = np.exp(self.mps.log_prob(sub))
        # both losses in double precision (qsim is float32: ~1e-7)
        mps_loss = float(objective.value_of(mps_probs))
        mapped_loss = float(objective.value_of(exact_probabilities(ansatz.resolved(mapped), ansatz.qubits)))
        return mapped, {"mps_loss": mps_loss, "mapped_loss": mapped_loss, "mps_bond": self.bond,
                        "mps_truncation_fidelity": fidelities[-1], "mps_layer_fidelities": fidelities}


def all_bitstrings(n: int) -> np.ndarray:
    return ((np.arange(2 ** n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(bool)
