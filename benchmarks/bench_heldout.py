"""Held-out likelihood of the MPS against the independent-bits model on GEO pool data (issue 8).

Run: .venv/bin/python -m benchmarks.bench_heldout --set port3 --budget 60000 --repeats 3

A GEO run (independent generator, the default hybrid loop) on ``--set`` builds a pool; for each
of the five frontier segments the training distribution of the loop (the softmax surrogate over
the best 400 pool selections priced at most targets) is split 80 / 20 at random ``--repeats``
times. Each model is fitted on the 80 % and scored by its weighted negative log-likelihood on
the 20 % (lower is better). Rows: mean and standard deviation over segments and repeats.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from benchmarks.bench_geo import problem_and_reference
from geo.generator_enhanced.pool import Pool
from geo.generator_enhanced.segments import segment_columns, training_set
from geo.generators.independent import IndependentGenerator
from geo.generators.mps import MPSGenerator
from geo.methods.base import Deadline
from geo.methods.registry import make_method
from geo.problem import ObjectiveGrid, SelectionEvaluator


def pool_after_a_run(name: str, budget: int) -> Pool:
    problem, targets, _ = problem_and_reference(name, 10, 50)
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.target_returns(targets))
    make_method("geo", generator="independent").solve(evaluator, np.random.default_rng(0), budget, Deadline(None))
    selections, costs = evaluator.known()
    priced = np.isfinite(np.nan_to_num(costs, nan=np.inf)).sum(axis=1) >= 0.8 * costs.shape[1]
    pool = Pool(evaluator)
    pool.extend(selections[priced], np.where(np.isnan(costs[priced]), np.inf, costs[priced]))
    return pool


def models():
    for smoothing in (0.01, 0.05):
        yield f"independent, smoothing {smoothing}", lambda s=smoothing: IndependentGenerator(smoothing=s)
    for bond, sweeps, rate, steps in itertools.product((2, 3), (2, 6), (0.02, 0.1), (1, 4)):
        yield (f"mps D={bond} sweeps={sweeps} lr={rate} steps={steps}",
               lambda b=bond, s=sweeps, r=rate, t=steps: MPSGenerator(max_bond=b, n_sweeps=s, learning_rate=r,
                                                                     n_descent_steps=t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="port3")
    parser.add_argument("--budget", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    pool = pool_after_a_run(args.set, args.budget)
    rng = np.random.default_rng(1)
    scores: dict[str, list[float]] = {}
    for columns in segment_columns(pool.costs.shape[1], 5):
        data = training_set(pool, columns, 400, None)
        bits, weights = data.bitstrings, data.weights
        for repeat in range(args.repeats):
            order = rng.permutation(len(bits))
            fit, held = order[: int(0.8 * len(bits))], order[int(0.8 * len(bits)):]
            w_fit, w_held = weights[fit] / weights[fit].sum(), weights[held] / weights[held].sum()
            for label, build in models():
                model = build().fit(bits[fit], w_fit, np.random.default_rng(repeat))
                scores.setdefault(label, []).append(float(-(w_held @ model.log_prob(bits[held]))))
    print(f"{args.set}: pool of {pool.size} selections priced at >= 80 % of the targets; "
          f"{args.repeats} random 80/20 splits per segment")
    print("| model | held-out NLL (mean) | std |")
    print("|---|---|---|")
    for label, values in sorted(scores.items(), key=lambda item: np.mean(item[1])):
        print(f"| {label} | {np.mean(values):.3f} | {np.std(values):.3f} |")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
