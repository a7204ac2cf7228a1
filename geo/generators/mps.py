"""Matrix-product-state Born machine (TN-GEO's generator).

``p(x) = psi(x)^2 / Z`` over N binary sites, ``psi(x) = A[0][:, x_0, :] ... A[N-1][:, x_{N-1}, :]``
with real site tensors ``A[i]`` of shape ``(D_left, 2, D_right)``, trained as in Han, Wang, Fan,
Wang & Zhang, "Unsupervised generative modeling using matrix product states", PRX 8, 031012
(2018), arXiv 1709.01662:

* Mixed-canonical form: sites left of the centre are left-orthonormal, sites right of it
  right-orthonormal, so ``Z`` is the squared norm of the centre and stays 1.
* A sweep goes left to right over the bonds and back. At bond ``(k, k+1)`` the two sites are
  merged into ``theta`` (``D_left x 2 x 2 x D_right``); the weighted negative log-likelihood
  ``NLL = -sum_m w_m log p(x_m)`` restricted to ``theta`` is
  ``-sum_m w_m log (L_m theta[x_mk, x_mk+1] R_m)^2 + log ||theta||^2``, ``L_m`` / ``R_m`` the
  cached left / right environments of training string ``m`` (the product of the canonical
  tensors left / right of the bond, one vector per string). Its gradient at ``||theta|| = 1`` is
  ``2 (theta - sum_m w_m phi_m / psi_m)`` with ``phi_m = L_m (x) e_{x_mk x_mk+1} (x) R_m``.
  ``n_descent_steps`` gradient steps are taken (each renormalised, see ``learning_rate``), then
  ``theta`` is split by an SVD truncated to ``max_bond`` singular values (and ``cutoff``); the
  orthonormal factor stays behind, the singular values travel with the centre, and the cached
  environment of the bond just left is extended by one site. A sweep therefore costs
  ``O(N M D^3)`` at most (``O(N M D^2)`` for the environments and gradients, ``O(N D^3)`` for
  the SVDs): linear in N. Bonds grow from ``init_bond`` up to ``max_bond`` as the data need.
* Initialisation (first ``fit`` only, from ``rng``): the product state of the smoothed weighted
  marginals ``sqrt(p_i(s))`` in the ``[0, s, 0]`` entries of bond-``init_bond`` tensors, plus
  Gaussian noise of scale ``init_noise`` in every entry, then right-canonicalised. The model
  therefore starts close to the independent model of the data (a good NLL from the first bond)
  and the noise breaks the symmetry of the extra bond dimensions (and makes seeds matter).
* Warm start: a further ``fit`` continues from the current tensors (same number of sites);
  ``rng`` is only used to initialise.
* The floor (``floor_weight``, default 0.05): every ``fit`` also fits the independent model of
  the same data, and the generator's distribution is ``0.95 p_MPS + 0.05 p_independent``
  (:mod:`~geo.generators.mixture`): an MPS alone gives assets that no training selection held
  almost no probability, and the selections GEO finds next often hold one. ``tensors_``,
  ``mps_log_prob`` and the QCBM started from this MPS see the MPS alone. 0.05 on evidence
  (port3, 100,000 evaluations, 3 seeds, the loop before relay starts; RESULTS §8f): the held-out NLL fell below the
  independent model's at 0.02, 0.05 and 0.2, but at 0.2 the MPS's moves lost their lead over
  uniform moves (mean gap 0.0101 % against 0.0022 % without a floor), at 0.05 they kept it.

Sampling (``mps_sampling.sample_mps``): exact and sequential, every sample at once, and, given
``sizes``, exactly conditioned on the number of ones by count-carrying right environments — no
rejection, no repair. ``log_prob`` is exact, ``Z`` computed by contracting the transfer matrices.

Use of tensornetwork: the SVD with truncation (``max_singular_values``, relative
``max_truncation_error``) and the QR/RQ of the canonicalisation use tensornetwork's numpy
backend decompositions; ``Z`` is contracted with ``tensornetwork.ncon``. The per-bond hot loop
(merging two sites, the batched environments and gradients over M training strings) is plain
numpy ``tensordot`` / ``matmul``: a ``tn.Node`` / ``split_node`` round trip costs about 0.25 ms
of Python overhead per call (measured), i.e. several times the arithmetic of a bond at
``D <= 16``, and there are ``2 N`` bonds a sweep. The tensors are kept as a plain list of numpy
arrays so the generator pickles (checkpoints) cheaply.

Default ``max_bond = 2``, chosen on evidence: a GEO
training set is at most a few hundred weighted K-hot strings, and an MPS fitted to it must
generalise (propose good *unseen* selections), not memorise. On K-hot data drawn from correlated
MPSs (N = 100, K = 10, truth bond 3 or 8, M = 200 or 1000 training strings; after one 2-sweep
fit and after 4 more warm-started refits) the held-out conditional NLL was best at D = 2 in 7
of 8 cases (D = 4 once, by 0.5 nat); D = 8 overfitted, by 1-4 nats at M = 200 (behind even the
independent model when the truth had bond 3). In the GEO loop on the bundled 20-stock set
(K = 3, 15 iterations, 5 seeds) D = 2 found 31 of 35 optimal frontier points, D = 4 22, D = 8
10 (the independent model 34). This agrees with Gardiner & Lopez-Piqueres (arXiv 2412.19780): in
GEO-like loops a bond-2 MPS often matches or beats more expressive generators. Larger D remains available
(``max_bond`` is a constructor argument; bonds grow only as the data need them) and the costs
stay low: the conditioned sampler stores N (K+1) D^2 numbers, and a 2-sweep fit on N = 500,
M = 1000 takes about a second single-threaded.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensornetwork as tn

from geo.generators.flip_ratios import flip_log_ratios_at
from geo.generators.independent import IndependentGenerator
from geo.generators.mixture import check_weight, floor_share, mixture_log_prob, mixture_log_ratios, sample_mixture
from geo.generators.mps_sampling import (apply_site, check_tensors, log_abs_amplitudes, log_norm, log_size_probability,
                                         sample_mps, single_threaded_blas)
from geo.generators.training_set import check_training_set, weighted_marginals

_BACKEND = tn.backends.backend_factory.get_backend("numpy")
# Amplitudes below this (relative to the unit-norm environments) are floored in the gradient.
_TINY = 1e-150


class MPSGenerator:
    """MPS Born machine trained by two-site gradient sweeps; samples exactly conditioned on size.

    Parameters: ``max_bond`` (largest bond dimension D), ``n_sweeps`` (left-right-left sweeps
    per ``fit``), ``learning_rate`` (step of each gradient update of a merged two-site tensor,
    which has unit norm; a step that would raise the local NLL is halved, up to
    ``max_halvings`` times, and dropped if it still does), ``n_descent_steps`` (gradient steps
    per bond), ``cutoff`` (singular values are dropped while the norm of the dropped ones stays
    below ``cutoff`` times the largest), ``init_bond`` (bond dimension of the initial state),
    ``init_noise`` (scale of its random part), ``physical_dims`` (site index -> number of
    values, for sites that are not bits: the label site of
    :class:`~geo.generators.mps_labelled.LabelledMPSGenerator`; such a model is trained and
    scored here, and sampled once its label site is fixed), ``floor_weight`` (the weight ``w``
    of the independent model of the same data mixed in once fitted: the generator's
    distribution is ``(1 - w) p_MPS + w p_independent``, :mod:`~geo.generators.mixture`; 0 for
    the pure MPS; must be 0 with ``physical_dims``).
    """

    conditions_on_size = True

    def __init__(self, max_bond: int = 2, n_sweeps: int = 2, learning_rate: float = 0.02,
                 cutoff: float = 1e-10, init_bond: int = 2, n_descent_steps: int = 1,
                 init_noise: float = 0.01, max_halvings: int = 4, name: str = "mps",
                 physical_dims: dict[int, int] | None = None, floor_weight: float = 0.05) -> None:
        if max_bond < 1 or init_bond < 1:
            raise ValueError("max_bond and init_bond must be at least 1")
        if n_sweeps < 0 or n_descent_steps < 0:
            raise ValueError("n_sweeps and n_descent_steps must be non-negative")
        if not learning_rate > 0:
            raise ValueError("learning_rate must be positive")
        self.max_bond = int(max_bond)
        self.n_sweeps = int(n_sweeps)
        self.learning_rate = float(learning_rate)
        self.cutoff = float(cutoff)
        self.init_bond = int(init_bond)
        self.n_descent_steps = int(n_descent_steps)
        self.init_noise = float(init_noise)
        self.max_halvings = int(max_halvings)
        self.name = name
        self.physical_dims = {int(site): int(dim) for site, dim in (physical_dims or {}).items()}
        self.floor_weight = check_weight(floor_weight)
        if self.floor_weight and self.physical_dims:
            raise ValueError("floor_weight must be 0 for a model with non-binary sites (no independent floor)")
        self.floor_: IndependentGenerator | None = None  # fitted with the MPS when floor_weight > 0
        self.tensors_: list[np.ndarray] | None = None
        self.n_sites_: int | None = None
        self.log_z_: float | None = None
        self.loss_history_: list[float] = []  # training NLL at the end of each fit
        self.n_sweeps_done_: int = 0

    @classmethod
    def from_tensors(cls, tensors: Sequence[np.ndarray], **params) -> "MPSGenerator":
        """A generator holding the given state (brought to right-canonical form, Z = 1); it has
        no floor until its first ``fit``."""
        generator = cls(**params)
        generator.tensors_ = right_canonical(tensors)
        generator.n_sites_ = len(generator.tensors_)
        generator.log_z_ = log_norm(generator.tensors_)
        return generator

    # -- public API -------------------------------------------------------------------------
    def fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "MPSGenerator":
        with single_threaded_blas():
            return self._fit(bitstrings, weights, rng)

    def _fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "MPSGenerator":
        bits, w = check_training_set(bitstrings, weights, self.physical_dims)
        n = bits.shape[1]
        if self.tensors_ is None:
            self.tensors_ = self._initial_tensors(bits, w, rng)
            self.n_sites_ = n
        elif n != self.n_sites_:
            raise ValueError(f"warm start needs the same number of sites ({self.n_sites_}), got {n}")
        if n == 1:  # no bond to sweep: the optimum is the (unsmoothed) weighted marginal
            p1 = float(w @ bits[:, 0])
            self.tensors_ = [np.sqrt(np.array([1.0 - p1, p1])).reshape(1, 2, 1)]
        else:
            for _ in range(self.n_sweeps):
                self._sweep(bits, w)
                self.n_sweeps_done_ += 1
        self.log_z_ = log_norm(self.tensors_)
        if self.floor_weight:
            self.floor_ = IndependentGenerator().fit(bits, w, rng)
        self.loss_history_.append(self.nll(bits, w))
        return self

    def sample(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None = None) -> np.ndarray:
        """Exact samples of ``p``; with ``sizes``, of ``p(x | |x| in sizes)`` (never a wrong size)."""
        tensors = self._fitted()
        if self.floor_ is None:
            return sample_mps(tensors, n_samples, rng, sizes)
        share = self.floor_weight if sizes is None else floor_share(
            log_size_probability(tensors, sizes), log_size_probability(self.floor_.tensors, sizes), self.floor_weight)
        return sample_mixture(lambda count: sample_mps(tensors, count, rng, sizes),
                              lambda count: self.floor_.sample(count, rng, sizes), n_samples, share, rng)

    def log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        """Exact ``log p(x)`` (unconditioned): ``2 log |psi(x)| - log Z`` for the MPS, Z
        contracted, mixed with the floor's once fitted."""
        log_p = self.mps_log_prob(bitstrings)
        return log_p if self.floor_ is None else mixture_log_prob(log_p, self.floor_.log_prob(bitstrings),
                                                                   self.floor_weight)

    def mps_log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        """``log p_MPS(x)`` alone, without the floor."""
        tensors = self._fitted()
        if self.log_z_ is None:
            self.log_z_ = log_norm(tensors)
        with single_threaded_blas():
            return 2.0 * log_abs_amplitudes(tensors, bitstrings) - self.log_z_

    def flip_log_ratios(self, selection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact ``log p(x') - log p(x)`` of every one- and two-bit flip of ``selection``
        (:func:`~geo.generators.flip_ratios.flip_log_ratios`, mixed with the floor's ratios)."""
        tensors = self._fitted()
        singles, pairs, log_amplitude = flip_log_ratios_at(tensors, selection)
        if self.floor_ is None:
            return singles, pairs
        if self.log_z_ is None:
            self.log_z_ = log_norm(tensors)
        row = np.asarray(selection, dtype=bool).reshape(1, -1)
        return mixture_log_ratios((singles, pairs), self.floor_.flip_log_ratios(selection),
                                  2.0 * log_amplitude - self.log_z_, float(self.floor_.log_prob(row)[0]),
                                  self.floor_weight)

    def nll(self, bitstrings: np.ndarray, weights: np.ndarray) -> float:
        """Weighted negative log-likelihood ``-sum_m w_m log p(x_m)`` (weights normalised)."""
        bits, w = check_training_set(bitstrings, weights, self.physical_dims)
        return float(-(w @ self.log_prob(bits)))

    @property
    def bond_dimensions(self) -> list[int]:
        return [t.shape[2] for t in self._fitted()[:-1]]

    def _fitted(self) -> list[np.ndarray]:
        if self.tensors_ is None:
            raise RuntimeError("fit the generator before sampling")
        return self.tensors_

    # -- initialisation ---------------------------------------------------------------------
    def _initial_tensors(self, bits: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
        n = bits.shape[1]
        p1 = weighted_marginals(bits, w, smoothing=0.01)
        # bond b joins sites b and b + 1; it cannot usefully exceed 2^min(b + 1, n - b - 1)
        bonds = [1] + [min(self.init_bond, self.max_bond, 2 ** min(b + 1, n - b - 1, 30)) for b in range(n - 1)] + [1]
        tensors = []
        for i in range(n):
            dim = self._dim(i)
            a = self.init_noise * rng.standard_normal((bonds[i], dim, bonds[i + 1]))
            if dim == 2:
                a[0, 0, 0] += np.sqrt(1.0 - p1[i])
                a[0, 1, 0] += np.sqrt(p1[i])
            else:  # a label site: the smoothed weighted frequency of each value
                frequency = np.bincount(bits[:, i], weights=w, minlength=dim) + 0.01
                a[0, :, 0] += np.sqrt(frequency / frequency.sum())
            tensors.append(a)
        return right_canonical(tensors)

    def _dim(self, site: int) -> int:
        return self.physical_dims.get(site, 2)

    # -- training ----------------------------------------------------------------------------
    def _sweep(self, bits: np.ndarray, w: np.ndarray) -> None:
        """One left-to-right and right-to-left pass; the centre starts and ends at site 0."""
        t = self.tensors_
        n = len(t)
        m = bits.shape[0]
        left: list[np.ndarray | None] = [None] * (n + 1)
        right: list[np.ndarray | None] = [None] * (n + 1)
        left[0] = np.ones((m, 1))
        right[n] = np.ones((m, 1))
        for b in range(n - 1, 1, -1):
            right[b] = _extend_right(right[b + 1], t[b], bits[:, b])
        for k in range(n - 1):
            self._update_bond(k, bits, w, left[k], right[k + 2], move_right=True)
            left[k + 1] = _extend_left(left[k], t[k], bits[:, k])
        for k in range(n - 2, -1, -1):
            self._update_bond(k, bits, w, left[k], right[k + 2], move_right=False)
            right[k + 1] = _extend_right(right[k + 2], t[k + 1], bits[:, k + 1])

    def _update_bond(self, k: int, bits: np.ndarray, w: np.ndarray, env_left: np.ndarray,
                     env_right: np.ndarray, move_right: bool) -> None:
        t = self.tensors_
        theta = np.tensordot(t[k], t[k + 1], axes=(2, 0))  # (Dl, d_k, d_k+1, Dr), d = 2 for bits
        dl, dk, dk1, dr = theta.shape
        theta = theta.reshape(dl, dk * dk1, dr)
        theta = theta / np.linalg.norm(theta)
        pair = dk1 * bits[:, k].astype(np.intp) + bits[:, k + 1]
        theta = _descend(theta, pair, w, env_left, env_right,
                         self.learning_rate, self.n_descent_steps, self.max_halvings)
        u, s, vh, _ = _BACKEND.svd(theta.reshape(dl, dk, dk1, dr), pivot_axis=2,
                                   max_singular_values=self.max_bond,
                                   max_truncation_error=self.cutoff, relative=True)
        s = s / np.linalg.norm(s)
        if move_right:
            t[k], t[k + 1] = u, s[:, None, None] * vh
        else:
            t[k], t[k + 1] = u * s, vh


def _descend(theta: np.ndarray, pair: np.ndarray, w: np.ndarray, env_left: np.ndarray, env_right: np.ndarray,
             learning_rate: float, n_steps: int, max_halvings: int) -> np.ndarray:
    """Gradient steps on the local NLL of a unit-norm merged tensor ``theta`` (Dl, P, Dr).

    ``phi_m = L_m (x) e_pair (x) R_m`` is held as ``L`` (M, Dl) and ``R`` placed in the block of
    the string's pair of site values (M, P Dr; P = 4 for two bits), so amplitudes and gradient
    are one matmul each.
    """
    if n_steps == 0:
        return theta
    m, dr = env_right.shape
    dl, n_pairs = theta.shape[0], theta.shape[1]
    placed = np.zeros((m, n_pairs, dr))
    placed[np.arange(m), pair] = env_right
    placed = placed.reshape(m, n_pairs * dr)

    def amplitudes(th: np.ndarray) -> np.ndarray:
        return np.einsum("mk,mk->m", env_left @ th.reshape(dl, n_pairs * dr), placed)

    def loss(psi: np.ndarray) -> float:  # theta has unit norm: log Z = 0
        with np.errstate(divide="ignore"):
            return float(-(w @ np.log(psi * psi)))

    psi = amplitudes(theta)
    current = loss(psi)
    for _ in range(n_steps):
        safe = np.where(np.abs(psi) < _TINY, np.where(psi < 0, -_TINY, _TINY), psi)
        g = ((env_left * (w / safe)[:, None]).T @ placed).reshape(theta.shape)
        grad = 2.0 * (theta - g)
        norm = np.linalg.norm(grad)
        if not np.isfinite(norm) or norm == 0:
            break
        step = learning_rate * grad
        accepted = False
        for _ in range(max_halvings + 1):
            candidate = theta - step
            candidate /= np.linalg.norm(candidate)
            cand_psi = amplitudes(candidate)
            cand_loss = loss(cand_psi)
            if cand_loss <= current:
                theta, psi, current, accepted = candidate, cand_psi, cand_loss, True
                break
            step = 0.5 * step
        if not accepted:
            break
    return theta


def _extend_left(env: np.ndarray, a: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Rows ``L_m A[:, x_m, :]``, each renormalised (scales cancel in the gradient)."""
    out = apply_site(env, a, state)
    return out / _row_norms(out)[:, None]


def _extend_right(env: np.ndarray, a: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Rows ``A[:, x_m, :] R_m``, each renormalised."""
    out = apply_site(env, a.transpose(2, 1, 0), state)
    return out / _row_norms(out)[:, None]


def _row_norms(x: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("md,md->m", x, x))
    return np.where(norms > 0, norms, 1.0)


def right_canonical(tensors: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The same state, sites 1..N-1 right-orthonormal and site 0 the unit-norm centre."""
    out = check_tensors(tensors, binary=False)
    for i in range(len(out) - 1, 0, -1):
        r, q = _BACKEND.rq(out[i], pivot_axis=1)  # r: (Dl, k), q: (k, d, Dr), rows orthonormal
        out[i] = q
        out[i - 1] = np.tensordot(out[i - 1], r, axes=(2, 0))
    out[0] = out[0] / np.linalg.norm(out[0])
    return out
