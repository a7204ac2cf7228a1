"""QAOA on the equal-weight QUBO proxy, with an XY-ring mixer from a Dicke state (``--method qaoa``).

Circuit (one qubit per asset, N <= ``max_qubits``), p layers:
  |D_K>  ->  prod_l [ exp(-i beta_l M_XY) exp(-i gamma_l C) ],
* |D_K> the Dicke state (uniform superposition of the K-hot basis states), given to qsim as the
  initial state vector (on hardware it has a known O(N K)-gate preparation, Baertschi &
  Eidenbenz 2019, not built here);
* C the QUBO proxy of :mod:`geo.quantum.qubo` for one risk aversion, standardised over the
  K-hot states, as Rz and Rzz gates;
* M_XY = sum over the ring (i, i+1 mod N) of (XX + YY) / 2, applied as ISWAP-power gates in
  three rounds (even pairs, odd pairs, the closing pair). Each gate conserves the number of
  ones, so every sample holds exactly K assets (Hadfield et al., "From the QAOA to a quantum
  alternating operator ansatz", 2019).
Angles: COBYLA on <C>, the expectation computed from qsim's state vector (``angle_evaluations``
simulations per risk aversion), from a linear ramp. Then ``shots`` samples a batch are drawn
from the exact output distribution with the numpy rng, and every new selection is priced
EXACTLY by the evaluator at every target (so the frontier compares with every other method).
Risk aversions: ``risk_aversions`` values evenly in [0.05, 0.95]; the budget is shared among
them in turn; a risk aversion stops when a batch brings nothing new. Before any circuit runs,
every target gets a cheap first answer (one evaluation each), so a small budget still answers
the whole frontier; each target's point is the cheapest selection priced there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from geo.classical.construction import answer_every_target
from geo.core.checkpoint import Checkpoint
from geo.core.errors import GeoError
from geo.methods.base import Deadline, MethodRun, ProgressCallback, heuristic_points
from geo.problem.evaluator import SelectionEvaluator, selection_keys
from geo.quantum.qubo import mean_variance_qubo


def k_hot_states(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The K-hot bitstrings (bool, big-endian: qubit 0 the most significant) and their indices."""
    bits = np.zeros((math.comb(n, k), n), dtype=bool)
    for row, chosen in enumerate(combinations(range(n), k)):
        bits[row, list(chosen)] = True
    return bits, bits.astype(np.int64) @ (1 << np.arange(n - 1, -1, -1, dtype=np.int64))


def ring_rounds(n: int) -> list[list[tuple[int, int]]]:
    """The ring's pairs in rounds of disjoint pairs: even, odd, and the closing pair."""
    chain = [(i, i + 1) for i in range(n - 1)]
    rounds = [chain[0::2], chain[1::2]]
    if n > 2:
        rounds.append([(n - 1, 0)])
    return [r for r in rounds if r]


def qaoa_circuit(h: np.ndarray, j: np.ndarray, layers: int):
    """The parametrised QAOA circuit (symbols gamma_l, beta_l) and its qubits."""
    import cirq
    import sympy

    n = len(h)
    qubits = cirq.LineQubit.range(n)
    ops: list = []
    for layer in range(layers):
        gamma, beta = sympy.Symbol(f"gamma_{layer}"), sympy.Symbol(f"beta_{layer}")
        # exp(-i gamma h Z) = Rz(2 gamma h) = Z ** (2 gamma h / pi) with global shift -1/2
        ops += [cirq.ZPowGate(exponent=2 * gamma * float(h[i]) / math.pi, global_shift=-0.5).on(qubits[i])
                for i in range(n) if h[i] != 0]
        ops += [cirq.ZZPowGate(exponent=2 * gamma * float(j[a, b]) / math.pi, global_shift=-0.5)
                .on(qubits[a], qubits[b])
                for a in range(n) for b in range(a + 1, n) if j[a, b] != 0]
        # exp(-i beta (XX + YY) / 2) = ISWAP ** (-2 beta / pi)
        for pairs in ring_rounds(n):
            ops += [cirq.ISwapPowGate(exponent=-2 * beta / math.pi).on(qubits[a], qubits[b]) for a, b in pairs]
    circuit = cirq.Circuit(ops)
    idle = [q for q in qubits if q not in circuit.all_qubits()]
    if idle:
        circuit.append(cirq.I.on_each(*idle))
    return circuit, qubits


