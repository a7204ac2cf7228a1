"""QCBM circuits: parametrised cirq circuits with one symbol per gate and its shift rule.

Qubit j <-> column j of the sub-universe, big-endian (qubit 0 is the most significant bit of a
basis-state index). Every parametrised gate is exp(-i theta G / 2)-like with an exact
parameter-shift rule (see :mod:`geo.generators.qcbm.training`).

Ansätze
-------
``"staircase"`` (the default; from |0...0>): the shape of a bond-dimension-2 MPS. Site by site,
a general two-qubit gate on (j, j+1) in KAK form: Rz Ry Rz on each qubit, then
Rxx Ryy Rzz (exp(-i t PP / 2)), then Rz Ry Rz on qubit j; the gate that follows on qubit j+1
absorbs the single-qubit part after it (so single-qubit layers are not doubled); a final
Rz Ry Rz on the last qubit. 12 (N - 1) + 3 parameters. It can hold any bond-2 MPS exactly
(:mod:`geo.generators.qcbm.mps_circuit`, Ran, PRA 101, 032310, 2020). ``staircases`` > 1 repeats
the block, so that Ran's layered decomposition of a larger bond fits
(:mod:`geo.generators.qcbm.mps_layers`); all staircase angles are the prefix. ``n_layers`` added
hardware-efficient layers [Rzz on the chain (brick), Rz, Ry on every qubit] follow; all angles 0
is the identity, so the MPS initialisation starts them there (Rudolph et al., Nat. Commun. 14,
8367, 2023: train the MPS, map it, add layers near the identity, keep training).
``"hardware-efficient"`` (from |0...0>): Ry on every qubit, then ``n_layers`` x [ZZ on every edge,
Rz on every qubit, Ry on every qubit]. Edges: the chain for ``connectivity="linear"``, every
pair for ``"all-to-all"``. Samples may have any number of ones.
``"hamming-weight"`` (from a K-hot state): ``n_layers`` x [Givens rotations on the edges (linear:
brick wall), Rz on every qubit between layers]. Both gates conserve the number of ones, so
every sample has exactly K ones; a linear layer moves a one by at most two sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from geo.core.errors import GeoError

ANSATZE = ("staircase", "hardware-efficient", "hamming-weight")
CONNECTIVITIES = ("linear", "all-to-all")

_C1 = (1 + 1 / math.sqrt(2)) / 2
_C2 = (1 - 1 / math.sqrt(2)) / 2
# (shift, coefficient) pairs: d p / d theta = sum coefficient * p(theta + shift)
PAULI_RULE: tuple[tuple[float, float], ...] = ((math.pi / 2, 0.5), (-math.pi / 2, -0.5))
GIVENS_RULE: tuple[tuple[float, float], ...] = ((math.pi / 4, _C1), (-math.pi / 4, -_C1),
                                                (3 * math.pi / 4, -_C2), (-3 * math.pi / 4, _C2))
# gate kind -> (cirq gate class name, exponent per radian); all Pauli rotations use global_shift -1/2
PAULI_KINDS = ("rx", "ry", "rz", "rxx", "ryy", "rzz")
TWO_QUBIT_KINDS = ("rxx", "ryy", "rzz", "givens")


def edges(n_qubits: int, connectivity: str, brick: bool = False) -> list[tuple[int, int]]:
    """Entangling pairs: the chain (even bonds first when ``brick``) or every pair."""
    if connectivity == "all-to-all":
        return [(i, j) for i in range(n_qubits) for j in range(i + 1, n_qubits)]
    chain = [(i, i + 1) for i in range(n_qubits - 1)]
    return chain[0::2] + chain[1::2] if brick else chain


def pauli_gate(kind: str, exponent: Any):
    """The cirq gate exp(-i (pi exponent) P / 2) of a Pauli rotation kind."""
    import cirq

    cls = {"rx": cirq.XPowGate, "ry": cirq.YPowGate, "rz": cirq.ZPowGate, "rxx": cirq.XXPowGate,
           "ryy": cirq.YYPowGate, "rzz": cirq.ZZPowGate}[kind]
    return cls(exponent=exponent, global_shift=-0.5)


def givens_gate(exponent: Any):
    import cirq

    return cirq.PhasedISwapPowGate(phase_exponent=0.25, exponent=exponent)


@dataclass
class Ansatz:
    """A parametrised circuit with one sympy symbol per gate and each symbol's shift rule."""

    circuit: Any  # cirq.Circuit
    qubits: list
    symbols: list
    rules: list[tuple[tuple[float, float], ...]]
    kinds: list[str] = field(default_factory=list)
    # angle -> gate exponent: each symbol is a bare exponent (cirq resolves bare symbols on a
    # fast path: ~25% less resolution time per circuit than sympy expressions like theta / pi)
    scales: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_prefix: int = 0  # parameters of the staircase (the MPS image); the added layers follow

    @property
    def n_params(self) -> int:
        return len(self.symbols)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.symbols]

    def resolver(self, params: np.ndarray):
        import cirq

        exponents = np.asarray(params, dtype=float) * self.scales
        return cirq.ParamResolver(dict(zip(self.names, exponents.tolist())))

    def resolved(self, params: np.ndarray):
        """The circuit with ``params`` bound (no symbols left)."""
        import cirq

        return cirq.resolve_parameters(self.circuit, self.resolver(params))

    def shifted_resolvers(self, params: np.ndarray) -> tuple[Any, list[tuple[int, float]]]:
        """A sweep with one ParamResolver per shifted circuit, and its (parameter index, coefficient).

        A ``cirq.ListSweep`` (not a plain list, which cirq converts resolver by resolver into
        one-point sweeps and back: ~15x slower to expand)."""
        import cirq

        resolvers, terms = [], []
        for j, rule in enumerate(self.rules):
            for shift, coefficient in rule:
                shifted = np.array(params, dtype=float)
                shifted[j] += shift
                resolvers.append(self.resolver(shifted))
                terms.append((j, coefficient))
        return cirq.ListSweep(resolvers), terms


