"""One QCBM training step, qsim against cirq.Simulator, at 12, 16 and 20 qubits.

Run (from the repository root):
    .venv/bin/python -m benchmarks.bench_qcbm [--qubits 12 16 20] [--layers 2] [--full-cirq-max 16]

A training step here is ONE loss-and-gradient evaluation, i.e. one L-BFGS / Adam function
evaluation of ``QCBMGenerator``: the unshifted circuit plus the 2P parameter-shifted circuits
(one ``simulate_sweep_iter`` over a ``cirq.ListSweep`` of ParamResolvers), hardware-efficient
ansatz, linear connectivity, KL loss against 64 random K-hot selections (K = N/4). The same code
path (``geo.generators.qcbm.Objective``) runs with either simulator. cirq.Simulator (complex64,
single-threaded numpy) is timed on the whole step up to ``--full-cirq-max`` qubits; above that
on ``--cirq-circuits`` shifted circuits of the same sweep, extrapolated linearly to 1 + 2P
circuits (marked "extrap."). Both simulators are warmed up on one circuit first.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cirq  # noqa: E402
import numpy as np  # noqa: E402

if __package__ in (None, ""):  # run as a script (python benchmarks/NAME.py): make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_description  # noqa: E402
from geo.generators.qcbm import Objective, build_ansatz, make_simulator  # noqa: E402


def target(n: int, rng: np.random.Generator, m: int = 64) -> tuple[np.ndarray, np.ndarray]:
    k = max(1, n // 4)
    index = np.unique([sum(1 << int(b) for b in rng.choice(n, k, replace=False)) for _ in range(m)])
    weights = rng.random(len(index))
    return index.astype(np.int64), weights / weights.sum()


def step_seconds(objective: Objective, params: np.ndarray) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    _, gradient, _ = objective.value_and_gradient(params)
    return time.perf_counter() - start, gradient


def partial_cirq_seconds(objective: Objective, params: np.ndarray, n_circuits: int) -> float:
    """Seconds for the whole step, extrapolated from ``n_circuits`` circuits of its sweep."""
    ansatz = objective.ansatz
    sweep, _ = ansatz.shifted_resolvers(params)
    resolvers = list(sweep)[:n_circuits]
    start = time.perf_counter()
    for result in objective.simulator.simulate_sweep_iter(ansatz.circuit, cirq.ListSweep(resolvers),
                                                          qubit_order=ansatz.qubits):
        result.final_state_vector
    per_circuit = (time.perf_counter() - start) / len(resolvers)
    return per_circuit * (1 + len(sweep))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--qubits", type=int, nargs="+", default=[12, 16, 20])
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--full-cirq-max", type=int, default=16)
    parser.add_argument("--cirq-circuits", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"machine: {machine_description()}; load average at start: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"one training step = one loss + exact parameter-shift gradient = 1 + 2P circuits; "
          f"hardware-efficient, linear, {args.layers} layers, KL loss, qsim max_fused_gate_size 3")
    head = " | ".join(f"qsim {t} thr (s)" for t in args.threads)
    print(f"| qubits | P | circuits | {head} | cirq.Simulator (s) | cirq / qsim 1 thr |")
    print("|---|---|---|" + "---|" * len(args.threads) + "---|---|")
    for n in args.qubits:
        ansatz = build_ansatz(n, args.layers, "linear", "hardware-efficient")
        params = rng.uniform(-np.pi, np.pi, ansatz.n_params)
        index, weights = target(n, rng)
        qsim_times, gradients = [], []
        for threads in args.threads:
            objective = Objective(ansatz, index, weights, "kl", make_simulator(threads))
            objective.value(params)  # warm-up
            seconds, gradient = step_seconds(objective, params)
            qsim_times.append(seconds)
            gradients.append(gradient)
        cirq_objective = Objective(ansatz, index, weights, "kl", cirq.Simulator())
        cirq_objective.value(params)  # warm-up
        if n <= args.full_cirq_max:
            cirq_seconds, cirq_gradient = step_seconds(cirq_objective, params)
            how = "measured"
            scale = max(1.0, np.abs(cirq_gradient).max())
            assert np.allclose(cirq_gradient, gradients[0], atol=1e-3 * scale), "qsim and cirq gradients differ"
        else:
            cirq_seconds = partial_cirq_seconds(cirq_objective, params, args.cirq_circuits)
            how = f"extrap. from {args.cirq_circuits} circuits"
        cells = " | ".join(f"{t:.2f}" for t in qsim_times)
        print(f"| {n} | {ansatz.n_params} | {1 + 2 * ansatz.n_params} | {cells} | {cirq_seconds:.1f} ({how}) | "
              f"{cirq_seconds / qsim_times[0]:.1f}x |", flush=True)
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
