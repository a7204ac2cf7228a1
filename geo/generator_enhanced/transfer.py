"""Transfer across rebalance dates: what one date's GEO run hands to the next date's run.

A backtest solves a problem per rebalance date, each on the moments of its own trailing window
and its own universe (members enter and leave the index, tickers lose their prices). With
transfer, date t+1's GEO starts from date t's work instead of from nothing:

- ``pool``: date t's best selections (:data:`CARRIED_SELECTIONS`, its answers first), mapped to
  date t+1's universe by ticker. A selection holding an asset that left the universe is
  dropped, the others keep their assets. After date t+1's seed method they are priced on the
  new moments at every target (by the evaluator, counted against that date's budget like any
  evaluation) and join the pool: they can become a target's incumbent, which the kicks start
  from, and they are training data for the generators.
- ``models``: date t's trained generator of each frontier segment, mapped to the new universe,
  in place of a fresh one. An MPS loses the site of an asset that left by contracting it with
  the "not selected" state (its amplitudes conditioned on the asset not held) and gets a
  neutral site for an asset that entered (independent of the others, selected with the
  uniform rate K / N, on the bond it sits on). The first fit of date t+1 then continues from
  the mapped tensors (a warm start) instead of from the product of the marginals. An
  independent model or a uniform generator is refitted in closed form at once, so for them
  the models carry nothing; a circuit (QCBM) and the segment-site MPS are not carried.
- ``all``: both. ``none``: each date starts fresh (the control).

The sites of an MPS follow the universe's ticker order; the common tickers of two dates keep
their relative order (both are columns of one price table). Where they do not, or where the
number of segments differs, the models are not carried and the date says so
(``details.transfer``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from geo.core.errors import GeoError
from geo.generators.independent import IndependentGenerator
from geo.generators.mps import MPSGenerator
from geo.generators.uniform import UniformGenerator
from geo.problem.evaluator import SelectionEvaluator, selection_keys

if TYPE_CHECKING:  # the loop's state; the loop imports this module
    from geo.generator_enhanced.optimizer import LoopState

TRANSFER_MODES = ("none", "pool", "models", "all")
# How many of date t's best selections go to date t+1 (each costs one evaluation per target).
CARRIED_SELECTIONS = 200
# Generators whose trained state can be mapped to another universe.
TRANSFERABLE_GENERATORS = ("mps", "independent", "uniform")
_MPS_PARAMS = ("max_bond", "n_sweeps", "learning_rate", "cutoff", "init_bond", "n_descent_steps", "init_noise",
               "max_halvings", "name", "floor_weight")


@dataclass
class Carry:
    """What a date hands on: its universe, its best selections (best first) and, per frontier
    segment, its trained generator and independent-bits control (None: not carried)."""

    tickers: tuple[str, ...]
    selections: np.ndarray
    models: list[tuple[Any, IndependentGenerator]] | None = None

    def restricted_to(self, mode: str) -> "Carry | None":
        """The part of the carry that ``mode`` hands on (None for ``none``)."""
        check_transfer_mode(mode)
        if mode == "none":
            return None
        keep_pool = mode in ("pool", "all")
        selections = self.selections if keep_pool else self.selections[:0]
        return Carry(self.tickers, selections, self.models if mode in ("models", "all") else None)


def check_transfer_mode(mode: str) -> None:
    if mode not in TRANSFER_MODES:
        raise GeoError(f"unknown transfer {mode!r}", f"use one of: {', '.join(TRANSFER_MODES)}")


def check_transfer(mode: str, method: str, generator: str | None, conditioning: str | None) -> None:
    """One-line errors for a transfer no run can make."""
    check_transfer_mode(mode)
    if mode == "none":
        return
    if method != "geo":
        raise GeoError(f"--transfer {mode} only applies to --method geo (the method is {method})",
                       "add --method geo or use --transfer none")
    if mode in ("models", "all"):
        if generator is not None and generator not in TRANSFERABLE_GENERATORS:
            raise GeoError(f"--transfer {mode} cannot carry a {generator} generator to the next date",
                           f"use --generator {' or '.join(TRANSFERABLE_GENERATORS)}, or --transfer pool")
        if conditioning == "segment-site":
            raise GeoError(f"--transfer {mode} cannot carry the segment-site MPS to the next date",
                           "use --conditioning segments, or --transfer pool")


def remap_selections(selections: np.ndarray, old: Sequence[str], new: Sequence[str]) -> tuple[np.ndarray, int]:
    """``selections`` over the tickers ``old`` as selections over ``new``, with how many were
    dropped because they hold an asset that ``new`` lacks (the order of the rest is kept)."""
    selections = np.asarray(selections, dtype=bool).reshape(-1, len(old))
    position = {ticker: j for j, ticker in enumerate(new)}
    kept = np.array([ticker in position for ticker in old], dtype=bool)
    whole = ~selections[:, ~kept].any(axis=1)
    mapped = np.zeros((int(whole.sum()), len(new)), dtype=bool)
    targets = np.array([position[t] for t, k in zip(old, kept) if k], dtype=np.int64)
    mapped[:, targets] = selections[whole][:, kept]
    return mapped, int((~whole).sum())


def same_order(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether the tickers both universes hold come in the same order in both."""
    common = set(old) & set(new)
    return [t for t in old if t in common] == [t for t in new if t in common]


