"""One exact QCBM gradient: the adjoint method against the parameter-shift rule on qsim.

Run (from the repository root):
    .venv/bin/python -m benchmarks.bench_qcbm_gradient [--qubits 12] [--layers 1]

Default circuit (staircase + layers), KL loss against ~100 basis states, BLAS on one thread,
the adjoint method timed before and after the parameter-shift rule (side by side, one run).

The parameter-shift rule already runs as one qsim sweep over the symbolic circuit (a ListSweep of
1 + 2P resolvers). qsimcirq (0.22) still resolves and translates the circuit once per resolver,
so the script also splits the sweep's time into its three parts, each over the same 1 + 2P
circuits: cirq's parameter resolution, the translation to qsim, and qsim's own simulation of an
already translated circuit. The last is the floor of any sweep that translated only once.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import cirq

from benchmarks.common import machine_description
from geo.generators.mps_sampling import single_threaded_blas
from geo.generators.qcbm import build_ansatz, make_simulator
from geo.generators.qcbm.training import Objective


def sweep_breakdown(ansatz, params: np.ndarray, simulator) -> dict[str, float]:
    """Seconds spent by the parts of the parameter-shift sweep, each over its 1 + 2P circuits
    (qsimcirq's own steps, called one by one: internal API, for this measurement only)."""
    import qsimcirq.qsim_circuit as qsim_circuit

    sweep, _ = ansatz.shifted_resolvers(params)
    resolvers = [ansatz.resolver(params)] + list(sweep)
    program = qsim_circuit.QSimCircuit(ansatz.circuit)
    order = cirq.QubitOrder.as_qubit_order(ansatz.qubits).order_for(program.all_qubits())
    times = {}
    start = time.perf_counter()
    solved = [cirq.resolve_parameters(program, r) for r in resolvers]
    times["resolve"] = time.perf_counter() - start
    start = time.perf_counter()
    translated = [c.translate_cirq_to_qsim(order)[0] for c in solved]
    times["translate"] = time.perf_counter() - start
    options = dict(simulator.qsim_options, s=0)
    start = time.perf_counter()
    for c in translated:
        simulator._sim_module.qsim_simulate_fullstate(dict(options, c=c), 0)
    times["simulate"] = time.perf_counter() - start
    times["circuits"] = len(resolvers)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--qubits", type=int, default=12)
    parser.add_argument("--layers", type=int, default=1)
    args = parser.parse_args()
    ansatz = build_ansatz(args.qubits, args.layers, "linear", "staircase")
    params = np.random.default_rng(0).uniform(-3, 3, ansatz.n_params)
    index = np.arange(0, 2 ** args.qubits, max(1, 2 ** args.qubits // 100))
    target = np.full(len(index), 1 / len(index))
    print(f"machine: {machine_description()}; {args.qubits} qubits, {ansatz.n_params} parameters")
    for gradient in ("adjoint", "parameter-shift", "adjoint"):
        objective = Objective(ansatz, index, target, "kl", make_simulator(), gradient=gradient)
        with single_threaded_blas():
            start = time.perf_counter()
            objective.value_and_gradient(params)
        print(f"{gradient}: {time.perf_counter() - start:.3f} s")
    with single_threaded_blas():
        parts = sweep_breakdown(ansatz, params, make_simulator())
    print(f"parameter-shift sweep, {parts['circuits']} circuits: resolve {parts['resolve']:.3f} s, translate "
          f"{parts['translate']:.3f} s, qsim simulation {parts['simulate']:.3f} s "
          "(the floor of a translate-once sweep)")


if __name__ == "__main__":
    main()
