"""Frontier conditioning by a segment site (``conditioning="segment-site"``, issue 8 §2).

The alternative to one generator per segment (:mod:`.segments`): one MPS over the assets plus a
site holding the segment index (:class:`~geo.generators.mps_labelled.LabelledMPSGenerator`),
trained on the union of the segments' training sets, each selection labelled by its segment,
and sampled with the segment site fixed. The segments then share what they have in common (most
of the frontier holds some of the same low-variance assets) through one set of tensors, instead
of each learning it from its own 200 selections.

To the loop each segment still looks like a generator of its own (:class:`SegmentSiteView`), so
:class:`~.segments.SegmentModel` and :class:`~.segments.SegmentedGenerators` drive both
conditionings alike (sampling, guided descent, held-out NLL). The one difference is when the
training happens: a view's ``fit`` only hands its segment's data over, and the shared model
is trained once on all of it (:meth:`SegmentSiteModel.fit_staged`) after every segment has.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from geo.generators.flip_ratios import flip_log_ratios
from geo.generators.mps_labelled import LabelledMPSGenerator


class SegmentSiteModel:
    """The shared labelled MPS, and the training data the segments' views have handed over."""

    def __init__(self, n_segments: int, options: dict[str, Any]) -> None:
        self.model = LabelledMPSGenerator(n_segments, **options)
        self.views = [SegmentSiteView(self, segment) for segment in range(n_segments)]
        self._staged: list[tuple[int, np.ndarray, np.ndarray]] = []

    def stage(self, segment: int, bitstrings: np.ndarray, weights: np.ndarray) -> None:
        self._staged.append((segment, np.asarray(bitstrings, dtype=bool), np.asarray(weights, dtype=float)))

    def fit_staged(self, rng: np.random.Generator) -> None:
        """Train on every staged segment at once. Each segment's weights sum to 1 and count
        alike (a uniform prior over the segments), so a segment with many near-equal
        selections does not drown the others."""
        if not self._staged:
            return
        bits = np.concatenate([b for _, b, _ in self._staged])
        labels = np.concatenate([np.full(len(b), s) for s, b, _ in self._staged])
        weights = np.concatenate([w / w.sum() for _, _, w in self._staged]) / len(self._staged)
        self._staged = []
        self.model.fit(bits, labels, weights, rng)


class SegmentSiteView:
    """One segment's face of the shared model: the generator protocol with the site fixed."""

    conditions_on_size = True

    def __init__(self, shared: SegmentSiteModel, segment: int) -> None:
        self.shared = shared
        self.segment = segment
        self.name = "mps-segment-site"

    def fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "SegmentSiteView":
        """Hand this segment's training set over; the shared model trains in ``fit_staged``."""
        self.shared.stage(self.segment, bitstrings, weights)
        return self

    def sample(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None = None) -> np.ndarray:
        return self.shared.model.sample(n_samples, rng, self.segment, sizes)

    def log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        return self.shared.model.log_prob(bitstrings, self.segment)

    def flip_log_ratios(self, selection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return flip_log_ratios(self.shared.model.conditioned_tensors(self.segment), selection)