def remap_mps_tensors(tensors: Sequence[np.ndarray], old: Sequence[str], new: Sequence[str],
                      rate: float) -> list[np.ndarray]:
    """The MPS over ``old`` as an (unnormalised) MPS over ``new``: the site of a ticker ``new``
    lacks is contracted with its "not selected" state, a ticker ``old`` lacks gets a site
    ``sqrt(1 - rate) I`` (not selected) / ``sqrt(rate) I`` (selected) on its bond. Needs the
    common tickers in the same order in both (:func:`same_order`)."""
    if not same_order(old, new):
        raise ValueError("the common tickers must come in the same order in both universes")
    old_site = {ticker: i for i, ticker in enumerate(old)}
    out: list[np.ndarray] = []
    pending: np.ndarray | None = None  # dropped sites' "not selected" matrices, not yet absorbed
    next_old = 0

    def absorb_dropped(until: int) -> None:
        nonlocal pending, next_old
        for i in range(next_old, until):
            matrix = tensors[i][:, 0, :]
            pending = matrix if pending is None else pending @ matrix
        next_old = max(next_old, until)

    for ticker in new:
        if ticker in old_site:
            absorb_dropped(old_site[ticker])
            site = np.asarray(tensors[old_site[ticker]], dtype=float)
            next_old = old_site[ticker] + 1
        else:
            bond = pending.shape[1] if pending is not None else (out[-1].shape[2] if out else 1)
            identity = np.eye(bond)
            site = np.stack([np.sqrt(1.0 - rate) * identity, np.sqrt(rate) * identity], axis=1)
        if pending is not None:
            site = np.tensordot(pending, site, axes=(1, 0))
            pending = None
        out.append(site)
    absorb_dropped(len(old))
    if pending is not None:  # the last sites left: their right bond is the MPS's end (dimension 1)
        out[-1] = np.tensordot(out[-1], pending, axes=(2, 0))
    return out


def remap_generator(generator: Any, old: Sequence[str], new: Sequence[str], rate: float) -> Any | None:
    """A copy of a trained ``generator`` over the universe ``new`` (None: it cannot be mapped)."""
    if isinstance(generator, MPSGenerator) and generator.tensors_ is not None and not generator.physical_dims:
        tensors = remap_mps_tensors(generator.tensors_, old, new, rate)
        return MPSGenerator.from_tensors(tensors, **{name: getattr(generator, name) for name in _MPS_PARAMS})
    if isinstance(generator, IndependentGenerator) and generator.marginals_ is not None:
        remapped = IndependentGenerator(smoothing=generator.smoothing, name=generator.name)
        position = {ticker: i for i, ticker in enumerate(old)}
        remapped.marginals_ = np.array([generator.marginals_[position[t]] if t in position else rate for t in new])
        return remapped
    if isinstance(generator, UniformGenerator):
        remapped = UniformGenerator()
        remapped.n_sites_ = len(new)
        return remapped
    return None


