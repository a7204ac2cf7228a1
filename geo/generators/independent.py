"""Independent Bernoulli sites: the bond-dimension-1 MPS, fitted in closed form.

``p(x) = prod_i p_i^{x_i} (1 - p_i)^{1 - x_i}`` with ``p_i`` the weighted mean of bit i plus
``smoothing`` pseudo-weight on each value, ``p_i = (sum_m w_m x_mi + a) / (1 + 2 a)``, so no
probability is 0 or 1 (an asset never seen can still be proposed; one always held can be
dropped). With ``a = 0.01`` every ``p_i`` lies in [0.0098, 0.9902].

This is the maximum-likelihood product model (up to the smoothing), so a refit simply recomputes
it from the new data: the "warm start" of the protocol is trivially satisfied (there is nothing
to continue from). Sampling, plain or exactly conditioned on the number of ones, goes through
the same count-carrying sampler as the MPS (:func:`geo.generators.mps_sampling.sample_mps`) on
site tensors ``A_i[0, s, 0] = sqrt(P(x_i = s))``: one implementation of conditioned sampling.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from geo.generators.mps_sampling import sample_mps
from geo.generators.training_set import check_training_set, weighted_marginals


class IndependentGenerator:
    """Product of independent Bernoullis (an MPS of bond dimension 1)."""

    conditions_on_size = True

    def __init__(self, smoothing: float = 0.01, name: str = "independent") -> None:
        if not smoothing > 0:
            raise ValueError("smoothing must be positive (no probability may be 0 or 1)")
        self.smoothing = float(smoothing)
        self.name = name
        self.marginals_: np.ndarray | None = None

    def fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "IndependentGenerator":
        bits, w = check_training_set(bitstrings, weights)
        if self.marginals_ is not None and len(self.marginals_) != bits.shape[1]:
            raise ValueError(f"refit needs the same number of sites ({len(self.marginals_)}), got {bits.shape[1]}")
        self.marginals_ = weighted_marginals(bits, w, self.smoothing)
        return self

    @property
    def tensors(self) -> list[np.ndarray]:
        """The model as MPS site tensors of bond dimension 1 (normalised: Z = 1)."""
        p1 = self._fitted()
        return [np.sqrt(np.array([1.0 - p, p])).reshape(1, 2, 1) for p in p1]

    def sample(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None = None) -> np.ndarray:
        return sample_mps(self.tensors, n_samples, rng, sizes)

    def log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        p1 = self._fitted()
        bits = np.asarray(bitstrings, dtype=bool)
        if bits.ndim != 2 or bits.shape[1] != len(p1):
            raise ValueError(f"bitstrings must have shape (M, {len(p1)}), got {bits.shape}")
        return bits @ np.log(p1) + (~bits) @ np.log1p(-p1)

    def flip_log_ratios(self, selection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``log p(x') - log p(x)`` of every one- and two-bit flip of ``selection``, from the
        marginals: flipping bit k adds ``+-log(p_k / (1 - p_k))``, flips add up."""
        p1 = self._fitted()
        bits = np.asarray(selection, dtype=bool).reshape(-1)
        odds = np.log(p1) - np.log1p(-p1)
        singles = np.where(bits, -odds, odds)
        return singles, singles[:, None] + singles[None, :]

    def _fitted(self) -> np.ndarray:
        if self.marginals_ is None:
            raise RuntimeError("fit the generator before sampling")
        return self.marginals_
