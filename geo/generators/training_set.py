"""The weighted training set every generator learns from: distinct rows, normalised weights,
and the smoothed per-site marginals of the product model."""

from __future__ import annotations

import numpy as np


def weighted_marginals(bitstrings: np.ndarray, weights: np.ndarray, smoothing: float) -> np.ndarray:
    """``P(x_i = 1)`` per site: weighted mean with ``smoothing`` pseudo-weight on each value."""
    frequency = np.asarray(weights, dtype=float) @ np.asarray(bitstrings, dtype=float)
    return (frequency + smoothing) / (1.0 + 2.0 * smoothing)


def check_training_set(bitstrings: np.ndarray, weights: np.ndarray,
                       physical_dims: dict[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows (bool; integer states when ``physical_dims`` names sites of more than two
    values) with their summed weights, normalised to sum 1."""
    bits = np.asarray(bitstrings)
    if bits.ndim != 2 or bits.shape[0] == 0 or bits.shape[1] == 0:
        raise ValueError(f"bitstrings must have shape (M, N) with M, N >= 1, got {bits.shape}")
    if physical_dims:
        bits = bits.astype(np.intp)
        for site, dim in physical_dims.items():
            if not 0 <= site < bits.shape[1] or bits[:, site].min() < 0 or bits[:, site].max() >= dim:
                raise ValueError(f"site {site} takes values 0..{dim - 1}")
    else:
        bits = bits.astype(bool)
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != bits.shape[0]:
        raise ValueError(f"{bits.shape[0]} bitstrings but {w.shape[0]} weights")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    unique, inverse = np.unique(bits, axis=0, return_inverse=True)
    merged = np.bincount(inverse.reshape(-1), weights=w, minlength=len(unique))
    keep = merged > 0
    return unique[keep], merged[keep] / merged[keep].sum()
