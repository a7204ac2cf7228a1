"""Held-out likelihood of the MPS against the independent-bits model on GEO pool data (issue 8).

Run: .venv/bin/python -m benchmarks.bench_heldout --set port3 --budget 60000 --repeats 3
     [--segment-site] [--grid default]

A GEO run (independent generator, the default hybrid loop) on ``--set`` builds a pool; for each
of the five frontier segments the training distribution of the loop (the softmax surrogate over
the best 400 pool selections priced at most targets) is split 80 / 20 at random ``--repeats``
times. Each model is fitted on the 80 % and scored by its weighted negative log-likelihood on
the 20 % (lower is better). Rows: mean and standard deviation over segments and repeats.

``--segment-site`` adds the one-MPS alternative to a model per segment: a
:class:`~geo.generators.mps_labelled.LabelledMPSGenerator` is fitted once per repeat on the
union of the five segments' 80 % parts (each labelled by its segment, each segment's weights
summing to 1/5, as in the loop) and scored, with the segment site fixed, on each segment's 20 %
part: the same held-out rows as the per-segment models. ``--grid default`` keeps only the
default training settings (2 sweeps, learning rate 0.02, 1 step) at bond 2 and 3.
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
from geo.generators.mps_labelled import LABEL_POSITIONS, LabelledMPSGenerator
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


def models(grid: str = "full"):
    for smoothing in (0.01, 0.05):
        yield f"independent, smoothing {smoothing}", lambda s=smoothing: IndependentGenerator(smoothing=s)
    settings = ((2, 3), (2,), (0.02,), (1,)) if grid == "default" else ((2, 3), (2, 6), (0.02, 0.1), (1, 4))
    for bond, sweeps, rate, steps in itertools.product(*settings):
        yield (f"mps D={bond} sweeps={sweeps} lr={rate} steps={steps}",
               lambda b=bond, s=sweeps, r=rate, t=steps: MPSGenerator(max_bond=b, n_sweeps=s, learning_rate=r,
                                                                     n_descent_steps=t))


def labelled_models():
    for bond, position in itertools.product((2, 3), LABEL_POSITIONS):
        yield (f"segment-site mps D={bond} site at {position} sweeps=2 lr=0.02 steps=1",
               lambda b=bond, p=position: LabelledMPSGenerator(5, label_position=p, max_bond=b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="port3")
    parser.add_argument("--budget", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--segment-site", action="store_true", help="Also score one MPS with a segment site.")
    parser.add_argument("--grid", choices=("full", "default"), default="full")
    args = parser.parse_args()
    pool = pool_after_a_run(args.set, args.budget)
    rng = np.random.default_rng(1)
    scores: dict[str, list[float]] = {}
    # per repeat, per segment: (fit bits, fit weights, held-out bits, held-out weights); drawn
    # segment by segment, so the splits are those of the per-segment table in RESULTS.md §8
    splits: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(args.repeats)]
    for columns in segment_columns(pool.costs.shape[1], 5):
        data = training_set(pool, columns, 400, None)
        bits, weights = data.bitstrings, data.weights
        for repeat in range(args.repeats):
            order = rng.permutation(len(bits))
            fit, held = order[: int(0.8 * len(bits))], order[int(0.8 * len(bits)):]
            splits[repeat].append((bits[fit], weights[fit] / weights[fit].sum(), bits[held],
                                   weights[held] / weights[held].sum()))
    for repeat, repeat_splits in enumerate(splits):
        for bits_fit, w_fit, bits_held, w_held in repeat_splits:
            for label, build in models(args.grid):
                model = build().fit(bits_fit, w_fit, np.random.default_rng(repeat))
                scores.setdefault(label, []).append(float(-(w_held @ model.log_prob(bits_held))))
        if args.segment_site:
            union = np.concatenate([split[0] for split in repeat_splits])
            labels = np.concatenate([np.full(len(split[0]), segment) for segment, split in enumerate(repeat_splits)])
            weights = np.concatenate([split[1] for split in repeat_splits]) / len(repeat_splits)
            for label, build in labelled_models():
                model = build().fit(union, labels, weights, np.random.default_rng(repeat))
                for segment, (_, _, bits_held, w_held) in enumerate(repeat_splits):
                    scores.setdefault(label, []).append(float(-(w_held @ model.log_prob(bits_held, segment))))
    print(f"{args.set}: pool of {pool.size} selections priced at >= 80 % of the targets; "
          f"{args.repeats} random 80/20 splits per segment")
    print("| model | held-out NLL (mean) | std |")
    print("|---|---|---|")
    for label, values in sorted(scores.items(), key=lambda item: np.mean(item[1])):
        print(f"| {label} | {np.mean(values):.3f} | {np.std(values):.3f} |")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
