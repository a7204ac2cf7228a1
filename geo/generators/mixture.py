"""A model smoothed by a floor: ``p(x) = (1 - w) p_model(x) + w p_floor(x)`` (issue 17 §3, NLL).

Why: a GEO training set is a few hundred weighted selections, and 23-75 % of the weight of
the selections the loop finds next holds an asset that no training selection held.
An MPS trained by maximum likelihood gives such an asset almost no probability, so its held-out
NLL was 0.7-2.5 nats above the independent model's, whose pseudo-counts keep every asset
possible. Mixing in that independent model with weight ``w`` bounds the loss on a surprise
(``-log p(x) <= -log w - log p_floor(x)``) and costs at most ``-log(1 - w)`` where the MPS is
right; by concavity of the log the mixture's NLL never exceeds ``(1 - w) NLL_model + w
NLL_floor``. Mixed the same way, the MPS beats the unsmoothed product model (no correlations)
at every weight measured (benchmarks/RESULTS.md, §8f, ``bench_floor``).

Everything stays exact:

* ``log_prob``: a log-sum-exp of the two components' log-probabilities;
* sampling conditioned on the size: a mixture conditioned on ``|x| in sizes`` is the mixture of
  the conditioned components with weights ``(1 - w) P_model(sizes)`` and ``w P_floor(sizes)``,
  so the number of samples from each component is binomial with that share;
* move ratios: ``p(x') / p(x)`` from each component's ratios and its ``log p(x)``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def check_weight(weight: float) -> float:
    weight = float(weight)
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"the floor's weight must lie in [0, 1), got {weight}")
    return weight


def mixture_log_prob(log_p_model: np.ndarray, log_p_floor: np.ndarray, weight: float) -> np.ndarray:
    """``log((1 - w) p_model + w p_floor)``, elementwise."""
    if weight == 0.0:
        return np.asarray(log_p_model, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN in, NaN out
        return np.logaddexp(np.log1p(-weight) + log_p_model, np.log(weight) + log_p_floor)


def floor_share(log_size_model: float, log_size_floor: float, weight: float) -> float:
    """The probability that a sample of the mixture conditioned on its size comes from the
    floor: ``w P_floor(sizes) / ((1 - w) P_model(sizes) + w P_floor(sizes))``."""
    if weight == 0.0:
        return 0.0
    with np.errstate(divide="ignore"):
        model, floor = np.log1p(-weight) + log_size_model, np.log(weight) + log_size_floor
    return float(np.exp(floor - np.logaddexp(model, floor)))


def sample_mixture(sample_model: Callable[[int], np.ndarray], sample_floor: Callable[[int], np.ndarray],
                   n_samples: int, share_of_floor: float, rng: np.random.Generator) -> np.ndarray:
    """``n_samples`` draws: a binomial number from the floor, the rest from the model, in a
    random order (so that any prefix of the draws is itself a sample of the mixture)."""
    from_floor = int(rng.binomial(int(n_samples), share_of_floor)) if share_of_floor > 0 else 0
    draws = np.concatenate([sample_model(int(n_samples) - from_floor), sample_floor(from_floor)])
    return draws[rng.permutation(len(draws))]


def mixture_log_ratios(model: tuple[np.ndarray, np.ndarray], floor: tuple[np.ndarray, np.ndarray],
                       log_p_model: float, log_p_floor: float, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """``(singles, pairs)`` of the mixture from each component's ``(singles, pairs)`` (as
    :func:`~geo.generators.flip_ratios.flip_log_ratios`: ``pairs[i, m]`` for ``i < m``, the rest
    NaN) and its ``log p(x)`` at the current selection ``x``. Where the model gives ``x``
    probability 0 its ratios are undefined and the floor alone ranks the moves."""
    log_x = float(mixture_log_prob(np.array(log_p_model), np.array(log_p_floor), weight))

    def combine(model_ratios: np.ndarray, floor_ratios: np.ndarray) -> np.ndarray:
        model_terms = log_p_model + model_ratios if np.isfinite(log_p_model) else np.full(model_ratios.shape, -np.inf)
        return mixture_log_prob(model_terms, log_p_floor + floor_ratios, weight) - log_x

    pairs = combine(model[1], floor[1])
    pairs[~np.triu(np.ones(pairs.shape, dtype=bool), k=1)] = np.nan
    return combine(model[0], floor[0]), pairs
