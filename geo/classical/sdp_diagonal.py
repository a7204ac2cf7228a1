"""The diagonal that strengthens the perspective reformulation: max sum(d) s.t. Sigma - diag(d) PSD.

Zheng, Sun & Li (INFORMS J. Computing 26(4), 2014): write w' Sigma w = w'(Sigma - D) w + sum d_i w_i^2
with D = diag(d) and Sigma - D positive semi-definite; the separable part takes the perspective
form d_i w_i^2 / z_i, exact at binary z and much tighter in the relaxation. The larger the
diagonal moved into the perspective part, the tighter; the best d (in their sense) solves the
small semi-definite program

    maximise sum(d)  s.t.  Sigma - diag(d) PSD,  d >= 0.

It is solved once per covariance with cvxpy and SCS (first-order; Clarabel gives the same d
but took 40-65 s on port4 against SCS's 3-9 s on this machine). Beyond ``SCS_MAX_ASSETS``
SCS does not converge in useful time (an hour on 477 stocks), and the SDP's dual is solved
instead by the low-rank "mixing" method (Burer-Monteiro; Wang, Chang & Kolter 2017):
min <Sigma, V V'> over unit rows of V, with d_i = (Sigma V V')_ii at its optimum
(complementary slackness (Sigma - D) V V' = 0): 12-15 s on 477 stocks, 7.7 % of the trace
moved against 1.8 % for the smallest-eigenvalue shift. Either answer is accurate to
its tolerance only, so it is then *repaired*: d is lowered by the most negative eigenvalue of
Sigma - diag(d) plus a margin, clipped at 0, and scaled down further when that is not yet
enough (checked by an eigenvalue decomposition), whatever the solver returned. Lowering d only weakens the relaxation;
it never makes the reformulation wrong.

The diagonal depends on the covariance only, so one solve serves every target, every K and
every run in the process (an in-process memo keyed by the matrix's digest); a run with a
checkpoint also stores it there, so a resumed run does not solve the SDP again.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geo.core.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

# Margin left between Sigma - diag(d) and the PSD cone's boundary, relative to the largest
# variance: keeps the factor of Sigma - diag(d) well defined despite rounding.
PSD_MARGIN = 1e-9
# Halvings of the scale of d when the shift alone does not make it safe (2^-30 ~ 1e-9).
BISECTION_STEPS = 30
# Eigenvalues of this size relative to the largest variance are rounding, not indefiniteness.
ROUNDING = 1e-12
SCS_OPTIONS = {"eps_abs": 1e-7, "eps_rel": 1e-7, "max_iters": 200_000}
# Above this many assets the mixing method replaces SCS.
SCS_MAX_ASSETS = 200
# Mixing method: sweeps at most, and the relative change of <Sigma, V V'> that ends them.
MIXING_SWEEPS = 60
MIXING_TOLERANCE = 1e-7
CACHE_PREFIX = "sdp_diagonal-"

_memo: dict[str, "SdpDiagonal"] = {}


@dataclass(frozen=True)
class SdpDiagonal:
    """``d`` with ``cov - diag(d)`` PSD (see :func:`is_safe`); the SDP solver's status and seconds."""

    d: np.ndarray
    status: str
    seconds: float
    cached: bool = False


def covariance_key(cov: np.ndarray) -> str:
    """A digest of the matrix (values and shape): the cache key of its diagonal."""
    digest = hashlib.sha256(np.ascontiguousarray(cov, dtype=float).tobytes())
    digest.update(str(cov.shape).encode())
    return digest.hexdigest()[:24]


def smallest_eigenvalue(matrix: np.ndarray) -> float:
    return float(np.linalg.eigvalsh((matrix + matrix.T) / 2)[0])


def is_safe(cov: np.ndarray, d: np.ndarray) -> bool:
    """``cov - diag(d)`` is PSD, as far as ``cov`` itself is (a PSD matrix can show -1e-15)."""
    rounding = ROUNDING * max(float(np.max(np.diag(cov))), 1e-300)
    floor = min(0.0, smallest_eigenvalue(cov)) - rounding
    return bool(np.all(d >= 0)) and smallest_eigenvalue(cov - np.diag(d)) >= floor


