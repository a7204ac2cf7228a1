"""The Generator-Enhanced Optimization loop (DESIGN.md, "GEO"), frontier-wide.

1. A pool of selections, each priced at every target of the frontier, is seeded by a
   classical method ("booster") or by random valid selections ("stand-alone").
2. A softmax surrogate turns the pool into a training distribution: each selection is scored
   by how close it comes to the best known cost at its best target,
   ``score = min_j (cost_j - best_j) / |best_j|``, so a selection that is good for *any* part of
   the frontier is a good example; ``p ∝ exp(-score / T)`` over the best ``training_size``.
3. The generator is fitted (warm-started) on that distribution and sampled.
4. New, valid, distinct samples are priced exactly at every target and merged into the pool.
Repeat until the evaluation budget, the iteration count or the deadline is spent; each target
then takes the best selection of the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.methods.base import Deadline, MethodRun, ProgressCallback, heuristic_points
from geo.classical.neighbourhood import random_selections
from geo.core.errors import GeoError
from geo.core.checkpoint import Checkpoint, restore_snapshot, snapshot
from geo.generators import make_generator
from geo.generators.quality import GeneratorQuality
from geo.generator_enhanced.pool import (Pool, first_unseen, sampling_sizes, sub_universe,
                                         top_selections_per_target)
from geo.problem.evaluator import SelectionEvaluator

SEED_METHODS = ("random", "local-search", "annealing", "relaxation", "exact")
DEFAULT_ITERATIONS = 20
# Booster mode: how many of the seed method's best selections per target enter the pool
# beside its answers (its memo holds many more, priced at one target each).
SEEDS_PER_TARGET = 10
# An iteration is stale when under 1% of its samples are new and valid (the generator has
# collapsed onto the pool, or wastes its samples on wrong sizes); 5 in a row end the loop.
MIN_NEW_SHARE = 0.01
MAX_STALE_ITERATIONS = 5


@dataclass
class GEOMethod:
    """GEO with a named generator; ``seed_method`` "random" is the stand-alone mode."""

    generator: str = "mps"
    seed_method: str = "random"
    seed_fraction: float = 0.3
    initial_pool: int = 200
    training_size: int = 200
    samples_per_iteration: int = 200
    temperature: float | None = None
    iterations: int | None = None
    generator_options: dict[str, Any] = field(default_factory=dict)
    name: str = "geo"

    def __post_init__(self) -> None:
        if self.seed_method not in SEED_METHODS:
            raise GeoError(f"unknown seed method {self.seed_method!r}", f"use one of: {', '.join(SEED_METHODS)}")
        if not 0.0 <= self.seed_fraction < 1.0:
            raise GeoError(f"seed fraction must be in [0, 1) (got {self.seed_fraction})", "use e.g. 0.3")

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        problem = evaluator.problem
        iterations = self.iterations if self.iterations is not None else (None if budget else DEFAULT_ITERATIONS)
        saved = checkpoint.load() if checkpoint else None
        if saved is None:
            start = evaluator.n_evaluations
            stop_at = np.inf if budget is None else start + budget
            generator = make_generator(self.generator, **self.generator_options)
            pool = Pool(evaluator)
            pool.add(self._seed_selections(evaluator, rng, budget, deadline), stop_at)
            seeded_evaluations = evaluator.n_evaluations - start
            history: list[dict[str, Any]] = []
        else:
            state = restore_snapshot(saved, evaluator, rng)
            stop_at, generator, history = state["stop_at"], state["generator"], state["history"]
            seeded_evaluations = state["seeded_evaluations"]
            pool = Pool(evaluator)
            pool.extend(state["pool_selections"], state["pool_costs"])
        sizes = sampling_sizes(problem)
        n_columns = len(evaluator.grid)
        stale = 0
        # Stop when the budget cannot price one more selection at every target, or when the
        # generator has produced (almost) nothing new for a while.
        while pool.size and not deadline.expired() and stop_at - evaluator.n_evaluations >= n_columns:
            if iterations is not None and len(history) >= iterations:
                break
            record = self._iterate(generator, pool, sizes, rng, stop_at)
            history.append({"iteration": len(history) + 1, **record})
            if progress:
                progress(len(history), iterations or len(history) + 1)
            if checkpoint:
                checkpoint.save(snapshot(evaluator, rng, stop_at=stop_at, generator=generator, history=history,
                                         seeded_evaluations=seeded_evaluations, pool_selections=pool.selections,
                                         pool_costs=pool.costs))
            stale = stale + 1 if record["n_valid_new"] < MIN_NEW_SHARE * max(1, record["n_samples"]) else 0
            if record["n_samples"] == 0 or stale >= MAX_STALE_ITERATIONS:
                break
        points = heuristic_points(evaluator, list(pool.selections), deadline)
        details = {"generator": self.generator, "seed_method": self.seed_method,
                   "mode": "stand-alone" if self.seed_method == "random" else "booster",
                   "seed_evaluations": seeded_evaluations, "pool_size": pool.size, "iterations": history,
                   "sampling_sizes": list(map(int, sizes)), "stopped_by_deadline": deadline.expired()}
        if hasattr(generator, "circuit_record") and history:  # a quantum generator: its trained circuit
            details["circuit"] = generator.circuit_record(problem.tickers)
        return MethodRun(points, details)

    # -- one iteration ----------------------------------------------------------------------
    def _iterate(self, generator, pool: "Pool", sizes: tuple[int, ...], rng: np.random.Generator,
                 stop_at: float) -> dict[str, Any]:
        problem = pool.evaluator.problem
        scores = pool.scores()
        order = np.argsort(scores, kind="stable")
        train = order[np.isfinite(scores[order])][: self.training_size]
        temperature = self.temperature or max(float(np.mean(scores[train])), 1e-9)
        weights = np.exp(-(scores[train] - scores[train].min()) / temperature)
        weights /= weights.sum()
        columns = sub_universe(generator, pool.selections[train], weights, problem.n_assets)
        generator.fit(pool.selections[train][:, columns], weights, rng)
        raw = generator.sample(self.samples_per_iteration, rng, sizes)
        samples = np.zeros((len(raw), problem.n_assets), dtype=bool)
        samples[:, columns] = raw
        valid = problem.valid_size(samples.sum(axis=1))
        new_mask = first_unseen(samples, pool)
        new_valid = samples[new_mask & valid]
        best_before = pool.best_costs()
        priced = pool.add(new_valid, stop_at)
        n_better = int(np.sum(np.any(priced < best_before[None, :], axis=1))) if len(priced) else 0
        quality = GeneratorQuality(len(samples), int(new_mask.sum()), int(len(new_valid)), n_better)
        best = pool.best_costs()
        # a generator may say what it did (losses, circuit size, anti-stall actions): recorded as is
        report = generator.iteration_report() if hasattr(generator, "iteration_report") else {}
        return {**quality.to_dict(), "generator_report": report, "temperature": temperature, "training_size": int(len(train)),
                "sub_universe": int(len(columns)), "evaluations": pool.evaluator.n_evaluations,
                "targets_improved": int(np.sum(best < best_before)),
                "mean_best_cost": float(np.mean(best[np.isfinite(best)])) if np.isfinite(best).any() else None}

    # -- seeding ------------------------------------------------------------------------------
    def _seed_selections(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
                         deadline: Deadline) -> np.ndarray:
        problem = evaluator.problem
        if self.seed_method == "random":
            count = self.initial_pool
            if budget is not None:
                count = max(1, min(count, int(self.seed_fraction * budget) // len(evaluator.grid)))
            selections = random_selections(problem, count, rng)
            return selections[problem.valid_size(selections.sum(axis=1))]
        from geo.methods.registry import make_method

        seed_budget = None if budget is None else int(self.seed_fraction * budget)
        run = make_method(self.seed_method).solve(evaluator, rng, seed_budget, deadline)
        answers = [problem.selection_from_tickers(list(p.weights)) for p in run.points if p.weights]
        return np.array(answers + top_selections_per_target(evaluator, SEEDS_PER_TARGET), dtype=bool).reshape(
            -1, problem.n_assets)
