"""Ran's layers: the fidelity |<psi_MPS|psi_circuit>|^2 after each staircase layer, on random MPSs.

Run (from the repository root):
    .venv/bin/python -m benchmarks.bench_qcbm_layers [--sites 12,14] [--bonds 2,4,8] [--layers 5] [--seeds 5]

Site tensors with i.i.d. normal entries (bond capped at 2^min(j+1, n-j-1)): a hard case, with
no structure for a bond-2 truncation to exploit. On GEO's own training data the MPS the QCBM
starts from is measured through the loop instead: ``bench_quantum --qcbm-options
mps_bond=4,init_layers=4`` reports the mean fidelity per layer over the GEO iterations.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import machine_description
from geo.generators.mps_sampling import single_threaded_blas
from geo.generators.qcbm.mps_layers import layered_staircase_parameters


def random_tensors(n: int, bond: int, rng: np.random.Generator) -> list[np.ndarray]:
    dims = [1] + [min(bond, 2 ** min(j + 1, n - j - 1)) for j in range(n - 1)] + [1]
    return [rng.normal(size=(dims[j], 2, dims[j + 1])) for j in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", default="12,14")
    parser.add_argument("--bonds", default="2,4,8")
    parser.add_argument("--layers", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine_description()}")
    print("| sites | bond | fidelity after layer 1 .. L (mean over seeds; min) | seconds for L layers |")
    print("|---|---|---|---|")
    for n in (int(s) for s in args.sites.split(",")):
        for bond in (int(b) for b in args.bonds.split(",")):
            rows, seconds = [], []
            for seed in range(args.seeds):
                tensors = random_tensors(n, bond, np.random.default_rng(seed))
                with single_threaded_blas():
                    start = time.perf_counter()
                    _, fidelities = layered_staircase_parameters(tensors, args.layers)
                seconds.append(time.perf_counter() - start)
                rows.append(fidelities)
            mean, low = np.mean(rows, axis=0), np.min(rows, axis=0)
            text = " / ".join(f"{m:.3f} ({lo:.3f})" for m, lo in zip(mean, low))
            print(f"| {n} | {bond} | {text} | {np.mean(seconds):.2f} |", flush=True)


if __name__ == "__main__":
    main()
