"""One MPS over the asset bits plus a label site: a generator conditioned on a label (issue 8 §2).

GEO's frontier segments want different assets. Instead of one MPS per segment, this models the
joint ``p(x, s) = psi(x, s)^2 / Z`` of a selection ``x`` (N bits) and its segment ``s`` (one
site of physical dimension L, the number of labels), and samples ``p(x | s)`` with ``s`` fixed.

* Training: an :class:`~geo.generators.mps.MPSGenerator` with ``physical_dims = {label site: L}``
  (the same two-site sweeps; a merged tensor at the label site has ``2 L`` values instead of 4),
  on the rows ``(x, s)``: every segment's training selections labelled by their segment.
* Conditioning: fixing ``s`` contracts the label site with the one-hot vector ``e_s``, i.e.
  takes the matrix ``A[:, s, :]``; absorbed into a neighbouring site it leaves an ordinary MPS
  over the N bits whose Born distribution is ``p(x | s)``. That MPS goes through the shared
  size-conditioned sampler (:func:`~geo.generators.mps_sampling.sample_mps`) and exact
  ``log_prob``: nothing of the MPS's sampling is duplicated.
* Where the label sits: in the middle of the chain by default (``label_position="middle"``).
  The label acts on a bit only through the bonds between them, and a bond of dimension D passes
  at most D independent directions. At one end, all N bits hear the label through one bond of
  dimension D (2 by default), fewer than the 5 segments, so segments would share directions
  and blur. In the middle, the label tensor ``(D, L, D)`` reaches each half through its own
  bond (up to D^2 = 4 combinations with D = 2), and the longest path from label to asset is
  halved. ``"start"`` and ``"end"`` remain for comparison.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from geo.generators.mps import MPSGenerator
from geo.generators.mps_sampling import log_abs_amplitudes, log_norm, sample_mps, single_threaded_blas

LABEL_POSITIONS = ("middle", "start", "end")


class LabelledMPSGenerator:
    """An MPS over N bits and one label site of ``n_labels`` values; sampled with the label fixed.

    ``mps_options`` are :class:`~geo.generators.mps.MPSGenerator`'s (``max_bond``,
    ``n_sweeps``, ...), so the per-segment and the labelled model train alike.
    """

    conditions_on_size = True

    def __init__(self, n_labels: int, label_position: str = "middle", **mps_options: Any) -> None:
        if n_labels < 1:
            raise ValueError("n_labels must be at least 1")
        if label_position not in LABEL_POSITIONS:
            raise ValueError(f"label_position must be one of {', '.join(LABEL_POSITIONS)}")
        self.n_labels = int(n_labels)
        self.label_position = label_position
        self.mps_options = mps_options
        self.mps_: MPSGenerator | None = None
        self.label_site_: int | None = None
        self._conditioned: dict[int, list[np.ndarray]] = {}

    def fit(self, bitstrings: np.ndarray, labels: np.ndarray, weights: np.ndarray,
            rng: np.random.Generator) -> "LabelledMPSGenerator":
        """Fit ``p(x, s)`` to rows ``bitstrings`` (M, N) labelled ``labels`` (M,) with ``weights``;
        a further call warm-starts from the current tensors."""
        bits = np.asarray(bitstrings, dtype=bool)
        labels = np.asarray(labels, dtype=np.intp).reshape(-1)
        if len(labels) != len(bits) or (len(labels) and not 0 <= labels.min() <= labels.max() < self.n_labels):
            raise ValueError(f"one label in 0..{self.n_labels - 1} per bitstring")
        if self.mps_ is None:
            self.label_site_ = {"middle": bits.shape[1] // 2, "start": 0, "end": bits.shape[1]}[self.label_position]
            # no independent floor: it has no label site (the labelled model is the MPS alone)
            self.mps_ = MPSGenerator(**{**self.mps_options, "floor_weight": 0.0},
                                     physical_dims={self.label_site_: self.n_labels})
        rows = np.insert(bits.astype(np.intp), self.label_site_, labels, axis=1)
        self.mps_.fit(rows, weights, rng)
        self._conditioned = {}
        return self

    def conditioned_tensors(self, label: int) -> list[np.ndarray]:
        """The N-bit MPS of ``p(x | s = label)`` (unnormalised): the label site contracted with
        ``e_label`` and absorbed into its neighbour."""
        if label not in self._conditioned:
            tensors = list(self._fitted().tensors_)
            site = self.label_site_
            matrix = tensors.pop(site)[:, int(label), :]  # (D_left, D_right)
            if site > 0:  # into the left neighbour: (Dl, 2, D) @ (D, Dr)
                tensors[site - 1] = np.tensordot(tensors[site - 1], matrix, axes=(2, 0))
            else:  # the label is site 0: matrix is (1, Dr), absorbed into the first bit
                tensors[0] = np.tensordot(matrix, tensors[0], axes=(1, 0))
            self._conditioned[label] = tensors
        return self._conditioned[label]

    def sample(self, n_samples: int, rng: np.random.Generator, label: int,
               sizes: Sequence[int] | None = None) -> np.ndarray:
        """Exact samples of ``p(x | s = label)``; with ``sizes``, of exactly those sizes."""
        return sample_mps(self.conditioned_tensors(label), n_samples, rng, sizes)

    def log_prob(self, bitstrings: np.ndarray, label: int) -> np.ndarray:
        """Exact ``log p(x | s = label)`` (not conditioned on the size)."""
        tensors = self.conditioned_tensors(label)
        with single_threaded_blas():
            return 2.0 * log_abs_amplitudes(tensors, bitstrings) - log_norm(tensors)

    def _fitted(self) -> MPSGenerator:
        if self.mps_ is None or self.mps_.tensors_ is None:
            raise RuntimeError("fit the generator before sampling")
        return self.mps_