@dataclass
class QAOAMethod:
    layers: int = 2
    risk_aversions: int = 3
    shots: int = 200
    angle_evaluations: int = 20
    max_qubits: int = 20
    threads: int = 1
    name: str = "qaoa"

    def __post_init__(self) -> None:
        for value, what in ((self.layers, "layers"), (self.risk_aversions, "risk aversions"), (self.shots, "shots"),
                            (self.max_qubits, "max qubits")):
            if int(value) != value or value < 1:
                raise GeoError(f"QAOA {what} must be a positive integer (got {value})", "pass an integer >= 1")

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        import cirq
        import qsimcirq

        problem = evaluator.problem
        n, k = problem.n_assets, problem.k
        if n > self.max_qubits:
            raise GeoError(f"QAOA simulates one qubit per asset: {n} assets is more than {self.max_qubits}",
                           "use a data set (or a subset) of at most 20 assets, e.g. sp500-sample")
        bits, index = k_hot_states(n, k)
        dicke = np.zeros(2 ** n, dtype=np.complex64)
        dicke[index] = 1 / math.sqrt(len(index))
        simulator = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=self.threads))
        n_columns = len(evaluator.grid)
        stop_at = np.inf if budget is None else evaluator.n_evaluations + budget
        with evaluator.spending(budget):
            answer_every_target(evaluator, deadline)  # a first answer everywhere, one evaluation each
        seen: set[bytes] = set()
        found: list[np.ndarray] = []
        runs: list[dict[str, Any]] = []
        lambdas = np.linspace(0.05, 0.95, self.risk_aversions)
        for position, lam in enumerate(lambdas):
            if deadline.expired() or stop_at - evaluator.n_evaluations < n_columns:
                break
            qubo = mean_variance_qubo(problem.mu, problem.cov, k, float(lam))
            cost = qubo.values(bits)
            scale = cost.std() or 1.0
            standard = (cost - cost.mean()) / scale
            h, j = qubo.ising()
            circuit, qubits = qaoa_circuit(h / scale, j / scale, self.layers)

            def distribution(angles: np.ndarray) -> np.ndarray:
                resolver = {**{f"gamma_{layer}": angles[layer] for layer in range(self.layers)},
                            **{f"beta_{layer}": angles[self.layers + layer] for layer in range(self.layers)}}
                state = simulator.simulate(circuit, cirq.ParamResolver(resolver), qubit_order=qubits,
                                           initial_state=dicke.copy()).final_state_vector
                p = np.abs(state[index].astype(np.complex128)) ** 2
                return p / p.sum()

            def energy(angles: np.ndarray) -> float:
                return float(distribution(angles) @ standard)

            ramp = (np.arange(self.layers) + 1) / self.layers
            start = np.concatenate([0.5 * ramp, 0.5 * (1 - ramp) + 0.1]) + rng.normal(0, 0.05, 2 * self.layers)
            from scipy.optimize import minimize

            best = minimize(energy, start, method="COBYLA", options={"maxiter": self.angle_evaluations, "rhobeg": 0.3})
            probs = distribution(best.x)
            share = (stop_at - evaluator.n_evaluations) / (len(lambdas) - position)
            spent_until = evaluator.n_evaluations + share
            batches = new_total = 0
            while not deadline.expired():
                affordable = int(min(spent_until, stop_at) - evaluator.n_evaluations) // n_columns
                if affordable < 1:
                    break
                draws = bits[np.searchsorted(np.cumsum(probs), rng.random(self.shots) * probs.sum())
                             .clip(max=len(bits) - 1)]
                fresh = [row for row, key in zip(draws, selection_keys(draws)) if key not in seen
                         and not seen.add(key)][:affordable]
                batches += 1
                if not fresh:
                    break
                evaluator.costs(np.array(fresh))
                found.extend(fresh)
                new_total += len(fresh)
            uniform = float(np.mean(standard))
            runs.append({"risk_aversion": float(lam), "expected_cost": float(probs @ standard),
                         "uniform_cost": uniform, "best_cost": float(standard.min()),
                         "angles": best.x.tolist(), "angle_evaluations": int(best.nfev), "batches": batches,
                         "new_selections": new_total, "probability_of_best": float(probs[np.argmin(standard)])})
            if progress:
                progress(position + 1, len(lambdas))
        points = heuristic_points(evaluator, deadline)
        return MethodRun(points, {"layers": self.layers, "qubits": n, "k": k, "mixer": "xy-ring",
                                  "initial_state": "dicke", "cost": "equal-weight mean-variance QUBO proxy",
                                  "risk_aversion_runs": runs, "selections_sampled": len(found)})
