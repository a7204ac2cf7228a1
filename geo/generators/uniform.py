"""Uniformly random selections: the "learns nothing" generator.

Run through the GEO loop it is plain random search at the same evaluation budget, the floor
every learned generator must beat.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


class UniformGenerator:
    """Every selection of an allowed size equally likely (sizes weighted by their count)."""

    name = "uniform"
    conditions_on_size = True

    def __init__(self) -> None:
        self.n_sites_: int | None = None

    def fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "UniformGenerator":
        self.n_sites_ = bitstrings.shape[1]
        return self

    def sample(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None = None) -> np.ndarray:
        n = self._sites()
        if sizes is None:
            return rng.random((n_samples, n)) < 0.5
        sizes = np.asarray(sizes)
        log_counts = np.array([_log_binomial(n, int(s)) for s in sizes])
        probs = np.exp(log_counts - log_counts.max())
        chosen = rng.choice(sizes, size=n_samples, p=probs / probs.sum())
        ranks = np.argsort(np.argsort(rng.random((n_samples, n)), axis=1), axis=1)
        return ranks < chosen[:, None]

    def log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        return np.full(len(bitstrings), -self._sites() * np.log(2.0))

    def flip_log_ratios(self, selection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every flip leaves the probability as it is: all log-ratios 0 (a search that ranks
        moves by them must break the ties at random, which makes this the random control)."""
        n = self._sites()
        return np.zeros(n), np.zeros((n, n))

    def _sites(self) -> int:
        if self.n_sites_ is None:
            raise RuntimeError("fit the generator before sampling")
        return self.n_sites_


def _log_binomial(n: int, k: int) -> float:
    from math import lgamma

    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
