"""Hardware noise for the QCBM's samples: a trapped-ion device model, simulated two ways.

Model (``--noise trapped-ion``, the documented defaults): all-to-all connectivity (no SWAPs
are ever inserted), a depolarising channel after every gate, with
  p2 = 0.002 after each two-qubit gate (two-qubit depolarising: one of the 15 non-identity Pauli
       pairs with probability p2, i.e. 99.8% fidelity),
  p1 = 0.0002 after each one-qubit gate (one of X, Y, Z with probability p1),
  readout = 0.005: each measured bit flips independently with this probability.
These are the orders of magnitude quoted for current trapped-ion machines (two-qubit gate
fidelity ~99.8%, one-qubit ~99.98%, SPAM ~0.5%). ``depolarizing:p1=..,p2=..,readout=..`` sets
them (an omitted one is 0). A Rxx, Ryy or Rzz rotation counts as one native two-qubit gate (an
Molmer-Sorensen-type interaction); a KAK block is three of them.

Simulation (``noisy_probabilities``), both exact in expectation:
* ``density`` (default up to ``DENSITY_MAX_QUBITS`` qubits): cirq's DensityMatrixSimulator
  (complex128) on the circuit with ``cirq.depolarize`` channels: the exact noisy distribution.
* ``trajectories`` (above): the Pauli-twirl unravelling. Each trajectory draws, from the numpy
  rng, which Pauli error (if any) follows each gate, and qsim simulates that pure circuit; the
  average of the trajectories' Born probabilities converges to the density-matrix result. The
  rng is numpy's, so a run is reproducible from its seed (qsim's own noisy sampler would not be).
Readout error is then applied exactly to the probability vector (a tensor product of 2x2
bit-flip matrices). With every parameter 0 both routes return the noiseless distribution.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from geo.core.errors import GeoError

DENSITY_MAX_QUBITS = 8
DEFAULT_TRAJECTORIES = 100
_PAULIS = ("I", "X", "Y", "Z")


@dataclass(frozen=True)
class NoiseModel:
    name: str
    p1: float = 0.0
    p2: float = 0.0
    readout: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def is_zero(self) -> bool:
        return self.p1 == 0 and self.p2 == 0 and self.readout == 0


NOISE_MODELS = {"trapped-ion": NoiseModel("trapped-ion", p1=0.0002, p2=0.002, readout=0.005)}
NOISE_HELP = ("none, trapped-ion (p1=0.0002, p2=0.002, readout=0.005, all-to-all), or "
              "depolarizing:p1=X,p2=X,readout=X")


def parse_noise(spec: str | None) -> NoiseModel | None:
    """``None``/"none" -> None; a named model; or ``depolarizing:p1=..,p2=..,readout=..``."""
    if spec is None or spec == "none":
        return None
    if spec in NOISE_MODELS:
        return NOISE_MODELS[spec]
    match = re.fullmatch(r"depolari[sz]ing:(.*)", spec)
    if not match:
        raise GeoError(f"unknown noise model {spec!r}", f"use {NOISE_HELP}")
    values = {}
    for part in filter(None, match.group(1).split(",")):
        key, _, text = part.partition("=")
        key = key.strip()
        if key not in ("p1", "p2", "readout") or key in values:
            raise GeoError(f"bad noise parameter {part!r} in {spec!r}", "use p1=, p2= and readout=, each once")
        try:
            value = float(text)
        except ValueError:
            raise GeoError(f"noise parameter {key} must be a number (got {text!r})", "e.g. p2=0.002") from None
        if not 0.0 <= value <= 0.5:
            raise GeoError(f"noise parameter {key}={value} is outside [0, 0.5]", "give a probability, e.g. 0.002")
        values[key] = value
    return NoiseModel("depolarizing", **values)


def apply_readout(probs: np.ndarray, n_qubits: int, flip: float) -> np.ndarray:
    """The distribution after each bit flips independently with probability ``flip``."""
    if flip == 0:
        return probs
    t = np.asarray(probs, dtype=float).reshape((2,) * n_qubits)
    for axis in range(n_qubits):
        a, b = np.take(t, 0, axis=axis), np.take(t, 1, axis=axis)
        t = np.stack([(1 - flip) * a + flip * b, flip * a + (1 - flip) * b], axis=axis)
    return t.reshape(-1)


def _gate_error(op, noise: NoiseModel) -> float:
    return noise.p2 if len(op.qubits) == 2 else noise.p1


def noisy_circuit(circuit, noise: NoiseModel):
    """The circuit with a depolarising channel after every gate (for the density-matrix route)."""
    import cirq

    ops = []
    for op in circuit.all_operations():
        ops.append(op)
        p = _gate_error(op, noise)
        if p > 0 and not isinstance(op.gate, cirq.IdentityGate):
            ops.append(cirq.depolarize(p, n_qubits=len(op.qubits)).on(*op.qubits))
    return cirq.Circuit(ops)


def _trajectory(circuit, noise: NoiseModel, rng: np.random.Generator):
    """One pure circuit of the unravelling: each gate followed by a Pauli error drawn from rng."""
    import cirq

    ops = []
    gates = {"X": cirq.X, "Y": cirq.Y, "Z": cirq.Z}
    for op in circuit.all_operations():
        ops.append(op)
        p = _gate_error(op, noise)
        if p == 0 or isinstance(op.gate, cirq.IdentityGate) or rng.random() >= p:
            continue
        n = len(op.qubits)
        choice = int(rng.integers(1, 4 ** n))  # uniformly one of the 4^n - 1 non-identity Paulis
        for q, letter in zip(op.qubits, np.base_repr(choice, 4).rjust(n, "0")):
            if letter != "0":
                ops.append(gates[_PAULIS[int(letter)]].on(q))
    return cirq.Circuit(ops)


def noisy_probabilities(circuit, qubits, noise: NoiseModel | None, rng: np.random.Generator,
                        method: str = "auto", trajectories: int = DEFAULT_TRAJECTORIES,
                        simulator=None) -> tuple[np.ndarray, str]:
    """The distribution of measurement outcomes of a resolved ``circuit`` under ``noise``, and the
    route used ("noiseless", "density" or "trajectories")."""
    import cirq

    from geo.generators.qcbm.simulation import exact_probabilities, make_simulator, probabilities_of

    n = len(qubits)
    if noise is None:
        return exact_probabilities(circuit, qubits), "noiseless"
    if method == "auto":
        method = "density" if n <= DENSITY_MAX_QUBITS else "trajectories"
    if method == "density":
        result = cirq.DensityMatrixSimulator(dtype=np.complex128).simulate(noisy_circuit(circuit, noise),
                                                                            qubit_order=qubits)
        probs = np.clip(np.real(np.diagonal(result.final_density_matrix)), 0.0, None)
        probs = probs / probs.sum()
    elif method == "trajectories":
        simulator = simulator or make_simulator()
        probs = np.zeros(2 ** n)
        for _ in range(int(trajectories)):
            state = simulator.simulate(_trajectory(circuit, noise, rng), qubit_order=qubits).final_state_vector
            probs += probabilities_of(state)
        probs /= int(trajectories)
    else:
        raise GeoError(f"unknown noise simulation {method!r}", "use auto, density or trajectories")
    return apply_readout(probs, n, noise.readout), method
