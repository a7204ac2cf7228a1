"""The Generator-Enhanced Optimization method (DESIGN.md, "GEO"): learned restarts, refined exactly.

1. Seed. Booster mode (the default) runs a classical method, local search by default, on the
   whole budget and time, as it would run alone, until its own end (local search: one sweep,
   a descent per target); the loop spends only what is left. Its answers, and the best
   selections it priced at each target, enter the pool. Stand-alone mode (``seed_method="random"``) starts from
   random valid selections. Either way the pool is priced at every target of the frontier.
2. Learn. One generator per contiguous segment of the frontier (``segments``) is fitted on the
   softmax surrogate of the pool scored on its own targets (:mod:`.segments`); or, with
   ``conditioning="segment-site"``, one MPS with an extra site for the segment is fitted on all
   of them, each selection labelled by its segment, and sampled with that site fixed.
3. Propose and refine (``refine="descent"``, the default). The targets due next are chosen
   round-robin, weakest first (:class:`~.refinement.TargetSchedule`); each gets a start sampled
   from its segment's generator, the first one not seen before. The start is refined by the
   exact swap descent of local search at that target, and the local optimum is carried along
   the frontier while it improves it (:func:`~.refinement.refine`). ``refine="none"`` is the
   paper's raw loop: samples are priced as they come.
4. Merge. The optima (or raw samples) are priced at every target and join the pool. When the
   samples stop being new the loop widens its search (:mod:`.exploration`); it stops only when
   the budget, the time or the iteration count is spent, or when nothing unseen can be proposed.

Holdings' ``max_changes`` (:mod:`geo.problem.holdings`): every start, sample and kick is moved
back within the limit before it is priced or refined (``Holdings.repair``, with the loop's rng),
and the refinement's swaps never leave it, so GEO searches the same set as every other method.

Every target then takes the cheapest selection ever priced there: the seed's answers included,
so GEO can only improve on them. The controls come from the same loop: ``generator="uniform"``
is random-restart local search, ``"independent"`` an estimation-of-distribution algorithm,
``"mps"`` TN-GEO, ``"qcbm"`` QCBM-GEO.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.classical.construction import answer_every_target
from geo.classical.neighbourhood import random_selections
from geo.core.checkpoint import Checkpoint, restore_snapshot, snapshot
from geo.core.errors import GeoError
from geo.generator_enhanced.exploration import Exploration
from geo.generator_enhanced.pool import Pool, first_unseen, sampling_sizes, top_selections_per_target
from geo.generator_enhanced.proposals import START_MODES, Proposal, propose_starts, relay_starts, within_changes
from geo.generator_enhanced.refinement import REFINE_MODES, TargetSchedule, descent_for, refine
from geo.generator_enhanced.segments import CONDITIONINGS, SegmentedGenerators
from geo.generator_enhanced.transfer import Carry, carry_from, take_carry
from geo.generators.quality import GeneratorQuality
from geo.methods.base import Deadline, MethodRun, ProgressCallback, best_known_points
from geo.problem.evaluator import SelectionEvaluator, selection_keys

SEED_METHODS = ("random", "local-search", "annealing", "relaxation", "exact")
# The seed method's own settings in booster mode (``seed_options`` overrides them): local search
# makes one forward sweep (construction and one descent per target, carried along the
# frontier) by first improvement in the reduced-cost order; the loop's kicks take the place of
# its random ones, its continuation that of the backward pass.
SEED_OPTIONS: dict[str, dict[str, Any]] = {"local-search": {"kicks": 0, "backward": False,
                                                            "descent": "reduced-cost"}}
# A ``swaps`` start moves a target's incumbent this many times (moves drawn from the generator).
KICK_MOVES = 3
DEFAULT_ITERATIONS = 20
# Booster mode: how many of the seed method's best selections per target enter the pool
# beside its answers (its memo holds many more, priced at one target each).
SEEDS_PER_TARGET = 10
# Descent mode draws this many candidates per start and uses the first one not seen before.
CANDIDATES_PER_START = 4
# The loop ends early only when this many iterations in a row priced nothing at all: every
# selection the generators and the prior propose is already known (a tiny universe).
MAX_IDLE_ITERATIONS = 5
# Under --time-limit the loop stops this early (a share of the limit plus seconds): the time the
# final answer takes, measured at about 0.7 s for 50 targets after 10 s on port3.
FINISH_RESERVE_SHARE = 0.02
FINISH_RESERVE_S = 0.5


@dataclass
class GEOMethod:
    """GEO with a named generator. Defaults: booster from local search, descent refinement,
    one generator per fifth of the frontier."""

    generator: str = "mps"
    seed_method: str = "local-search"
    seed_options: dict[str, Any] = field(default_factory=dict)
    refine: str = "descent"
    starts: str | None = None
    kick_moves: int = KICK_MOVES
    segments: int | None = None
    conditioning: str = "segments"
    initial_pool: int = 200
    training_size: int = 200
    samples_per_iteration: int | None = None
    temperature: float | None = None
    iterations: int | None = None
    continuation: bool = True
    relay: bool = True
    generator_options: dict[str, Any] = field(default_factory=dict)
    name: str = "geo"

    def __post_init__(self) -> None:
        if self.seed_method not in SEED_METHODS:
            raise GeoError(f"unknown seed method {self.seed_method!r}", f"use one of: {', '.join(SEED_METHODS)}")
        if self.starts is None:
            # the circuit has no move ratios of its own (its log-probability of every neighbour
            # would do, but its novelty and acceptance are measured on what it samples)
            self.starts = "kick" if self.generator == "qcbm" else "swaps"
        if self.starts not in START_MODES:
            raise GeoError(f"unknown start mode {self.starts!r}", f"use one of: {', '.join(START_MODES)}")
        if self.refine not in REFINE_MODES:
            raise GeoError(f"unknown refinement {self.refine!r}", f"use one of: {', '.join(REFINE_MODES)}")
        if self.conditioning not in CONDITIONINGS:
            raise GeoError(f"unknown conditioning {self.conditioning!r}", f"use one of: {', '.join(CONDITIONINGS)}")
        if self.conditioning == "segment-site" and self.generator != "mps":
            raise GeoError(f"--conditioning segment-site needs --generator mps (got {self.generator})",
                           "use --generator mps, or --conditioning segments")
        # Transfer across rebalance dates (:mod:`.transfer`): set by the backtest, not settings of
        # a run, so they stay out of the dataclass fields (and out of the results' settings).
        self.carried_in: Carry | None = None  # what the previous date handed on
        self.hands_on = False  # build ``carry_out`` for the next date
        self.carry_out: Carry | None = None
        for label, value in (("segments", self.segments), ("samples per iteration", self.samples_per_iteration),
                             ("iterations", self.iterations), ("kick moves", self.kick_moves)):
            if value is not None and value < 1:
                raise GeoError(f"GEO {label} must be at least 1 (got {value})", f"give a positive number of {label}")

    @property
    def n_segments(self) -> int:
        if self.segments is not None:
            return self.segments
        # The raw loop is the paper's (one generator), unless conditioning on the segment is what
        # was asked for; a circuit per segment would multiply the QCBM's simulation cost, and
        # `geo circuit` exports one circuit.
        raw_unconditioned = self.refine == "none" and self.conditioning == "segments"
        return 1 if raw_unconditioned or self.generator == "qcbm" else 5

    @property
    def n_samples(self) -> int:
        if self.samples_per_iteration is not None:
            return self.samples_per_iteration
        return 200 if self.refine == "none" else 10 * CANDIDATES_PER_START

    def solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
              deadline: Deadline, progress: ProgressCallback | None = None,
              checkpoint: Checkpoint | None = None) -> MethodRun:
        with evaluator.spending(budget):
            return self._solve(evaluator, rng, budget, deadline, progress, checkpoint)

    def _solve(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
               deadline: Deadline, progress: ProgressCallback | None, checkpoint: Checkpoint | None) -> MethodRun:
        iterations = self.iterations if self.iterations is not None else (
            None if budget or deadline.seconds else DEFAULT_ITERATIONS)
        if deadline.seconds is not None:
            # Leave time for the final answer (scanning the memo, solving each target's portfolio),
            # so that --time-limit bounds the whole command.
            deadline = Deadline(max(0.0, deadline.remaining() - FINISH_RESERVE_SHARE * deadline.seconds
                                    - FINISH_RESERVE_S))
        saved = checkpoint.load() if checkpoint else None
        state = self._start(evaluator, rng, budget, deadline) if saved is None else self._resume(saved, evaluator, rng)
        idle = 0
        stopped_by = "iterations"
        while True:
            if deadline.expired():
                stopped_by = "time"
                break
            if evaluator.remaining <= 0:
                stopped_by = "budget"
                break
            if iterations is not None and len(state.history) >= iterations:
                break
            if idle >= MAX_IDLE_ITERATIONS:
                stopped_by = "nothing new to propose"
                break
            if deadline.seconds is not None and deadline.remaining() < state.last_fit_seconds:
                stopped_by = "time"  # too little time left to fit the generators again
                break
            spent = evaluator.n_evaluations
            if self.refine != "none":  # every refinement mode descends; "none" is the paper's raw loop
                record = self._iterate_descent(state, evaluator, rng, deadline)
            else:
                record = self._iterate_raw(state, evaluator, rng, deadline)
            record.update(state.models.generator_reports())  # re-read after sampling: acceptance, novelty
            change = state.exploration.update(record["exploration"])
            state.history.append({"iteration": len(state.history) + 1, **record, "exploration_change": change})
            idle = idle + 1 if evaluator.n_evaluations == spent else 0
            if progress:
                progress(len(state.history), iterations or len(state.history) + 1)
            if checkpoint:
                checkpoint.save(snapshot(evaluator, rng, loop=state))
        points = best_known_points(evaluator, unsolved_status="time_limit" if deadline.expired() else "not_found")
        if self.hands_on:
            self.carry_out = carry_from(state, evaluator)
        return MethodRun(points, self._details(state, evaluator, stopped_by))

    # -- set-up -------------------------------------------------------------------------------
    def _start(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
               deadline: Deadline) -> "LoopState":
        n_columns = len(evaluator.grid)
        state = LoopState(pool=Pool(evaluator),
                          models=SegmentedGenerators(self.generator, self.generator_options, n_columns, self.n_segments,
                                                     self.conditioning),
                          schedule=TargetSchedule(n_columns), exploration=Exploration())
        before = evaluator.n_evaluations
        answers, extras = self._seed_selections(evaluator, rng, budget, deadline)
        state.seed_evaluations = evaluator.n_evaluations - before
        state.seed_stopped_by = ("budget" if evaluator.remaining <= 0 else "time" if deadline.expired()
                                 else "its own end")
        state.pool.add(answers)
        state.pool.add_known(extras)
        state.seed_costs = evaluator.best_known()[1]
        if self.carried_in is not None:
            state.transfer = take_carry(self.carried_in, state, evaluator)
        return state

    def _resume(self, saved: dict[str, Any], evaluator: SelectionEvaluator, rng: np.random.Generator) -> "LoopState":
        return restore_snapshot(saved, evaluator, rng)["loop"].reattach(evaluator)

    def _seed_selections(self, evaluator: SelectionEvaluator, rng: np.random.Generator, budget: int | None,
                         deadline: Deadline) -> tuple[np.ndarray, np.ndarray]:
        """The starting pool: selections to price at every target, and selections to keep at the
        targets where they are already priced (the seed method's runners-up).

        Booster mode runs the seed method on the whole budget and time, exactly as it would run
        alone; it stops at its own end (local search's sweep: one descent per target), and the
        loop spends what is left. So GEO is never worse than its seed, and with too little
        budget for the seed's sweep it returns the seed's answers. Stand-alone mode answers
        every target cheaply first (one evaluation each), then draws its random pool from at
        most half of what is left.
        """
        problem = evaluator.problem
        none = np.zeros((0, problem.n_assets), dtype=bool)
        if self.seed_method == "random":
            answer_every_target(evaluator, deadline)  # answers only: they stay out of the training pool
            count = self.initial_pool
            if budget is not None:
                count = max(1, min(count, int(evaluator.remaining) // (2 * len(evaluator.grid))))
            selections = random_selections(problem, count, rng)
            return selections[problem.valid_size(selections.sum(axis=1))], none
        from geo.methods.registry import make_method

        options = {**SEED_OPTIONS.get(self.seed_method, {}), **self.seed_options}
        run = make_method(self.seed_method, **options).solve(evaluator, rng, budget, deadline)
        answers = [problem.selection_from_tickers(list(p.weights)) for p in run.points if p.weights]
        runners_up = top_selections_per_target(evaluator, SEEDS_PER_TARGET)
        return (np.array(answers, dtype=bool).reshape(-1, problem.n_assets),
                np.array(runners_up, dtype=bool).reshape(-1, problem.n_assets))

    # -- one iteration ------------------------------------------------------------------------
    def _iterate_descent(self, state: "LoopState", evaluator: SelectionEvaluator, rng: np.random.Generator,
                         deadline: Deadline) -> dict[str, Any]:
        """Fit, then refine one start at each of the next targets of the schedule: a relay start
        (a nearby target's answer, :func:`~.proposals.relay_starts`) where one is pending, else a
        learned one."""
        problem, pool = evaluator.problem, state.pool
        training = self._fit(state, rng, deadline)
        n_starts = self._starts_per_iteration(state, deadline)
        best_before = pool.best_costs()
        columns = state.schedule.next_columns(n_starts, best_before)
        searching = time.perf_counter()  # proposing and refining: what a start costs
        relays = relay_starts(pool, columns, state.relayed) if self.relay else [None] * len(columns)
        learned = np.array([relay is None for relay in relays], dtype=bool)
        proposals = propose_starts(self.starts, state.models, pool, state.started, columns[learned], problem, rng,
                                   state.exploration.prior_share, CANDIDATES_PER_START, self.kick_moves, deadline)
        generated = iter(proposals.starts)
        starts = [next(generated) if relay is None else Proposal(relay, from_generator=False) for relay in relays]
        descent = descent_for(self.refine, evaluator, rng, deadline,
                              lambda column: state.models.model_of(column).neighbour_scores)
        work = {"starts": 0, "descents": 0, "moves": 0, "already_optimal": 0, "starts_improving": 0,
                "generator_starts": 0, "generator_evaluations": 0, "relay_starts": 0}
        improved_by_generator: set[int] = set()
        n_better = 0
        for column, proposal, relay in zip(columns, starts, relays):
            if evaluator.remaining <= 0 or deadline.expired():
                continue
            if proposal is None:
                # Counted as served: a target with nothing new to start from must not keep its
                # place at the head of the schedule and crowd out the targets that have.
                state.schedule.record(int(column))
                continue
            start, spent = proposal.start, evaluator.n_evaluations
            state.started.add(selection_keys(start[None, :])[0])
            result = refine(evaluator, start, int(column), pool.best_costs(), deadline, descent, state.schedule,
                            self.continuation)
            start_cost = evaluator.costs(start, [int(column)])[0, 0]  # a memo hit: the descent priced it
            n_better += int(relay is None and start_cost < best_before[column])  # the proposals' quality
            if not deadline.expired():  # past it no iteration will train on them; the memo keeps them
                pool.add(np.array(result.optima))
            work["starts"] += 1
            work["relay_starts"] += int(relay is not None)
            work["descents"] += result.descents
            work["moves"] += result.moves
            work["already_optimal"] += int(result.already_optimal)
            work["starts_improving"] += int(bool(result.improved_columns))
            if proposal.from_generator:
                work["generator_starts"] += 1
                work["generator_evaluations"] += evaluator.n_evaluations - spent
                improved_by_generator.update(result.improved_columns)
        state.last_search = (time.perf_counter() - searching, work["starts"])
        quality = GeneratorQuality(proposals.n_samples, proposals.n_new, proposals.n_valid_new, n_better)
        return {**quality.to_dict(), **training, **self._refinement_record(work),
                "targets_improved_by_generator": len(improved_by_generator),
                "evaluations": evaluator.n_evaluations, **frontier_progress(best_before, pool.best_costs())}

    def _iterate_raw(self, state: "LoopState", evaluator: SelectionEvaluator, rng: np.random.Generator,
                     deadline: Deadline) -> dict[str, Any]:
        """The paper's loop: samples are priced at every target as they are, no refinement."""
        problem, pool = evaluator.problem, state.pool
        training = self._fit(state, rng, deadline)
        n_columns = len(evaluator.grid)
        per_column = int(np.ceil(self.n_samples / n_columns))
        blocks = state.models.sample_for(np.arange(n_columns), per_column, rng, problem, sampling_sizes(problem),
                                         state.exploration.prior_share)
        samples = blocks.reshape(-1, problem.n_assets)[rng.permutation(n_columns * per_column)[: self.n_samples]]
        samples = within_changes(problem, samples, rng)
        valid = problem.valid_size(samples.sum(axis=1))
        new = first_unseen(samples, pool)
        best_before = pool.best_costs()
        priced = pool.add(samples[new & valid])
        n_better = int(np.sum(np.any(priced < best_before[None, :], axis=1))) if len(priced) else 0
        quality = GeneratorQuality(len(samples), int(new.sum()), int((new & valid).sum()), n_better)
        return {**quality.to_dict(), **training, "evaluations": evaluator.n_evaluations,
                **frontier_progress(best_before, pool.best_costs())}

    def _starts_per_iteration(self, state: "LoopState", deadline: Deadline) -> int:
        """``samples / CANDIDATES_PER_START`` starts an iteration; under a time limit at least as
        many as take the time of the last fit to refine. Why: at 5 s a frontier on port3 the MPS's
        fits took most of each iteration, and its 70 starts barely served the 50 targets once,
        where uniform moves (no fit) served them many times. Budget runs keep the fixed count, so
        that they stay reproducible."""
        base = max(1, self.n_samples // CANDIDATES_PER_START)
        seconds, starts = state.last_search
        if deadline.seconds is None or starts == 0 or seconds <= 0:
            return base
        return max(base, int(np.ceil(state.last_fit_seconds * starts / seconds)))

    def _fit(self, state: "LoopState", rng: np.random.Generator, deadline: Deadline) -> dict[str, Any]:
        started = time.perf_counter()
        training = state.models.fit(state.pool, self.training_size, self.temperature,
                                    state.exploration.temperature_scale, rng, deadline)
        state.last_fit_seconds = time.perf_counter() - started
        return training

    @staticmethod
    def _refinement_record(work: dict[str, int]) -> dict[str, Any]:
        starts = work["starts"]
        return {**work, "moves_per_start": work["moves"] / starts if starts else None,
                "already_optimal_share": work["already_optimal"] / starts if starts else None}

    # -- results ------------------------------------------------------------------------------
    def _details(self, state: "LoopState", evaluator: SelectionEvaluator, stopped_by: str) -> dict[str, Any]:
        final = evaluator.best_known()[1]
        circuits = state.models.circuit_records(evaluator.problem.tickers) if state.history else []
        quantum = {"circuit": circuits[0], "circuits": circuits} if circuits else {}
        return {**quantum, "generator": self.generator, "seed_method": self.seed_method,
                "mode": "stand-alone" if self.seed_method == "random" else "booster",
                "refine": self.refine, "starts": self.starts, "kick_moves": self.kick_moves, "segments": len(state.models.models),
                "conditioning": self.conditioning,
                "seed_evaluations": state.seed_evaluations, "seed_stopped_by": state.seed_stopped_by,
                **({"transfer": state.transfer} if state.transfer is not None else {}),
                "pool_size": state.pool.size,
                "iterations": state.history, "stopped_by": stopped_by,
                "sampling_sizes": list(map(int, sampling_sizes(evaluator.problem))),
                "improvement_over_seed": improvement_over_seed(evaluator.grid.values, state.seed_costs, final)}


@dataclass
class LoopState:
    """Everything the loop carries from one iteration to the next (and into a checkpoint)."""

    pool: Pool
    models: SegmentedGenerators
    schedule: TargetSchedule
    exploration: Exploration
    history: list[dict[str, Any]] = field(default_factory=list)
    started: set[bytes] = field(default_factory=set)
    relayed: set[tuple[bytes, int]] = field(default_factory=set)  # (selection, target) relay starts
    seed_evaluations: int = 0
    seed_stopped_by: str | None = None
    seed_costs: np.ndarray | None = None
    last_fit_seconds: float = 0.0
    last_search: tuple[float, int] = (0.0, 0)  # the last iteration's refinement: seconds, starts
    transfer: dict[str, Any] | None = None  # what the previous rebalance date handed on

    def started_mask(self, selections: np.ndarray) -> np.ndarray:
        return np.array([key in self.started for key in selection_keys(selections)], dtype=bool)

    def __getstate__(self) -> dict[str, Any]:
        # The evaluator travels in the checkpoint's own slot: keep the pool's arrays only.
        state = dict(self.__dict__)
        state["pool"] = (self.pool.selections, self.pool.costs)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # checkpoints written before relay starts and time-balanced iterations
        self.__dict__.update({"relayed": set(), "last_search": (0.0, 0), **state})

    def reattach(self, evaluator: SelectionEvaluator) -> "LoopState":
        """After unpickling: rebuild the pool on ``evaluator``."""
        selections, costs = self.pool
        self.pool = Pool(evaluator)
        self.pool.extend(selections, costs)
        return self


def frontier_progress(before: np.ndarray, after: np.ndarray) -> dict[str, Any]:
    finite = np.isfinite(after)
    return {"targets_improved": int(np.sum(after < before)),
            "mean_best_cost": float(np.mean(after[finite])) if finite.any() else None}


def improvement_over_seed(parameters: np.ndarray, seed: np.ndarray | None, final: np.ndarray) -> list[dict[str, Any]]:
    """Per target: the seed's best cost, GEO's, and the improvement in percent (>= 0 always:
    the seed's answers stay in the result)."""
    if seed is None:
        return []
    rows = []
    for parameter, before, after in zip(parameters, seed, final):
        improvement = None
        if np.isfinite(before) and np.isfinite(after) and before != 0:
            improvement = 100.0 * (before - after) / abs(before)
        rows.append({"parameter": float(parameter), "seed_cost": float(before) if np.isfinite(before) else None,
                     "final_cost": float(after) if np.isfinite(after) else None, "improvement_pct": improvement})
    return rows
