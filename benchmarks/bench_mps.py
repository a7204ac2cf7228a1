"""MPS generator timings: one fit and 1,000 size-conditioned samples.

Run: .venv/bin/python -m benchmarks.bench_mps [--sites 100 500] [--ks 10 50] [--bonds 4 8 16]
     [--train 1000] [--samples 1000] [--sweeps 2]

Training set: M random K-hot strings drawn from a correlated bond-3 MPS (so there is structure
to learn and the bonds fill up to D), with softmax-like weights. Per (N, K, D): the wall time of
one fresh ``fit`` (``--sweeps`` left-right-left sweeps, initialisation included), of sampling
``--samples`` strings with exactly K ones, and with 1..K ones (at-most mode). Single-threaded
BLAS, as in the generator itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

if __package__ in (None, ""):  # run as a script (python benchmarks/NAME.py): make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine_description  # noqa: E402
from geo.generators.mps import MPSGenerator  # noqa: E402
from geo.generators.mps_sampling import sample_mps  # noqa: E402


def training_set(n: int, k: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    bonds = [1] + [3] * (n - 1) + [1]
    truth = [rng.standard_normal((bonds[i], 2, bonds[i + 1])) for i in range(n)]
    for t in truth:
        t[:, 0, :] += 1.5
    bits = sample_mps(truth, m, rng, sizes=(k,))
    weights = np.exp(-3.0 * rng.random(m))
    return bits, weights / weights.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--bonds", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--sweeps", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"# MPS generator: fit ({args.sweeps} sweeps, M = {args.train}) and {args.samples} conditioned samples")
    print(f"# {machine_description()}\n")
    print("| N | K | D | bonds reached | fit (s) | s / sweep | sample exactly K (s) | sample 1..K (s) | train NLL |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sites:
        for k in args.ks:
            rng = np.random.default_rng(args.seed)
            bits, weights = training_set(n, k, args.train, rng)
            for d in args.bonds:
                generator = MPSGenerator(max_bond=d, n_sweeps=args.sweeps)
                start = time.perf_counter()
                generator.fit(bits, weights, np.random.default_rng(args.seed))
                fit_s = time.perf_counter() - start
                start = time.perf_counter()
                exact = generator.sample(args.samples, rng, sizes=(k,))
                exact_s = time.perf_counter() - start
                start = time.perf_counter()
                at_most = generator.sample(args.samples, rng, sizes=range(1, k + 1))
                at_most_s = time.perf_counter() - start
                assert (exact.sum(axis=1) == k).all() and (at_most.sum(axis=1) <= k).all()
                print(f"| {n} | {k} | {d} | {max(generator.bond_dimensions)} | {fit_s:.2f} | "
                      f"{fit_s / max(args.sweeps, 1):.2f} | {exact_s:.3f} | {at_most_s:.3f} | "
                      f"{generator.loss_history_[-1]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
