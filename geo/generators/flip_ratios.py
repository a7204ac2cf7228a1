"""How a model's probability changes under one move of a selection: every single flip and every
swap at once (issue 17 §2, learned swap proposals).

For a selection ``x`` (N bits) a search moves by flipping one bit (an asset dropped or added)
or two (a swap: one held asset for one not held). A generator ranks those moves by the ratios
``p(x') / p(x)``. Pricing each neighbour through ``log_prob`` would cost ``O(K (N - K) N D^2)``
for an MPS; from left and right environments all of them come in ``O(N^2 D^2)``:

* ``l_k`` = ``A_0[x_0] ... A_{k-1}[x_{k-1}]`` (a row vector) and ``r_k`` = ``A_k[x_k] ...
  A_{N-1}[x_{N-1}]`` (a column vector), so ``psi(x) = l_k A_k[x_k] r_{k+1}`` at every ``k``;
* one flip at ``k``: ``psi = l_k A_k[1 - x_k] r_{k+1}``;
* two flips at ``i < m``: ``psi = v_i^{(m)} A_m[1 - x_m] r_{m+1}`` with the open row
  ``v_i^{(m)} = l_i A_i[1 - x_i] A_{i+1}[x_{i+1}] ... A_{m-1}[x_{m-1}]``. All open rows travel
  left to right together, one small matrix product a site.

Each ratio is taken at one site against ``psi(x)`` computed there with the same right
environment, and the open rows are rescaled by the same factor as ``l``: the ratios are exact
whatever the scale of the amplitudes. The Born probability is ``psi^2``, so
``log p(x') - log p(x) = 2 log |psi(x') / psi(x)|`` (the normalisation cancels).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from geo.generators.mps_sampling import check_tensors, single_threaded_blas


def flip_log_ratios(tensors: Sequence[np.ndarray], selection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(singles, pairs)`` for the MPS ``tensors`` at the bitstring ``selection`` (N,):
    ``singles[k] = log p(x with bit k flipped) - log p(x)``; ``pairs[i, m]`` (i < m; the rest
    NaN) the same with bits i and m both flipped. -inf where the flipped string has amplitude 0;
    all +inf (or NaN) if ``x`` itself has amplitude 0."""
    singles, pairs, _ = flip_log_ratios_at(tensors, selection)
    return singles, pairs


def flip_log_ratios_at(tensors: Sequence[np.ndarray], selection: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`flip_log_ratios` and ``log |psi(x)|`` (unnormalised), a by-product of the sweep."""
    tensors = check_tensors(tensors)
    bits = np.asarray(selection, dtype=bool).reshape(-1)
    n = len(tensors)
    if len(bits) != n:
        raise ValueError(f"selection must have {n} bits, got {len(bits)}")
    with single_threaded_blas(), np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _flip_log_ratios(tensors, bits.astype(np.intp))


def _flip_log_ratios(tensors: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    n = len(tensors)
    right = [np.ones(1)] * (n + 1)  # right[k] = r_k, normalised
    for k in range(n - 1, -1, -1):
        vector = tensors[k][:, x[k], :] @ right[k + 1]
        right[k] = vector / _norm(vector)
    singles = np.full(n, np.nan)
    pairs = np.full((n, n), np.nan)
    left = np.ones(1)
    log_scale = 0.0  # psi(x) = exp(log_scale) * left at the end
    open_rows = np.zeros((0, 1))  # row i: v_i at the current site, on the scale of ``left``
    for m in range(n):
        keep, flip = tensors[m][:, x[m], :], tensors[m][:, 1 - x[m], :]
        # numpy scalars: a zero amplitude of x gives +inf (or NaN) ratios, never an exception
        here = np.float64(left @ keep @ right[m + 1])  # psi(x) on this site's scale
        singles[m] = 2.0 * np.log(np.abs(np.float64(left @ flip @ right[m + 1]) / here))
        if len(open_rows):
            pairs[:m, m] = 2.0 * np.log(np.abs((open_rows @ (flip @ right[m + 1])) / here))
        stepped = left @ keep
        scale = _norm(stepped)
        open_rows = np.vstack([open_rows @ keep, (left @ flip)[None, :]]) / scale
        left = stepped / scale
        log_scale += np.log(scale)
    return singles, pairs, float(log_scale + np.log(np.abs(left[0])))


def _norm(vector: np.ndarray) -> float:
    value = float(np.linalg.norm(vector))
    return value if value > 0 else 1.0


def swap_log_ratios(singles: np.ndarray, pairs: np.ndarray, selection: np.ndarray,
                    neighbours: np.ndarray) -> np.ndarray:
    """``log p(neighbour) - log p(selection)`` of each neighbour one move away (a swap, a drop
    or an add, rows of ``neighbours``), read from :func:`flip_log_ratios`' tables."""
    selection = np.asarray(selection, dtype=bool)
    changed = neighbours != selection[None, :]
    count = changed.sum(axis=1)
    if np.any((count < 1) | (count > 2)):
        raise ValueError("every neighbour must differ from the selection in one or two bits")
    first = np.argmax(changed, axis=1)
    last = changed.shape[1] - 1 - np.argmax(changed[:, ::-1], axis=1)
    return np.where(count == 1, singles[first], pairs[first, np.maximum(last, first)])
