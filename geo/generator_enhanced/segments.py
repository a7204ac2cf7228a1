"""Generators conditioned on the frontier position: one generator per contiguous segment of targets
(``conditioning="segments"``), or one MPS with a segment site (``"segment-site"``, :mod:`.segment_site`).

The two ends of a frontier want different assets (low risk against high return), so one
distribution trained on the whole pool blurs them. Each segment's generator learns from the
pool scored on that segment's targets only (the softmax surrogate of DESIGN.md, "GEO"), and
proposes the starts of that segment's targets.

Held-out likelihood, at no extra fitting cost: before a segment's generator is refitted, the
part of the new training distribution it has not been trained on (selections that entered the
pool since) is held-out data for the model fitted last time. Its weighted negative log-
likelihood is recorded for the generator and for the independent-bits model fitted on the same
earlier data, so the iteration log shows whether the learned correlations generalise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.classical.neighbourhood import random_selections
from geo.generator_enhanced.pool import Pool, sub_universe
from geo.generator_enhanced.segment_site import SegmentSiteModel
from geo.generators import make_generator
from geo.generators.flip_ratios import swap_log_ratios
from geo.generators.independent import IndependentGenerator
from geo.methods.base import Deadline
from geo.problem.evaluator import selection_keys
from geo.problem.problem import Problem


def segment_columns(n_columns: int, n_segments: int) -> list[np.ndarray]:
    """Contiguous, near-equal segments of the target columns (at most one per target)."""
    count = max(1, min(int(n_segments), n_columns))
    return [part for part in np.array_split(np.arange(n_columns), count) if len(part)]


@dataclass
class TrainingSet:
    bitstrings: np.ndarray
    weights: np.ndarray
    temperature: float


def training_set(pool: Pool, columns: np.ndarray, size: int, temperature: float | None,
                 temperature_scale: float = 1.0) -> TrainingSet | None:
    """The softmax surrogate over the pool's best ``size`` selections, scored on ``columns``:
    ``p ∝ exp(-score / T)``, ``score`` the relative excess over the best known cost at the
    selection's best target among them; ``T`` the mean score unless given, times the scale."""
    scores = pool.scores(columns)
    order = np.argsort(scores, kind="stable")
    train = order[np.isfinite(scores[order])][:size]
    if len(train) == 0:
        return None
    base = temperature if temperature is not None else max(float(np.mean(scores[train])), 1e-9)
    scaled = base * temperature_scale
    weights = np.exp(-(scores[train] - scores[train].min()) / scaled)
    return TrainingSet(pool.selections[train], weights / weights.sum(), scaled)


