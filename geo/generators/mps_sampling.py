"""Exact sampling, amplitudes and norm of a real matrix-product state (MPS) over bits.

Shared by :class:`~geo.generators.mps.MPSGenerator` and
:class:`~geo.generators.independent.IndependentGenerator` (a bond-dimension-1 MPS), so there is one
implementation of size-conditioned sampling.

An MPS is a list of N real site tensors ``A[i]`` of shape ``(D_left, 2, D_right)`` with
``D_left`` of the first and ``D_right`` of the last equal to 1; the amplitude of a bitstring is
``psi(x) = A[0][:, x_0, :] @ ... @ A[N-1][:, x_{N-1}, :]`` and its Born probability
``p(x) = psi(x)^2 / Z``. Any gauge is accepted (the tensors need not be canonical).

Sampling conditioned on the number of ones (DESIGN.md, "Cardinality in the generator"): the right
environments carry a count index. ``E[i][c]`` (a ``D_left(i) x D_left(i)`` matrix) sums
``psi_tail psi_tail^T`` over the tails ``x_i .. x_{N-1}`` such that ``c + |tail|`` is an allowed
size, ``c`` being the number of ones already placed left of site ``i``::

    E[N][c] = [[1]] if c in sizes else 0
    E[i][c] = A0 E[i+1][c] A0^T + A1 E[i+1][c+1] A1^T      (E[i+1][K_max + 1] = 0)

a (K_max + 1)-fold bigger environment than plain sampling needs. Sampling then walks left to
right, all samples at once: with ``v_s = l A[i][:, s, :]`` (``l`` the sample's left vector) the
bit ``s`` is drawn with probability ``v_s E[i+1][c+s] v_s^T`` normalised over ``s``. This is the
exact conditional law ``p(x | |x| in sizes)`` — no rejection, no repair. Each ``E[i][c]`` is
stored trace-normalised with its own log-scale, so no count underflows however unlikely it is,
and left vectors are renormalised every site. Cost: ``O(N K D^3)`` for the environments,
``O(n N D^2)`` for ``n`` samples.
"""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager, nullcontext
from typing import Sequence

import numpy as np
import tensornetwork as tn


def single_threaded_blas() -> AbstractContextManager:
    """Run BLAS on one thread: every product here is small (at most ~1000 x 64), and threaded
    OpenBLAS on such shapes is slower by 10-40x on a busy machine (measured)."""
    controller = _blas_controller()
    return nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@functools.cache
def _blas_controller():
    """One threadpoolctl controller for the process: building one scans the loaded libraries
    (about 2 ms), which a ``threadpool_limits`` per call did thousands of times a GEO run
    (a quarter of its time on port2, measured)."""
    try:
        from threadpoolctl import ThreadpoolController  # a dependency of scikit-learn
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()


def check_tensors(tensors: Sequence[np.ndarray], binary: bool = True) -> list[np.ndarray]:
    """The site tensors as float arrays, with their shapes checked. ``binary=False`` admits
    sites of any physical dimension (a label site, :mod:`geo.generators.mps_labelled`): norms
    and amplitudes work for them, size-conditioned sampling only over bits."""
    if len(tensors) == 0:
        raise ValueError("an MPS needs at least one site")
    out = [np.asarray(t, dtype=float) for t in tensors]
    for i, t in enumerate(out):
        if t.ndim != 3 or (t.shape[1] != 2 if binary else t.shape[1] < 1):
            expected = "2" if binary else "d"
            raise ValueError(f"site tensor {i} must have shape (D_left, {expected}, D_right), got {t.shape}")
        if i and out[i - 1].shape[2] != t.shape[0]:
            raise ValueError(f"bond mismatch between sites {i - 1} and {i}")
    if out[0].shape[0] != 1 or out[-1].shape[2] != 1:
        raise ValueError("the outer bonds of an MPS must have dimension 1")
    return out


def check_sizes(sizes: Sequence[int] | None, n_sites: int) -> np.ndarray | None:
    """Sorted distinct allowed sizes (None stays None); each must lie in 0..n_sites."""
    if sizes is None:
        return None
    values = np.unique(np.asarray(list(sizes), dtype=int))
    if values.size == 0:
        raise ValueError("sizes must not be empty")
    if values[0] < 0 or values[-1] > n_sites:
        raise ValueError(f"sizes must lie in 0..{n_sites}, got {values.tolist()}")
    return values


