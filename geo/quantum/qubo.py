"""The equal-weight mean-variance QUBO proxy of a K-asset selection, as in Qiskit Finance's
``PortfolioOptimization`` (minimise q x' Sigma x - mu' x subject to sum x = K, x in {0,1}^N).

Here with the equal weights x / K made explicit and both terms put on a common scale, so one
risk-aversion ``lam`` in [0, 1] spans the frontier:
  C_lam(x) = lam * (x' Sigma x / K^2) / s_var - (1 - lam) * (mu' x / K) / s_ret,
s_var the mean variance and s_ret the mean absolute return of the equal-weight K-portfolios
(estimated from the diagonal and the mean off-diagonal covariance). This is a PROXY: the real
cost of a selection is its optimal-weight QP, which every sampled selection then gets from the
evaluator. As Ising terms (x_i = (1 - Z_i) / 2), C = const + sum_i h_i Z_i + sum_{i<j} J_ij Z_i Z_j.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class QUBO:
    """C(x) = x' Q x + c' x over x in {0,1}^N (Q symmetric)."""

    quadratic: np.ndarray
    linear: np.ndarray

    def values(self, bits: np.ndarray) -> np.ndarray:
        x = np.asarray(bits, dtype=float)
        return np.einsum("mi,ij,mj->m", x, self.quadratic, x) + x @ self.linear

    def ising(self) -> tuple[np.ndarray, np.ndarray]:
        """(h, J): C = const + sum_i h_i Z_i + sum_{i<j} J_ij Z_i Z_j (J upper triangular)."""
        q = self.quadratic
        off = q - np.diag(np.diag(q))
        h = -(np.diag(q) + self.linear) / 2 - off.sum(axis=1) / 2
        return h, np.triu(off, 1) / 2


def mean_variance_qubo(mu: np.ndarray, cov: np.ndarray, k: int, lam: float) -> QUBO:
    n = len(mu)
    off = (cov.sum() - np.trace(cov)) / max(1, n * (n - 1))
    s_var = max((np.trace(cov) / n) / k + off * (k - 1) / k, 1e-300)
    s_ret = max(float(np.mean(np.abs(mu))), 1e-300)
    quadratic = lam * cov / (k * k * s_var)
    linear = -(1 - lam) * mu / (k * s_ret)
    return QUBO(quadratic, linear)
