"""Quantum circuit Born machine (QCBM): the generator of QCBM-GEO, simulated exactly with qsim.

A parametrised cirq circuit U(theta) on N qubits (one per asset, qubit j <-> column j, big-endian:
qubit 0 is the most significant bit of a basis-state index) defines the Born distribution
p_theta(x) = |<x|U(theta)|psi_0>|^2 over asset selections x in {0,1}^N.

Ansätze (every parametrised gate has an exact parameter-shift rule, see below)
-----------------------------------------------------------------------------
``"hardware-efficient"`` (from |0...0>):
    Ry(theta) on every qubit, then ``n_layers`` x [ZZ(theta) on every edge, Rz(theta) on every
    qubit, Ry(theta) on every qubit], with ZZ(theta) = exp(-i theta/2 Z(x)Z), Ry/Rz(theta) =
    exp(-i theta/2 Y/Z). The parametrised ZZ (not a fixed CZ) lets the optimiser choose how much
    to entangle; ``n_layers = 0`` is the product state (independent assets). Edges: the chain
    (j, j+1) for ``connectivity="linear"``, every pair for ``"all-to-all"``.
    Parameters: N + n_layers * (E + 2N). Samples may have any number of ones.
``"hamming-weight"`` (from a K-hot state, X on K qubits):
    ``n_layers`` x [Givens rotations cirq.givens(theta) = exp(-i theta (YX - XY)/2) on the edges
    (linear: brick wall, even bonds then odd bonds; all-to-all: every pair in order)], with
    Rz(theta) on every qubit between consecutive layers (phases, so amplitudes can be complex).
    Both gates conserve the number of ones, so every sample has exactly K ones. A linear layer
    moves a one by at most two sites: a linear chain needs ~N/2 layers to reach every K-subset
    (on 5 qubits, K = 2, one layer left half the target unreachable); all-to-all reaches all.
    K (``hamming_weight``) defaults to the largest number of ones in a training bitstring with
    positive weight; training bitstrings of another size cannot be represented and are dropped
    from the loss (their weight is reported in ``dropped_weight_``). The K occupied qubits of the
    start state are the K assets with the largest weighted training frequency (ties by index).
    ``conditions_on_size`` is True: ``sample(sizes=...)`` with K in ``sizes`` returns only size-K
    samples (for an at-most constraint ``sizes = (1..K)`` this means *only* size K, never
    smaller: at ``w_min = 0`` a size-K superset is as good, which is what the GEO loop samples).
    When K is not in ``sizes`` the same trained gates are applied to a K'-hot start (K' the
    allowed size nearest to K, the K' most frequent assets occupied): exact size, untrained.

Training and gradients
----------------------
Loss ``"kl"``: KL(target || model) = sum_x q(x) log q(x)/p(x) (weighted negative log-likelihood
up to a constant; p floored at 1e-12). Loss ``"mmd"``: squared MMD with the Gaussian (RBF)
kernel on bit vectors, k(x, y) = mean_s exp(-|x - y|^2 / (2 s^2)) with |x - y|^2 the Hamming
distance, s in ``mmd_sigmas``; the kernel is a tensor product of 2x2 matrices, so K v costs
N 2^N and the MMD is exact (no sampling).

Gradients are EXACT by the parameter-shift rule on qsim state vectors. Chosen over a
gradient-free optimiser because the loss is a smooth function of P ~ 50-200 parameters:
COBYLA / Nelder-Mead need O(P) loss evaluations per useful step and stall in that dimension,
while one exact gradient costs a known 1 + 2P circuits (1 + 4P for Givens) that run in one
batched ``simulate_sweep_iter`` (one ParamResolver per shifted circuit, streamed, so memory stays
one state vector whatever P). Rules used (p_x = probability of basis state x):
* Ry, Rz, ZZ = exp(-i theta/2 P), P a Pauli product (eigenvalues +-1): two-term rule
  d p/d theta = [p(theta + pi/2) - p(theta - pi/2)] / 2.
* cirq.givens(theta) = exp(-i theta G), G = (YX - XY)/2 has eigenvalues {+1, -1, 0, 0}, so
  p(theta) holds frequencies 1 and 2 and the two-term rule is NOT exact; the four-term rule
  d p/d theta = c1 [p(theta + pi/4) - p(theta - pi/4)] - c2 [p(theta + 3pi/4) - p(theta - 3pi/4)],
  c1 = (1 + 1/sqrt 2)/2, c2 = (1 - 1/sqrt 2)/2, is exact for frequencies {1, 2} (cf. Anselmetti
  et al. 2021, Wierichs et al. 2022); tests check both rules against finite differences.
The loss gradient is sum_x dL/dp_x * dp_x/dtheta with dL/dp_x from the unshifted circuit.
(An adjoint-method gradient would cost ~3 simulations instead of 2P, but needs a hand-written
simulator: the brief here is qsim.) Cost per gradient at N = 20, 2 layers, linear: 277 circuits,
~12-15 s with qsim on one thread against ~150-200 s with cirq.Simulator (benchmarks/bench_qcbm.py).

Optimisers: ``"lbfgs"`` (scipy L-BFGS-B, deterministic, the default: exact gradients suit a
quasi-Newton method) or ``"adam"`` (its moments are kept between fits). ``max_iterations``
counts loss-and-gradient evaluations per ``fit`` for both. A re-fit on the same number of
columns (and, for the Hamming-weight ansatz, the same K) continues from the current parameters
(warm start, by column position: if the caller's sub-universe changed, a column may now hold
another asset); otherwise the model restarts. Initialisation: every angle is N(0, init_scale^2)
from the rng, plus, on the first Ry layer, the angle 2 arcsin sqrt(f_j) that encodes the weighted
frequency f_j of asset j (clipped to [0.01, 0.99]). init_scale defaults to 1: near-zero angles
start on a plateau (a ZZ phase has no effect on the probabilities until a later Ry mixes it), and
on a 5-asset, 4-string target 25 L-BFGS evaluations reached KL ~0.5-0.8 from init_scale = 1
against ~1.3 from 0.1 (linear, 2 layers).

Sampling and reproducibility
----------------------------
Samples are drawn from the exact Born probabilities of the fitted state (computed once per fit
and cached, float64 from qsim's float32 state) by inverse-CDF sampling with the numpy rng:
statistically identical to measuring the circuit, and reproducible from the numpy rng alone
(qsim's own sampler would need a seed drawn from the rng and one more simulation per call).
Everything random (initial angles, samples) comes from the rng passed in; qsim's state-vector
simulation is deterministic. ``log_prob`` reads the same cached probabilities (-inf for a
probability of exactly 0, e.g. a wrong size under the Hamming-weight ansatz).
``postselect=True`` (hardware-efficient only) samples from the probabilities restricted to the
allowed sizes: the limit of rejection sampling of measurement shots; the kept share of shots is
recorded in ``acceptance_``. Off by default so the GEO fidelity metric shows the QCBM's waste.

Threads: ``threads=1`` by default. On the 2-core machine this was written on, sharing the cores
with other jobs, qsim with 2 OpenMP threads was 2-10x *slower* than with 1 (spinning threads
contend); pass ``threads=2`` on an idle machine. Per circuit, the Python side (resolving the
ParamResolver, translating to qsim) costs ~2-10 ms: it dominates below ~16 qubits.

Qubit budget
------------
``max_qubits`` (default 20: a 2^20 state vector, ~277 simulations per gradient on a CPU). A
training set with more columns raises :class:`geo.core.errors.GeoError`; the GEO loop passes the
columns of a sub-universe (see :func:`geo.generators.base.promising_assets`) with the other assets fixed to 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from geo.core.errors import GeoError

ANSATZE = ("hardware-efficient", "hamming-weight")
CONNECTIVITIES = ("linear", "all-to-all")
LOSSES = ("kl", "mmd")
OPTIMIZERS = ("lbfgs", "adam")

PROBABILITY_FLOOR = 1e-12
_C1 = (1 + 1 / math.sqrt(2)) / 2
_C2 = (1 - 1 / math.sqrt(2)) / 2
# (shift, coefficient) pairs: d p / d theta = sum coefficient * p(theta + shift)
PAULI_RULE: tuple[tuple[float, float], ...] = ((math.pi / 2, 0.5), (-math.pi / 2, -0.5))
GIVENS_RULE: tuple[tuple[float, float], ...] = ((math.pi / 4, _C1), (-math.pi / 4, -_C1),
                                                (3 * math.pi / 4, -_C2), (-3 * math.pi / 4, _C2))


def edges(n_qubits: int, connectivity: str, brick: bool = False) -> list[tuple[int, int]]:
    """Entangling pairs: the chain (even bonds first when ``brick``) or every pair."""
    if connectivity == "all-to-all":
        return [(i, j) for i in range(n_qubits) for j in range(i + 1, n_qubits)]
    chain = [(i, i + 1) for i in range(n_qubits - 1)]
    return chain[0::2] + chain[1::2] if brick else chain


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

    @property
    def n_params(self) -> int:
        return len(self.symbols)

    def resolver(self, params: np.ndarray):
        import cirq

        exponents = np.asarray(params, dtype=float) * self.scales
        return cirq.ParamResolver(dict(zip(self.names, exponents.tolist())))

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.symbols]

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


def build_ansatz(n_qubits: int, n_layers: int, connectivity: str = "linear", ansatz: str = "hardware-efficient",
                 occupied: Iterable[int] = ()) -> Ansatz:
    """The QCBM circuit (see the module docstring); ``occupied``: the X-flipped start qubits."""
    import cirq
    import sympy

    qubits = cirq.LineQubit.range(n_qubits)
    symbols: list = []
    rules: list = []
    kinds: list[str] = []
    moments: list = []

    scales: list[float] = []

    def symbol(kind: str) -> Any:
        s = sympy.Symbol(f"{kind}_{len(symbols)}")
        symbols.append(s)
        kinds.append(kind)
        rules.append(GIVENS_RULE if kind == "givens" else PAULI_RULE)
        scales.append(2.0 / math.pi if kind == "givens" else 1.0 / math.pi)
        return s

    # Ry(theta) = YPowGate(theta/pi, shift -1/2) = exp(-i theta Y/2); same for Rz and
    # ZZ(theta) = exp(-i theta ZZ/2); cirq.givens(theta) = PhasedISwapPowGate(0.25) ** (2 theta/pi)
    def ry(q):
        return cirq.YPowGate(exponent=symbol("ry"), global_shift=-0.5).on(q)

    def rz(q):
        return cirq.ZPowGate(exponent=symbol("rz"), global_shift=-0.5).on(q)

    if ansatz == "hardware-efficient":
        moments.append([ry(q) for q in qubits])
        for _ in range(n_layers):
            ops = [cirq.ZZPowGate(exponent=symbol("zz"), global_shift=-0.5).on(qubits[a], qubits[b])
                   for a, b in edges(n_qubits, connectivity)]
            moments.extend(cirq.Circuit(ops).moments)
            moments.append([rz(q) for q in qubits])
            moments.append([ry(q) for q in qubits])
    elif ansatz == "hamming-weight":
        occupied = sorted(set(int(i) for i in occupied))
        moments.append([cirq.X(qubits[i]) for i in occupied])
        for layer in range(n_layers):
            if layer:
                moments.append([rz(q) for q in qubits])
            ops = [cirq.PhasedISwapPowGate(phase_exponent=0.25, exponent=symbol("givens")).on(qubits[a], qubits[b])
                   for a, b in edges(n_qubits, connectivity, brick=True)]
            moments.extend(cirq.Circuit(ops).moments)
    else:
        raise GeoError(f"unknown QCBM ansatz {ansatz!r}", f"use one of: {', '.join(ANSATZE)}")
    circuit = cirq.Circuit(cirq.Moment(m) for m in moments if len(m))
    # every qubit must appear in the circuit for the simulators to allocate it
    idle = [q for q in qubits if q not in circuit.all_qubits()]
    if idle:
        circuit.append(cirq.Moment(cirq.I(q) for q in idle))
    return Ansatz(circuit, qubits, symbols, rules, kinds, np.array(scales, dtype=float))


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


class Objective:
    """Loss of the Born distribution against a target, and its parameter-shift gradient."""

    def __init__(self, ansatz: Ansatz, target_index: np.ndarray, target_prob: np.ndarray, loss: str,
                 simulator, mmd_sigmas: Sequence[float] = (0.5, 1.0, 2.0)) -> None:
        self.ansatz, self.loss, self.simulator = ansatz, loss, simulator
        self.sigmas = tuple(float(s) for s in mmd_sigmas)
        self.n = len(ansatz.qubits)
        self.index = np.asarray(target_index, dtype=np.int64)
        self.q = np.asarray(target_prob, dtype=float)
        self.entropy = float(np.sum(self.q * np.log(self.q)))
        if loss == "mmd":
            self.q_full = np.zeros(2 ** self.n)
            np.add.at(self.q_full, self.index, self.q)
        self.n_circuits = 0

    def value_and_dloss_dp(self, probs: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and dL/dp (restricted to the target support for KL, full for MMD)."""
        if self.loss == "kl":
            p = np.maximum(probs[self.index], PROBABILITY_FLOOR)
            return self.entropy - float(self.q @ np.log(p)), -self.q / p
        diff = probs - self.q_full
        kdiff = apply_kernel(diff, self.n, self.sigmas)
        return float(diff @ kdiff), 2.0 * kdiff

    def _project(self, state: np.ndarray, g: np.ndarray) -> float:
        """dL/dp . p(state): KL only needs the amplitudes on the target support."""
        if self.loss == "kl":
            return float(probabilities_of(state[self.index], normalise=False) @ g)
        return float(probabilities_of(state) @ g)

    def value(self, params: np.ndarray) -> float:
        self.n_circuits += 1
        return self.value_and_dloss_dp(circuit_probabilities(self.ansatz, params, self.simulator))[0]

    def value_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(loss, exact gradient, probabilities at ``params``): 1 + sum(len(rule)) circuits."""
        probs = circuit_probabilities(self.ansatz, params, self.simulator)
        value, g = self.value_and_dloss_dp(probs)
        gradient = np.zeros(self.ansatz.n_params)
        resolvers, terms = self.ansatz.shifted_resolvers(params)
        results = self.simulator.simulate_sweep_iter(self.ansatz.circuit, resolvers, qubit_order=self.ansatz.qubits)
        for (j, coefficient), result in zip(terms, results):
            gradient[j] += coefficient * self._project(result.final_state_vector, g)
        self.n_circuits += 1 + len(resolvers)
        return value, gradient, probs


class _BudgetSpent(Exception):
    pass


class QCBMGenerator:
    """Quantum circuit Born machine over the training columns (see the module docstring)."""

    def __init__(self, n_layers: int = 2, connectivity: str = "linear", ansatz: str = "hardware-efficient",
                 loss: str = "kl", optimizer: str = "lbfgs", max_iterations: int = 30, learning_rate: float = 0.05,
                 max_qubits: int = 20, hamming_weight: int | None = None,
                 mmd_sigmas: Sequence[float] = (0.5, 1.0, 2.0), init_scale: float = 1.0, postselect: bool = False,
                 threads: int = 1, max_fused_gate_size: int = 3, name: str = "qcbm") -> None:
        for value, allowed, what in ((connectivity, CONNECTIVITIES, "connectivity"), (ansatz, ANSATZE, "ansatz"),
                                     (loss, LOSSES, "loss"), (optimizer, OPTIMIZERS, "optimizer")):
            if value not in allowed:
                raise GeoError(f"unknown QCBM {what} {value!r}", f"use one of: {', '.join(allowed)}")
        if int(n_layers) < 0 or int(max_iterations) < 0 or int(max_qubits) < 1:
            raise GeoError("QCBM n_layers and max_iterations must be >= 0 and max_qubits >= 1",
                           "pass non-negative integers")
        self.n_layers = int(n_layers)
        self.connectivity = connectivity
        self.ansatz = ansatz
        self.loss = loss
        self.optimizer = optimizer
        self.max_iterations = int(max_iterations)
        self.learning_rate = float(learning_rate)
        self.max_qubits = int(max_qubits)
        self.hamming_weight = hamming_weight
        self.mmd_sigmas = tuple(mmd_sigmas)
        self.init_scale = float(init_scale)
        self.postselect = bool(postselect)
        self.threads = int(threads)
        self.max_fused_gate_size = int(max_fused_gate_size)
        self.name = name
        self.params_: np.ndarray | None = None
        self.n_qubits_: int | None = None

    @property
    def conditions_on_size(self) -> bool:
        return self.ansatz == "hamming-weight" or self.postselect

    # -- fit ------------------------------------------------------------------------------
    def fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "QCBMGenerator":
        bitstrings = np.asarray(bitstrings, dtype=bool)
        weights = np.asarray(weights, dtype=float)
        if bitstrings.ndim != 2 or len(bitstrings) == 0 or weights.shape != (len(bitstrings),):
            raise GeoError("QCBM training data must be bitstrings (M, N) with M >= 1 and weights (M,)",
                           "pass matching arrays")
        if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0, atol=1e-6):
            raise GeoError("QCBM training weights must be non-negative and sum to 1", "normalise the weights")
        n = bitstrings.shape[1]
        if n > self.max_qubits:
            raise GeoError(f"the QCBM would need {n} qubits, more than max_qubits = {self.max_qubits}",
                           f"fit it on a sub-universe of at most {self.max_qubits} assets (the columns of "
                           f"promising_assets(bitstrings, weights, {self.max_qubits}), other assets fixed to 0), "
                           f"or raise max_qubits (a 2^N state vector, 2P+1 simulations per gradient)")
        if n == 0:
            raise GeoError("QCBM training bitstrings have no columns", "pass at least one asset")
        frequency = weights @ bitstrings
        sizes = bitstrings.sum(axis=1)
        k = None
        if self.ansatz == "hamming-weight":
            k = int(self.hamming_weight) if self.hamming_weight is not None else int(sizes[weights > 0].max())
            if not 0 <= k <= n:
                raise GeoError(f"QCBM hamming_weight {k} is outside 0..{n}", "pass a size the universe can hold")
            keep = sizes == k
            if not np.any(weights[keep] > 0):
                raise GeoError(f"no training bitstring with positive weight has {k} ones",
                               "pass hamming_weight matching the training selections")
            self.dropped_weight_ = float(weights[~keep].sum())
            bitstrings, weights = bitstrings[keep], weights[keep] / weights[keep].sum()
        else:
            self.dropped_weight_ = 0.0
        index = indices_of(bitstrings)
        unique, inverse = np.unique(index, return_inverse=True)
        target = np.zeros(len(unique))
        np.add.at(target, inverse, weights)
        support = target > 0
        unique, target = unique[support], target[support]

        warm = (self.params_ is not None and self.n_qubits_ == n
                and (self.ansatz != "hamming-weight" or self.hamming_weight_ == k))
        if not warm:
            self.n_qubits_ = n
            self.frequency_ = frequency
            if self.ansatz == "hamming-weight":
                self.hamming_weight_ = k
                self.occupied_ = self._top(frequency, k)
            else:
                self.occupied_ = np.zeros(0, dtype=np.int64)
            self.ansatz_ = build_ansatz(n, self.n_layers, self.connectivity, self.ansatz, self.occupied_)
            self.params_ = self._initial_params(frequency, rng)
            self.adam_m_ = np.zeros(self.ansatz_.n_params)
            self.adam_v_ = np.zeros(self.ansatz_.n_params)
            self.adam_t_ = 0
            self.loss_history_: list[float] = []
            self.n_circuits_ = 0
        self.warm_started_ = bool(warm)
        self.frequency_ = frequency
        objective = Objective(self.ansatz_, unique, target, self.loss, self._simulator(), self.mmd_sigmas)
        self.params_, self.probs_ = self._optimise(objective, self.params_)
        self.loss_ = objective.value_and_dloss_dp(self.probs_)[0]
        self.n_circuits_ += objective.n_circuits
        self._sector_cache: dict[int, np.ndarray] = {}
        return self

    @staticmethod
    def _top(frequency: np.ndarray, k: int) -> np.ndarray:
        ranked = np.lexsort((np.arange(len(frequency)), -frequency))
        return np.sort(ranked[:k]).astype(np.int64)

    def _initial_params(self, frequency: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        params = rng.normal(0.0, self.init_scale, self.ansatz_.n_params)
        if self.ansatz == "hardware-efficient":
            f = np.clip(frequency, 0.01, 0.99)
            params[: self.n_qubits_] += 2.0 * np.arcsin(np.sqrt(f))
        return params

    def _optimise(self, objective: Objective, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        best: dict[str, Any] = {"value": np.inf, "x": np.array(x0, dtype=float), "probs": None}
        start = len(self.loss_history_)

        def evaluate(x: np.ndarray) -> tuple[float, np.ndarray]:
            if len(self.loss_history_) - start >= self.max_iterations:
                raise _BudgetSpent  # L-BFGS-B's maxfun is checked per iteration only: cap exactly
            value, gradient, probs = objective.value_and_gradient(x)
            self.loss_history_.append(value)
            if value < best["value"]:
                best.update(value=value, x=np.array(x, dtype=float), probs=probs)
            return value, gradient

        if self.max_iterations > 0 and self.ansatz_.n_params > 0:
            if self.optimizer == "lbfgs":
                from scipy.optimize import minimize

                try:
                    minimize(evaluate, best["x"], jac=True, method="L-BFGS-B",
                             options={"maxfun": self.max_iterations, "maxiter": self.max_iterations})
                except _BudgetSpent:
                    pass
            else:
                x = best["x"].copy()
                beta1, beta2, eps = 0.9, 0.999, 1e-8
                for _ in range(self.max_iterations):
                    _, gradient = evaluate(x)
                    self.adam_t_ += 1
                    self.adam_m_ = beta1 * self.adam_m_ + (1 - beta1) * gradient
                    self.adam_v_ = beta2 * self.adam_v_ + (1 - beta2) * gradient ** 2
                    m_hat = self.adam_m_ / (1 - beta1 ** self.adam_t_)
                    v_hat = self.adam_v_ / (1 - beta2 ** self.adam_t_)
                    x = x - self.learning_rate * m_hat / (np.sqrt(v_hat) + eps)
                value = objective.value(x)  # the last step's loss (one circuit, no gradient)
                if value < best["value"]:
                    best.update(value=value, x=x.copy(), probs=None)
        if best["probs"] is None:
            best["probs"] = circuit_probabilities(self.ansatz_, best["x"], self._simulator())
            objective.n_circuits += 1
        return best["x"], best["probs"]

    # -- sample / log_prob ----------------------------------------------------------------
    def sample(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None = None) -> np.ndarray:
        self._check_fitted()
        n = self.n_qubits_
        probs = self.probs_
        if self.ansatz == "hamming-weight":
            k = self.hamming_weight_
            if sizes is not None and k not in set(int(s) for s in sizes):
                allowed = np.array(sorted(set(int(s) for s in sizes if 0 <= int(s) <= n)))
                if len(allowed) == 0:
                    raise GeoError(f"no allowed size in {list(sizes)} fits {n} qubits", "pass sizes within 0..N")
                k = int(allowed[np.lexsort((-allowed, np.abs(allowed - k)))][0])
                probs = self._sector_probabilities(k)
            probs = np.where(popcounts(n) == k, probs, 0.0)
        elif self.postselect and sizes is not None:
            allowed = np.isin(popcounts(n), np.asarray(list(sizes), dtype=np.int64))
            kept = float(probs[allowed].sum())
            self.acceptance_ = kept
            if kept > 0:
                probs = np.where(allowed, probs, 0.0)
        cdf = np.cumsum(probs)
        chosen = np.searchsorted(cdf, rng.random(int(n_samples)) * cdf[-1], side="right")
        # searchsorted(side="right") only lands on states with p > 0; u * total rounding up to the
        # total is the one edge, sent to the last state of positive probability
        chosen = np.minimum(chosen, np.flatnonzero(probs)[-1])
        shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
        return ((chosen[:, None] >> shifts[None, :]) & 1).astype(bool)

    def _sector_probabilities(self, k: int) -> np.ndarray:
        if k not in self._sector_cache:
            ansatz = build_ansatz(self.n_qubits_, self.n_layers, self.connectivity, self.ansatz,
                                  self._top(self.frequency_, k))
            self._sector_cache[k] = circuit_probabilities(ansatz, self.params_, self._simulator())
        return self._sector_cache[k]

    def log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        self._check_fitted()
        bitstrings = np.asarray(bitstrings, dtype=bool)
        if bitstrings.ndim != 2 or bitstrings.shape[1] != self.n_qubits_:
            raise GeoError(f"log_prob needs bitstrings with {self.n_qubits_} columns", "pass the fitted columns")
        with np.errstate(divide="ignore"):
            return np.log(self.probs_[indices_of(bitstrings)])

    def probabilities(self) -> np.ndarray:
        """The fitted Born distribution over all 2^N basis states (a copy)."""
        self._check_fitted()
        return self.probs_.copy()

    def _simulator(self):
        """The qsim simulator (a resource, not fitted state: rebuilt after unpickling)."""
        if getattr(self, "_qsim", None) is None:
            self._qsim = make_simulator(self.threads, self.max_fused_gate_size)
        return self._qsim

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_qsim", None)  # holds a C++ extension module: not picklable
        state["_sector_cache"] = {}
        return state

    def _check_fitted(self) -> None:
        if self.params_ is None or getattr(self, "probs_", None) is None:
            raise RuntimeError("fit the QCBM generator before sampling")
