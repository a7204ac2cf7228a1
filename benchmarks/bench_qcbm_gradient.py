"""One exact QCBM gradient: the adjoint method against the parameter-shift rule on qsim.

Run (from the repository root):
    .venv/bin/python -m benchmarks.bench_qcbm_gradient [--qubits 12] [--layers 1]

Default circuit (staircase + layers), KL loss against ~100 basis states, BLAS on one thread,
the adjoint method timed before and after the parameter-shift rule (side by side, one run).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import machine_description
from geo.generators.mps_sampling import single_threaded_blas
from geo.generators.qcbm import build_ansatz, make_simulator
from geo.generators.qcbm.training import Objective


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


if __name__ == "__main__":
    main()
