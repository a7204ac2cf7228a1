"""Where GEO's descents start: every start of the loop comes from :func:`propose_starts`, the one
place that decides (and may filter) what the loop proposes.

``starts`` says how a target's start is made with its segment's generator:

- ``swaps``: the target's best known selection moved ``kick_moves`` times, each move drawn from
  the generator's probability ratios ``p(x') / p(x)`` over the moves of the current selection:
  exact for an MPS, from its left and right environments (:mod:`geo.generators.flip_ratios`);
  from the marginals for the independent model. A uniform generator draws its moves uniformly:
  the random kick of iterated local search, the control.
- ``kick``: the best known selection with 2 of its assets that a generator sample lacks swapped
  for 2 that the sample holds (the loop of issue 8: the generator only picks the direction).
- ``sample``: a generator sample itself.

When the proposals stop being new, the exploration schedule (:mod:`.exploration`) draws a share
``prior_share`` of them without the generator (uniform moves, uniform samples); each start
records whether the generator made it.

Under the holdings' ``max_changes`` every start stays within the limit: swap moves are drawn
among the neighbours inside it (:func:`~geo.classical.neighbourhood.all_neighbours`), samples
and sample kicks are moved back inside (:func:`within_changes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from geo.classical.neighbourhood import all_neighbours
from geo.generator_enhanced.pool import Pool, first_unseen, sampling_sizes
from geo.generator_enhanced.segments import SegmentedGenerators
from geo.methods.base import Deadline
from geo.problem.evaluator import selection_keys
from geo.problem.problem import Problem

START_MODES = ("swaps", "kick", "sample")
# A ``kick`` start moves this many assets of the incumbent towards a generator sample.
SAMPLE_KICK_MOVES = 2
# Relay starts come from targets at most this many along the frontier (port3 at 5 s needed 2).
RELAY_REACH = 2

MoveScores = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Proposal:
    start: np.ndarray
    from_generator: bool  # False: drawn from the exploration prior, not the generator


@dataclass
class Proposals:
    """One start (or None) per requested target, and the counts of the generator-quality metrics
    (:class:`~geo.generators.quality.GeneratorQuality`) over every candidate drawn."""

    starts: list[Proposal | None]
    n_samples: int
    n_new: int
    n_valid_new: int


def propose_starts(mode: str, models: SegmentedGenerators, pool: Pool, started: set[bytes], columns: np.ndarray,
                   problem: Problem, rng: np.random.Generator, prior_share: float, candidates: int,
                   kick_moves: int, deadline: Deadline | None = None) -> Proposals:
    """A start for each target of ``columns``: the first of up to ``candidates`` candidates that
    neither the pool nor an earlier start holds (failing that, for samples, the first valid one).
    Swap kicks stop at ``deadline`` (the targets left get None): on 225 assets a kick's ratios
    take milliseconds, and an iteration's kicks past the time limit took seconds."""
    if mode == "swaps":
        return _swap_kicks(models, pool, started, columns, problem, rng, prior_share, candidates, kick_moves,
                           deadline)
    blocks = models.sample_for(columns, candidates, rng, problem, sampling_sizes(problem), prior_share)
    generated = np.arange(candidates) < candidates - int(round(prior_share * candidates))
    flat = blocks.reshape(-1, problem.n_assets)
    valid = problem.valid_size(flat.sum(axis=1))
    new = first_unseen(flat, pool) & ~_started(started, flat)
    if mode == "kick":
        blocks = within_changes(problem, _sample_kicks(pool, columns, blocks, rng), rng)
        kicked = blocks.reshape(-1, problem.n_assets)
        ok = problem.valid_size(blocks.sum(axis=2))
        fresh = (~_started(started, kicked) & ~pool.contains(kicked)).reshape(blocks.shape[:2]) & ok
    elif problem.limits_changes:  # the samples moved within the limit are the starts
        blocks = within_changes(problem, blocks, rng)
        inside = blocks.reshape(-1, problem.n_assets)
        allowed = problem.valid_size(inside.sum(axis=1))
        usable = allowed & first_unseen(inside, pool) & ~_started(started, inside)
        ok, fresh = allowed.reshape(blocks.shape[:2]), usable.reshape(blocks.shape[:2])
    else:
        ok, fresh = valid.reshape(blocks.shape[:2]), (valid & new).reshape(blocks.shape[:2])
    starts = []
    for block, usable, allowed in zip(blocks, fresh, ok):
        pick = np.flatnonzero(usable)
        pick = pick if len(pick) else np.flatnonzero(allowed)
        starts.append(Proposal(block[pick[0]].copy(), bool(generated[pick[0]])) if len(pick) else None)
    return Proposals(starts, len(flat), int(new.sum()), int((new & valid).sum()))


def _swap_kicks(models: SegmentedGenerators, pool: Pool, started: set[bytes], columns: np.ndarray, problem: Problem,
                rng: np.random.Generator, prior_share: float, candidates: int, kick_moves: int,
                deadline: Deadline | None) -> Proposals:
    sizes = np.array(sampling_sizes(problem))
    best = pool.best_rows()  # row 0 where a target has no finite cost, as argmin gives
    starts: list[Proposal | None] = []
    drawn = new = 0
    for column in columns:
        if deadline is not None and deadline.expired():
            starts.append(None)
            continue
        incumbent = pool.selections[max(int(best[column]), 0)]
        model = models.model_of(int(column))
        chosen = None
        for _ in range(candidates):
            from_generator = model.modelled is not None and not rng.random() < prior_share
            scores = model.neighbour_scores if from_generator else None
            kick = ratio_kick(problem, incumbent, scores, kick_moves, rng, sizes)
            drawn += 1
            key = selection_keys(kick[None, :])[0]
            if key not in started and key not in pool.keys:
                new += 1
                chosen = Proposal(kick, from_generator)
                break
        starts.append(chosen)
    return Proposals(starts, drawn, new, new)


