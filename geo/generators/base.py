"""The protocol every generative model of the GEO loop follows.

A generator learns a distribution over asset selections (bitstrings x in {0,1}^N) from a
weighted training set and proposes new selections. Hyperparameters are constructor
arguments; what ``fit`` learns lives in attributes ending in ``_`` (scikit-learn style), so a
generator can be re-fitted (warm-started from its current state) every GEO iteration.
All randomness comes from the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Generator(Protocol):
    name: str

    def fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "Generator":
        """Learn from ``bitstrings`` (bool, shape (M, N)) with probabilities ``weights`` (M,), summing to 1.

        A second call continues from the current parameters (warm start).
        """

    def sample(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None = None) -> np.ndarray:
        """``n_samples`` bitstrings (bool, shape (n_samples, N)).

        ``sizes``: when given, the numbers of ones a sample may have (``(K,)`` for exactly K,
        ``(1, ..., K)`` for at most K). A generator that can condition on it exactly does so;
        one that cannot ignores it, and the loop counts the samples of a wrong size.
        """

    def log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        """Natural log of the model probability of each bitstring (unconditioned)."""

    @property
    def conditions_on_size(self) -> bool:
        """Whether ``sample`` honours ``sizes`` exactly (no sample of a wrong size)."""


def promising_assets(bitstrings: np.ndarray, weights: np.ndarray, m: int) -> np.ndarray:
    """The ``m`` assets a generator limited to ``m`` sites (a QCBM's qubits) should model.

    Rule: rank assets by weighted frequency in the training set, sum_i w_i x_ij (the training
    weight of the selections holding asset j), largest first, ties by the smaller index; keep
    the top ``m``, sorted by index. The GEO loop fixes the other assets to 0.
    """
    bitstrings = np.asarray(bitstrings, dtype=bool)
    n = bitstrings.shape[1]
    frequency = np.asarray(weights, dtype=float) @ bitstrings
    ranked = np.lexsort((np.arange(n), -frequency))
    return np.sort(ranked[: max(0, min(int(m), n))])