class _Builder:
    """Collects moments and one symbol per parametrised gate."""

    def __init__(self, n_qubits: int) -> None:
        import cirq

        self.qubits = cirq.LineQubit.range(n_qubits)
        self.symbols: list = []
        self.rules: list = []
        self.kinds: list[str] = []
        self.scales: list[float] = []
        self.ops: list = []

    def symbol(self, kind: str) -> Any:
        import sympy

        s = sympy.Symbol(f"{kind}_{len(self.symbols)}")
        self.symbols.append(s)
        self.kinds.append(kind)
        self.rules.append(GIVENS_RULE if kind == "givens" else PAULI_RULE)
        # cirq.givens(theta) = PhasedISwapPowGate(0.25) ** (2 theta / pi); R_P(theta) = P ** (theta / pi)
        self.scales.append(2.0 / math.pi if kind == "givens" else 1.0 / math.pi)
        return s

    def gate(self, kind: str, *qubits: int):
        exponent = self.symbol(kind)
        gate = givens_gate(exponent) if kind == "givens" else pauli_gate(kind, exponent)
        return gate.on(*(self.qubits[q] for q in qubits))

    def add(self, ops: list) -> None:
        self.ops.extend(ops)

    def zyz(self, q: int) -> None:
        for kind in ("rz", "ry", "rz"):
            self.add([self.gate(kind, q)])

    def ansatz(self, n_prefix: int = 0) -> Ansatz:
        import cirq

        # every gate as early as it can go: few moments (cirq resolves parameters moment by
        # moment, and that overhead dominated the time per circuit with one gate per moment)
        circuit = cirq.Circuit(self.ops)
        # every qubit must appear in the circuit for the simulators to allocate it
        idle = [q for q in self.qubits if q not in circuit.all_qubits()]
        if idle:
            circuit.append(cirq.Moment(cirq.I(q) for q in idle))
        return Ansatz(circuit, list(self.qubits), self.symbols, self.rules, self.kinds,
                      np.array(self.scales, dtype=float), n_prefix)


def staircase_size(n_qubits: int) -> int:
    return 12 * (n_qubits - 1) + 3 if n_qubits else 0


def build_ansatz(n_qubits: int, n_layers: int, connectivity: str = "linear", ansatz: str = "hardware-efficient",
                 occupied: Iterable[int] = (), staircases: int = 1) -> Ansatz:
    """The QCBM circuit (see the module docstring); ``occupied``: the X-flipped start qubits;
    ``staircases``: staircase blocks one after another (``"staircase"`` only; Ran's layers)."""
    import cirq

    b = _Builder(n_qubits)
    n_prefix = 0
    if ansatz == "staircase":
        for _ in range(staircases):
            for j in range(n_qubits - 1):
                b.zyz(j)
                b.zyz(j + 1)
                for kind in ("rxx", "ryy", "rzz"):
                    b.add([b.gate(kind, j, j + 1)])
                b.zyz(j)
            if n_qubits:
                b.zyz(n_qubits - 1)
        n_prefix = len(b.symbols)
        for _ in range(n_layers):
            b.add([b.gate("rzz", i, j) for i, j in edges(n_qubits, connectivity, brick=True)])
            b.add([b.gate("rz", q) for q in range(n_qubits)])
            b.add([b.gate("ry", q) for q in range(n_qubits)])
    elif ansatz == "hardware-efficient":
        b.add([b.gate("ry", q) for q in range(n_qubits)])
        for _ in range(n_layers):
            b.add([b.gate("rzz", i, j) for i, j in edges(n_qubits, connectivity)])
            b.add([b.gate("rz", q) for q in range(n_qubits)])
            b.add([b.gate("ry", q) for q in range(n_qubits)])
    elif ansatz == "hamming-weight":
        b.add([cirq.X(b.qubits[i]) for i in sorted(set(int(i) for i in occupied))])
        for layer in range(n_layers):
            if layer:
                b.add([b.gate("rz", q) for q in range(n_qubits)])
            b.add([b.gate("givens", i, j) for i, j in edges(n_qubits, connectivity, brick=True)])
    else:
        raise GeoError(f"unknown QCBM ansatz {ansatz!r}", f"use one of: {', '.join(ANSATZE)}")
    return b.ansatz(n_prefix)