def log_norm(tensors: Sequence[np.ndarray]) -> float:
    """``log Z = log sum_x psi(x)^2``, by contracting the transfer matrices left to right.

    Uses ``tensornetwork.ncon`` (one small contraction per site), rescaled every site.
    """
    tensors = check_tensors(tensors, binary=False)
    env = np.ones((1, 1))
    log_scale = 0.0
    for a in tensors:
        env = tn.ncon([env, a, a], [[1, 2], [1, 3, -1], [2, 3, -2]], backend="numpy")
        scale = float(np.trace(env))
        if not scale > 0:
            return -np.inf
        env = env / scale
        log_scale += np.log(scale)
    return log_scale + float(np.log(env[0, 0]))


def site_states(bitstrings: np.ndarray) -> np.ndarray:
    """Rows of site values: bool for bits, integers where some site has more than two states."""
    states = np.asarray(bitstrings)
    return states if states.dtype == bool else states.astype(np.intp)


def apply_site(rows: np.ndarray, a: np.ndarray, states: np.ndarray) -> np.ndarray:
    """``rows[m] @ a[:, states[m], :]`` for every row m (an environment extended by one site)."""
    if a.shape[1] == 2:  # bits: both products on every row and a select beat a gather here
        return np.where(states.astype(bool)[:, None], rows @ a[:, 1, :], rows @ a[:, 0, :])
    out = np.zeros((len(rows), a.shape[2]))
    for value in range(a.shape[1]):
        chosen = states == value
        out[chosen] = rows[chosen] @ a[:, value, :]
    return out


def log_abs_amplitudes(tensors: Sequence[np.ndarray], bitstrings: np.ndarray) -> np.ndarray:
    """``log |psi(x)|`` of each row of ``bitstrings`` (M, N), left to right with rescaling."""
    bits = site_states(bitstrings)
    if bits.ndim != 2 or bits.shape[1] != len(tensors):
        raise ValueError(f"bitstrings must have shape (M, {len(tensors)}), got {bits.shape}")
    m = bits.shape[0]
    left = np.ones((m, 1))
    log_scale = np.zeros(m)
    with np.errstate(divide="ignore"):
        for i, a in enumerate(tensors):
            left = apply_site(left, a, bits[:, i])
            norm = np.sqrt(np.einsum("md,md->m", left, left))
            log_scale += np.log(norm)
            left /= np.where(norm > 0, norm, 1.0)[:, None]
        return log_scale + np.log(np.abs(left[:, 0]))


def _right_environments(tensors: list[np.ndarray], sizes: np.ndarray | None):
    """``(E, log_scale)`` per boundary 0..N: E[i] of shape (C, D, D), log_scale[i] of shape (C,).

    C = K_max + 1 counts when conditioning, 1 otherwise.
    """
    n = len(tensors)
    counts = 1 if sizes is None else int(sizes[-1]) + 1
    env = np.zeros((counts, 1, 1))
    log_scale = np.full(counts, -np.inf)
    if sizes is None:
        env[0] = 1.0
        log_scale[0] = 0.0
    else:
        env[sizes] = 1.0
        log_scale[sizes] = 0.0
    envs: list[np.ndarray] = [np.empty(0)] * (n + 1)
    scales: list[np.ndarray] = [np.empty(0)] * (n + 1)
    envs[n], scales[n] = env, log_scale
    for i in range(n - 1, -1, -1):
        a0, a1 = tensors[i][:, 0, :], tensors[i][:, 1, :]
        if sizes is None:
            env = a0 @ env @ a0.T + a1 @ env @ a1.T
        else:
            # term s = 1 reads the next boundary at count c + 1 (zero past K_max)
            shifted = np.concatenate([env[1:], np.zeros((1,) + env.shape[1:])])
            shifted_scale = np.concatenate([log_scale[1:], [-np.inf]])
            top = np.maximum(log_scale, shifted_scale)
            finite = np.isfinite(top)
            safe_top = np.where(finite, top, 0.0)
            with np.errstate(invalid="ignore"):
                f0 = np.where(finite, np.exp(log_scale - safe_top), 0.0)
                f1 = np.where(finite, np.exp(shifted_scale - safe_top), 0.0)
            env = (f0[:, None, None] * (a0 @ env @ a0.T)
                   + f1[:, None, None] * (a1 @ shifted @ a1.T))
            log_scale = safe_top
        trace = np.trace(env, axis1=1, axis2=2)
        positive = trace > 0
        env = env / np.where(positive, trace, 1.0)[:, None, None]
        env[~positive] = 0.0
        with np.errstate(divide="ignore"):
            log_scale = np.where(positive, log_scale + np.log(np.where(positive, trace, 1.0)), -np.inf)
        envs[i], scales[i] = env, log_scale
    return envs, scales