def relay_starts(pool: Pool, columns: np.ndarray, relayed: set[tuple[bytes, int]]) -> list[np.ndarray | None]:
    """For each target of ``columns``, the best selection of a nearby target (at most
    ``RELAY_REACH`` targets away, nearest first, the next one before the previous one) that
    differs from the target's own and that no relay start at this target has used yet, or None;
    each one returned is recorded in ``relayed``.

    Why: GEO's seed sweeps the frontier one way, handing each target's answer to the next only,
    and the loop's continuation hands an answer on only where it improves a target. An answer
    found further along can be one swap from a better optimum behind it: on port3 at 5 s a
    frontier, the targets left 0.06-0.32 % above the optimum reached it by a descent from the
    answer of a target one or two along (not always from the adjacent ones). The generator
    plays no part in these starts.
    """
    best = pool.best_rows()
    n_columns = len(best)
    starts: list[np.ndarray | None] = []
    for column in (int(c) for c in columns):
        chosen = None
        for neighbour in (column + step * sign for step in range(1, RELAY_REACH + 1) for sign in (1, -1)):
            if not 0 <= neighbour < n_columns or best[neighbour] < 0 or best[neighbour] == best[column]:
                continue
            candidate = pool.selections[best[neighbour]]
            key = (selection_keys(candidate[None, :])[0], column)
            if key not in relayed:
                relayed.add(key)
                chosen = candidate.copy()
                break
        starts.append(chosen)
    return starts


def within_changes(problem: Problem, selections: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``selections`` moved back within the holdings' ``max_changes`` (as they are without one)."""
    if not problem.limits_changes:
        return selections
    return problem.holdings.repair_all(selections, problem.feasible_sizes, rng)


def ratio_kick(problem: Problem, incumbent: np.ndarray, scores: MoveScores | None, moves: int,
               rng: np.random.Generator, sizes: np.ndarray) -> np.ndarray:
    """``incumbent`` moved ``moves`` times (swaps; drops and adds where ``sizes`` allow them),
    each move drawn with probability proportional to ``exp(scores(current, moves))``, i.e. to the
    model's ratio ``p(x') / p(x)``; uniformly when ``scores`` is None."""
    current = incumbent.copy()
    for _ in range(moves):
        neighbours = all_neighbours(problem, current)
        counts = neighbours.sum(axis=1)
        sampled = np.isin(counts, sizes)
        # An incumbent below the sampled sizes (fewer than K assets at the high-return end, in
        # at-most mode) has no neighbour of those sizes: it moves among every feasible size
        # instead, or it would never be kicked and its target would starve the schedule.
        neighbours = neighbours[sampled if sampled.any() else np.isin(counts, problem.feasible_sizes)]
        if len(neighbours) == 0:
            break
        current = neighbours[_draw(None if scores is None else scores(current, neighbours), len(neighbours), rng)]
    return current


def _draw(log_weights: np.ndarray | None, count: int, rng: np.random.Generator) -> int:
    """An index drawn with probability proportional to ``exp(log_weights)`` (uniform when None
    or when no weight is positive)."""
    if log_weights is None:
        return int(rng.integers(count))
    log_weights = np.where(np.isnan(log_weights), -np.inf, log_weights)
    if np.isposinf(log_weights).any():
        log_weights = np.where(np.isposinf(log_weights), 0.0, -np.inf)
    top = np.max(log_weights)
    if not np.isfinite(top):
        return int(rng.integers(count))
    weights = np.exp(log_weights - top)
    return int(rng.choice(count, p=weights / weights.sum()))


def _sample_kicks(pool: Pool, columns: np.ndarray, samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per target and sample, the target's incumbent kicked towards the sample (the incumbent
    itself where the sample adds nothing: then it is no fresh start)."""
    kicks = samples.copy()
    best = pool.best_rows()
    for row, column in enumerate(columns):
        incumbent = pool.selections[max(int(best[column]), 0)]
        for index, sample in enumerate(samples[row]):
            kick = learned_kick(incumbent, sample, SAMPLE_KICK_MOVES, rng)
            kicks[row, index] = incumbent if kick is None else kick
    return kicks


def learned_kick(incumbent: np.ndarray, sample: np.ndarray, moves: int, rng: np.random.Generator) -> np.ndarray | None:
    """The incumbent with ``moves`` of its assets that the sample lacks swapped for assets the
    sample holds: a kick in the direction the generator points. None when the sample adds
    nothing new."""
    leaving = np.flatnonzero(incumbent & ~sample)
    entering = np.flatnonzero(sample & ~incumbent)
    count = min(moves, len(leaving), len(entering))
    if count == 0:
        return None
    start = incumbent.copy()
    start[rng.choice(leaving, count, replace=False)] = False
    start[rng.choice(entering, count, replace=False)] = True
    return start


def _started(started: set[bytes], selections: np.ndarray) -> np.ndarray:
    return np.array([key in started for key in selection_keys(selections)], dtype=bool)
