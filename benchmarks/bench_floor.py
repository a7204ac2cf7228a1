"""Why the MPS alone lost on held-out selections, and what its floor does (RESULTS §8f).

Run: .venv/bin/python -m benchmarks.bench_floor --sets port2,port3,port4 --seed 1 [--budget 100000]

One GEO-mps run per set records every segment's training set as the loop fitted it. The fits are
then replayed offline: before each refit, the selections of the new training set that the
previous one did not hold are held out, and each model fitted on the previous training set is
scored on them (weighted as in training), as ``SegmentModel._heldout_nll`` does in the loop.
Models: the independent model (pseudo-count 0.01), the MPS alone (warm-started like the loop's),
the unsmoothed product model (an MPS of bond 1), and mixtures of the latter two with the
independent model at several weights. Also printed: the share of the held-out weight on
selections holding an asset that no previous training selection held.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from benchmarks.bench_geo import problem_and_reference, run_once
from geo.generator_enhanced import segments
from geo.generators.independent import IndependentGenerator
from geo.generators.mixture import mixture_log_prob
from geo.generators.mps import MPSGenerator
from geo.problem.evaluator import selection_keys

WEIGHTS = (0.02, 0.05, 0.1, 0.2)


def recorded_fits(name: str, seed: int, budget: int) -> list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Per segment model, the (bitstrings, weights, modelled columns) of each of its fits."""
    by_model: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    original = segments.SegmentModel.fit

    def recording(self, data, n_assets, rng):
        out = original(self, data, n_assets, rng)
        by_model.setdefault(id(self), []).append((data.bitstrings.copy(), data.weights.copy(), self.modelled.copy()))
        return out

    segments.SegmentModel.fit = recording
    try:
        problem, targets, _ = problem_and_reference(name, 10, None)
        run_once(problem, targets, "geo-mps", seed, budget, None)
    finally:
        segments.SegmentModel.fit = original
    return list(by_model.values())


def replay(fits: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]]) -> dict[str, Any]:
    scores: dict[str, list[float]] = {}
    surprise: list[float] = []
    for sequence in fits:
        models = {"independent": IndependentGenerator(), "mps": MPSGenerator(floor_weight=0),
                  "product": MPSGenerator(max_bond=1, init_bond=1, floor_weight=0)}
        rng = np.random.default_rng(0)
        previous: tuple[set[bytes], np.ndarray] | None = None
        for bits, weights, modelled in sequence:
            if previous is not None:
                unseen = np.array([key not in previous[0] for key in selection_keys(bits)])
                outside = np.setdiff1d(np.arange(bits.shape[1]), modelled)
                if unseen.any() and not bits[unseen][:, outside].any():
                    held, w = bits[unseen], weights[unseen] / weights[unseen].sum()
                    log_p = {"independent": models["independent"].log_prob(held),
                             "mps": models["mps"].log_prob(held[:, modelled]),
                             "product": models["product"].log_prob(held[:, modelled])}
                    for weight in WEIGHTS:
                        for name in ("mps", "product"):
                            log_p[f"{name} + {weight} independent"] = mixture_log_prob(
                                log_p[name], log_p["independent"], weight)
                    for name, values in log_p.items():
                        scores.setdefault(name, []).append(float(-(w @ values)))
                    surprise.append(float(w @ (held & ~previous[1]).any(axis=1)))
            models["independent"].fit(bits, weights, rng)
            models["mps"].fit(bits[:, modelled], weights, rng)
            models["product"].fit(bits[:, modelled], weights, rng)
            previous = (set(selection_keys(bits)), bits[weights > 0].any(axis=0))
    return {"nll": {name: float(np.mean(values)) for name, values in scores.items()},
            "surprise": float(np.mean(surprise)), "held_out_sets": len(surprise)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="port2,port3,port4")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=int, default=100000)
    args = parser.parse_args()
    for name in args.sets.split(","):
        result = replay(recorded_fits(name, args.seed, args.budget))
        print(f"\n{name}, seed {args.seed}: {result['held_out_sets']} held-out sets; share of held-out weight on "
              f"selections holding an asset no previous training selection held: {100 * result['surprise']:.0f} %")
        print("| model | held-out NLL (nats, mean over fits) |\n|---|---|")
        for model, value in sorted(result["nll"].items(), key=lambda item: item[1]):
            print(f"| {model} | {value:.2f} |")


if __name__ == "__main__":
    main()