def _quadratic_forms(v: np.ndarray, env: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``v[j] @ env[index[j]] @ v[j]`` for every row j (batched matrix-vector products)."""
    return np.einsum("nd,nd->n", np.matmul(v[:, None, :], env[index])[:, 0, :], v)


def sample_mps(tensors: Sequence[np.ndarray], n_samples: int, rng: np.random.Generator,
               sizes: Sequence[int] | None = None) -> np.ndarray:
    """``n_samples`` exact samples (bool, shape (n_samples, N)) of ``p(x) ∝ psi(x)^2``.

    With ``sizes``, of ``p(x | |x| in sizes)``: every sample has an allowed number of ones.
    Raises ``ValueError`` when the MPS gives that event probability zero.
    """
    with single_threaded_blas():
        return _sample(check_tensors(tensors), int(n_samples), rng, sizes)


def _sample(tensors: list[np.ndarray], n_samples: int, rng: np.random.Generator,
            sizes: Sequence[int] | None) -> np.ndarray:
    n = len(tensors)
    allowed = check_sizes(sizes, n)
    envs, scales = _right_environments(tensors, allowed)
    if not np.isfinite(scales[0][0]):
        raise ValueError("the MPS gives probability zero to " + ("every bitstring" if allowed is None
                                                                  else f"the sizes {allowed.tolist()}"))
    out = np.zeros((n_samples, n), dtype=bool)
    if n_samples == 0:
        return out
    left = np.ones((n_samples, 1))
    count = np.zeros(n_samples, dtype=np.intp)
    for i, a in enumerate(tensors):
        env, log_scale = envs[i + 1], scales[i + 1]
        v0, v1 = left @ a[:, 0, :], left @ a[:, 1, :]
        if allowed is None:
            q0 = np.einsum("nd,nd->n", v0 @ env[0], v0)
            q1 = np.einsum("nd,nd->n", v1 @ env[0], v1)
            l0 = l1 = np.zeros(n_samples)
        else:
            # count + 1 may step past K_max: that branch then has weight zero
            past = count + 1 >= len(log_scale)
            nxt = np.minimum(count + 1, len(log_scale) - 1)
            q0 = _quadratic_forms(v0, env, count)
            q1 = _quadratic_forms(v1, env, nxt)
            l0 = log_scale[count]
            l1 = np.where(past, -np.inf, log_scale[nxt])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_w0 = np.log(np.maximum(q0, 0.0)) + l0
            log_w1 = np.log(np.maximum(q1, 0.0)) + l1
            # P(bit = 1) = w1 / (w0 + w1), computed in the log domain
            diff = log_w0 - log_w1
            p1 = np.where(np.isneginf(log_w1), 0.0, np.where(np.isneginf(log_w0), 1.0, 1.0 / (1.0 + np.exp(diff))))
        bit = rng.random(n_samples) < p1
        out[:, i] = bit
        count += bit
        left = np.where(bit[:, None], v1, v0)
        norm = np.sqrt(np.einsum("nd,nd->n", left, left))
        left /= np.where(norm > 0, norm, 1.0)[:, None]
    if allowed is not None and not np.isin(count, allowed).all():  # only if the weights were NaN
        raise FloatingPointError("conditioned sampling produced a sample of a wrong size")
    return out


def log_size_probability(tensors: Sequence[np.ndarray], sizes: Sequence[int]) -> float:
    """``log P(|x| in sizes)`` under ``p(x) = psi(x)^2 / Z`` (from the count environments)."""
    tensors = check_tensors(tensors)
    allowed = check_sizes(sizes, len(tensors))
    _, scales = _right_environments(tensors, allowed)
    return float(scales[0][0]) - log_norm(tensors)