@dataclass
class CarriedIn:
    """A carry mapped to a date's universe, and what the mapping did (for ``details.transfer``)."""

    selections: np.ndarray
    models: list[tuple[Any, IndependentGenerator]] | None
    report: dict[str, Any]


def carry_in(carry: Carry, tickers: Sequence[str], k: int, n_segments: int) -> CarriedIn:
    """``carry`` mapped to the universe ``tickers``: its selections (those holding an asset that
    left dropped) and, when the order and the segments agree, its models."""
    old, new = carry.tickers, tuple(tickers)
    selections, dropped = remap_selections(carry.selections, old, new)
    report: dict[str, Any] = {"assets_left": len(set(old) - set(new)), "assets_entered": len(set(new) - set(old)),
                              "selections_carried": len(selections), "selections_dropped": dropped,
                              "models": "fresh"}
    models = None
    if carry.models is not None:
        if len(carry.models) != n_segments:
            report["models"] = f"fresh: {len(carry.models)} segments carried, {n_segments} wanted"
        elif not same_order(old, new):
            report["models"] = "fresh: the universes order their common tickers differently"
        else:
            rate = k / len(new)
            mapped = [(remap_generator(g, old, new, rate), remap_generator(i, old, new, rate)) for g, i in carry.models]
            if all(g is not None and i is not None for g, i in mapped):
                models, report["models"] = mapped, "carried"
            else:
                report["models"] = "fresh: a generator that cannot be mapped"
    return CarriedIn(selections, models, report)


def take_carry(carry: Carry, state: "LoopState", evaluator: SelectionEvaluator) -> dict[str, Any]:
    """Start from the previous date's work, after the seed: its generators in
    place of fresh ones, its selections priced here (on this date's budget) into the pool."""
    problem = evaluator.problem
    carried = carry_in(carry, problem.tickers, problem.k, len(state.models.models))
    if carried.models is not None:
        for model, (generator, independent) in zip(state.models.models, carried.models):
            model.generator, model.independent = generator, independent
            model.modelled = np.arange(problem.n_assets)
    selections = carried.selections[problem.valid_size(carried.selections.sum(axis=1))]
    if problem.limits_changes:
        selections = selections[problem.holdings.allows(selections)]
    before = evaluator.n_evaluations
    state.pool.add(selections)
    return {**carried.report, "selections_priced": len(selections), "evaluations": evaluator.n_evaluations - before}


def carry_from(state: "LoopState", evaluator: SelectionEvaluator) -> Carry:
    """What this date hands on: every target's answer, then the pool best first (by its score),
    :data:`CARRIED_SELECTIONS` distinct selections in all; and the trained generators
    when every segment has one (not the segment-site views of one MPS)."""
    rows, costs = evaluator.best_known()
    answers = [evaluator.selection_at(int(r)) for r, c in zip(rows, costs) if np.isfinite(c)]
    scores = state.pool.scores()
    order = np.argsort(scores, kind="stable")
    ranked = state.pool.selections[order[np.isfinite(scores[order])]]
    candidates = np.array(answers + list(ranked), dtype=bool).reshape(-1, evaluator.problem.n_assets)
    seen: set[bytes] = set()
    keep = [i for i, key in enumerate(selection_keys(candidates)) if not (key in seen or seen.add(key))]
    models = state.models.models
    carried_models = None
    if state.models.shared is None and all(m.modelled is not None for m in models):
        carried_models = [(m.generator, m.independent) for m in models]
    return Carry(tuple(evaluator.problem.tickers), candidates[keep[:CARRIED_SELECTIONS]], carried_models)