@dataclass
class SegmentModel:
    """One segment's generator, its independent-bits control, and what it was last trained on."""

    columns: np.ndarray
    generator: Any
    independent: IndependentGenerator = field(default_factory=IndependentGenerator)
    modelled: np.ndarray | None = None  # asset columns the generator models (sub-universe)
    trained_keys: set[bytes] = field(default_factory=set)

    def fit(self, data: TrainingSet, n_assets: int, rng: np.random.Generator) -> dict[str, float | None]:
        """Record the held-out NLL of the current models on ``data``'s unseen part, then refit."""
        heldout = self._heldout_nll(data)
        if self.modelled is None:
            self.modelled = sub_universe(self.generator, data.bitstrings, data.weights, n_assets)
        self.generator.fit(data.bitstrings[:, self.modelled], data.weights, rng)
        self.independent.fit(data.bitstrings, data.weights, rng)
        self.trained_keys = set(selection_keys(data.bitstrings))
        return heldout

    def sample(self, count: int, rng: np.random.Generator, sizes: tuple[int, ...], n_assets: int) -> np.ndarray:
        raw = self.generator.sample(count, rng, sizes)
        samples = np.zeros((len(raw), n_assets), dtype=bool)
        samples[:, self.modelled] = raw
        return samples

    def score(self, selections: np.ndarray) -> np.ndarray:
        """The generator's log-probability of each selection (-inf outside its sub-universe)."""
        outside = np.ones(selections.shape[1], dtype=bool)
        outside[self.modelled] = False
        scores = self.generator.log_prob(selections[:, self.modelled])
        return np.where(selections[:, outside].any(axis=1), -np.inf, scores)

    def neighbour_scores(self, current: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
        """``log p(neighbour) - log p(current)`` of each selection one move from ``current``:
        exact ratios from the generator's environments where it has them
        (:func:`~geo.generators.flip_ratios.flip_log_ratios`), else its ``log_prob`` of each
        neighbour (the same up to a constant, -inf outside its sub-universe)."""
        if hasattr(self.generator, "flip_log_ratios") and len(self.modelled) == len(current):
            singles, pairs = self.generator.flip_log_ratios(current)
            return swap_log_ratios(singles, pairs, current, neighbours)
        return self.score(neighbours)

    def _heldout_nll(self, data: TrainingSet) -> dict[str, float | None]:
        empty = {"heldout_nll": None, "heldout_nll_independent": None}
        if self.independent.marginals_ is None or self.modelled is None:
            return empty
        unseen = np.array([key not in self.trained_keys for key in selection_keys(data.bitstrings)])
        bits = data.bitstrings[unseen]
        if len(bits) == 0 or bits[:, np.setdiff1d(np.arange(bits.shape[1]), self.modelled)].any():
            return empty  # nothing new, or outside the generator's sub-universe (probability 0)
        weights = data.weights[unseen] / data.weights[unseen].sum()
        return {"heldout_nll": float(-(weights @ self.generator.log_prob(bits[:, self.modelled]))),
                "heldout_nll_independent": float(-(weights @ self.independent.log_prob(bits)))}


CONDITIONINGS = ("segments", "segment-site")


class SegmentedGenerators:
    """A generator per frontier segment, all of one kind, trained and sampled together. With
    ``conditioning="segment-site"`` the segments' generators are views of one shared MPS."""

    def __init__(self, name: str, options: dict[str, Any], n_columns: int, n_segments: int,
                 conditioning: str = "segments") -> None:
        parts = segment_columns(n_columns, n_segments)
        self.shared: SegmentSiteModel | None = None
        if conditioning == "segment-site":
            self.shared = SegmentSiteModel(len(parts), options)
            generators = list(self.shared.views)
        else:
            generators = [make_generator(name, **options) for _ in parts]
        self.models = [SegmentModel(columns, generator) for columns, generator in zip(parts, generators)]
        self.segment_fit_seconds = 0.0  # the longest fit of one segment's generator so far
        self.segment_of = np.empty(n_columns, dtype=np.int64)
        for index, model in enumerate(self.models):
            self.segment_of[model.columns] = index

    def fit(self, pool: Pool, training_size: int, temperature: float | None, temperature_scale: float,
            rng: np.random.Generator, deadline: Deadline | None = None) -> dict[str, Any]:
        """Refit every segment's generator; returns the iteration's training record.

        Under a time limit a segment is refitted only while the time left exceeds the longest
        segment fit so far (its models stay as they were): a fit never runs far past the limit,
        the first one (no estimate yet) by at most one segment's fit.
        """
        n_assets = pool.evaluator.problem.n_assets
        temperatures, heldout, sizes, skipped = [], [], [], 0
        for model in self.models:
            data = training_set(pool, model.columns, training_size, temperature, temperature_scale)
            if data is None:
                continue
            if self._out_of_time(deadline):
                skipped += 1
                continue
            started = time.perf_counter()
            heldout.append(model.fit(data, n_assets, rng))
            self.segment_fit_seconds = max(self.segment_fit_seconds, time.perf_counter() - started)
            temperatures.append(data.temperature)
            sizes.append(len(data.bitstrings))
        if self.shared is not None and not self._out_of_time(deadline):
            started = time.perf_counter()
            self.shared.fit_staged(rng)  # the views only handed their data over
            self.segment_fit_seconds = max(self.segment_fit_seconds, time.perf_counter() - started)
        return {"temperature": float(np.mean(temperatures)) if temperatures else None,
                "training_size": int(np.sum(sizes)) if sizes else 0,
                **self.generator_reports(),
                "sub_universe": int(len(self.models[0].modelled)) if self.models[0].modelled is not None else None,
                "fits_skipped_for_time": skipped,
                **_mean_heldout(heldout)}

    def _out_of_time(self, deadline: Deadline | None) -> bool:
        return deadline is not None and deadline.seconds is not None and deadline.remaining() < self.segment_fit_seconds

    def generator_reports(self) -> dict[str, Any]:
        """What a generator says it did (losses, circuit size; after sampling also acceptance,
        novelty and anti-stall actions), as is; empty for generators that say nothing."""
        reports = [model.generator.iteration_report() for model in self.models
                   if hasattr(model.generator, "iteration_report")]
        return {"generator_report": reports[0] if len(reports) == 1 else reports} if reports else {}

    def circuit_records(self, tickers: tuple[str, ...]) -> list[dict[str, Any]]:
        """A quantum generator's trained circuit per segment (empty for classical generators)."""
        return [model.generator.circuit_record(tickers) for model in self.models
                if hasattr(model.generator, "circuit_record") and model.modelled is not None]

    def model_of(self, column: int) -> SegmentModel:
        return self.models[int(self.segment_of[column])]

    def sample_for(self, columns: np.ndarray, per_start: int, rng: np.random.Generator, problem: Problem,
                   sizes: tuple[int, ...], prior_share: float) -> np.ndarray:
        """``per_start`` candidate starts for each requested target column, from its segment's
        generator; a ``prior_share`` of them drawn uniformly instead (exploration)."""
        blocks = np.zeros((len(columns), per_start, problem.n_assets), dtype=bool)
        for index, model in enumerate(self.models):
            rows = np.flatnonzero(self.segment_of[columns] == index)
            if len(rows) == 0 or model.modelled is None:
                continue
            blocks[rows] = model.sample(len(rows) * per_start, rng, sizes, problem.n_assets).reshape(
                len(rows), per_start, problem.n_assets)
        n_prior = int(round(prior_share * per_start))
        if n_prior:
            prior = random_selections(problem, len(columns) * n_prior, rng)
            blocks[:, per_start - n_prior:] = prior.reshape(len(columns), n_prior, problem.n_assets)
        return blocks


def _mean_heldout(records: list[dict[str, float | None]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in ("heldout_nll", "heldout_nll_independent"):
        values = [r[key] for r in records if r.get(key) is not None]
        out[key] = float(np.mean(values)) if values else None
    return out