def make_psd_safe(cov: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``d`` lowered until ``cov - diag(d)`` is PSD (``cov`` itself must be PSD).

    First a shift: ``cov - diag(d - c) = (cov - diag(d)) + c I`` is PSD for
    ``c >= -lambda_min(cov - diag(d))``, with a margin. Entries that the shift would take below
    zero are clipped at 0, which adds back up to c on them, so the result is checked; if it
    fails, the largest safe fraction ``t d`` is found by bisection (``t = 0`` is ``cov``: safe).
    """
    d = np.clip(np.nan_to_num(np.asarray(d, dtype=float), nan=0.0), 0.0, None)
    margin = PSD_MARGIN * max(float(np.max(np.diag(cov))), 1e-300)
    shift = max(0.0, -smallest_eigenvalue(cov - np.diag(d))) + margin
    d = np.clip(d - shift, 0.0, None)
    if is_safe(cov, d):
        return d
    low, high = 0.0, 1.0
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if is_safe(cov, middle * d) else (low, middle)
    return low * d


def solve_sdp_diagonal(cov: np.ndarray, seconds: float | None = None) -> tuple[np.ndarray | None, str]:
    """The SDP's raw solution (None if SCS failed) and its status; SCS stops after ``seconds``
    (None or inf: no limit, as for ``ExactMethod(point_time_limit=math.inf)``)."""
    import cvxpy as cp  # lazy: only the exact method needs it

    n = len(cov)
    d = cp.Variable(n)
    symmetric = (cov + cov.T) / 2
    problem = cp.Problem(cp.Maximize(cp.sum(d)), [symmetric - cp.diag(d) >> 0, d >= 0])
    try:
        # SCS takes finite seconds only (0 would mean none): no limit is no setting
        unlimited = seconds is None or not math.isfinite(seconds)
        limit = {} if unlimited else {"time_limit_secs": max(float(seconds), 1e-3)}
        with warnings.catch_warnings():
            # "may be inaccurate" after a stop on time: the status records it, the repair copes
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver="SCS", **SCS_OPTIONS, **limit)
    except cp.error.SolverError as error:
        return None, f"solver_error: {error}"
    return (None if d.value is None else np.asarray(d.value, dtype=float)), str(problem.status)


def mixing_diagonal(cov: np.ndarray, seconds: float | None = None, seed: int = 0) -> tuple[np.ndarray, str]:
    """The SDP's d from its dual by the mixing method (unrepaired), and a status.

    Rows of V (N x r, r ~ sqrt(2N), enough for an optimal low-rank solution) are updated one
    at a time to the unit vector minimising <Sigma, V V'>; the start is seeded (reproducible).
    """
    n = len(cov)
    rank = int(np.ceil(np.sqrt(2 * n))) + 1
    rows = np.random.default_rng(seed).normal(size=(n, rank))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    product = cov @ rows
    started = time.perf_counter()
    value, status = float(np.einsum("ij,ij->", product, rows)), "iteration_limit"
    for _ in range(MIXING_SWEEPS):
        for i in range(n):
            direction = product[i] - cov[i, i] * rows[i]
            norm = float(np.linalg.norm(direction))
            if norm > 0:
                new = -direction / norm
                product += np.outer(cov[:, i], new - rows[i])
                rows[i] = new
        previous, value = value, float(np.einsum("ij,ij->", product, rows))
        if abs(previous - value) <= MIXING_TOLERANCE * max(abs(value), 1e-300):
            status = "optimal"
            break
        if seconds is not None and time.perf_counter() - started > seconds:
            status = "time_limit"
            break
    return np.einsum("ij,ij->i", product, rows), f"mixing {status}"


def sdp_diagonal(cov: np.ndarray, cache_dir: str | Path | None = None, seconds: float | None = None) -> SdpDiagonal:
    """The repaired SDP diagonal of ``cov`` (PSD, N x N), from the memo, ``cache_dir`` or a solve
    of at most ``seconds`` (SCS's iterate at that point is repaired like any other).

    When the SDP fails, the fallback is the uniform diagonal ``lambda_min(cov)`` (minus the
    margin), the classic perspective shift, with status saying so. Only a diagonal SCS solved
    to optimality is kept for later runs: one cut short by time would weaken them for good.
    """
    key = covariance_key(cov)
    if key in _memo:
        return SdpDiagonal(_memo[key].d, _memo[key].status, 0.0, cached=True)
    path = Path(cache_dir) / f"{CACHE_PREFIX}{key}.npz" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            with np.load(path) as stored:
                d, status = stored["d"], str(stored["status"])
            if d.shape == (len(cov),) and is_safe(cov, d):
                _memo[key] = SdpDiagonal(d, status, 0.0)
                return SdpDiagonal(d, status, 0.0, cached=True)
        except (OSError, KeyError, ValueError):
            pass  # an unreadable cache file is only a lost shortcut: solve again
        log.info("ignoring the unusable SDP diagonal cache %s", path)
    started = time.perf_counter()
    raw, status = solve_sdp_diagonal(cov, seconds) if len(cov) <= SCS_MAX_ASSETS else mixing_diagonal(cov, seconds)
    if raw is None:
        raw = np.full(len(cov), max(smallest_eigenvalue(cov), 0.0))
        status = f"fallback to the smallest eigenvalue ({status})"
    result = SdpDiagonal(make_psd_safe(cov, raw), status, time.perf_counter() - started)
    if status not in ("optimal", "mixing optimal", "mixing iteration_limit"):  # not cut short by time
        return result
    _memo[key] = result
    if path is not None:
        import io

        buffer = io.BytesIO()
        np.savez(buffer, d=result.d, status=np.array(status))
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buffer.getvalue())
    return result


def remove_cached(cov: np.ndarray, cache_dir: str | Path) -> None:
    """Drop ``cov``'s cache file from ``cache_dir`` (a finished run's checkpoint folder)."""
    path = Path(cache_dir) / f"{CACHE_PREFIX}{covariance_key(cov)}.npz"
    if path.is_file():
        path.unlink()
