"""Covariance checks and the opt-in repair of a matrix that is not positive semi-definite.

A covariance estimated from complete returns is PSD by construction; one given directly
(``moments:``) may not be: hand-edited, pairwise-estimated or rounded matrices often have a
few negative eigenvalues, and every optimiser downstream assumes PSD. Such a matrix is refused
unless the user asks for ``repair_covariance="nearest-psd"`` (``--repair-covariance
nearest-psd``): the nearest PSD matrix in the Frobenius norm, which for a symmetric matrix is
the eigendecomposition with the negative eigenvalues set to zero (Higham 1988, "Computing a
nearest symmetric positive semidefinite matrix"). A repair is never silent: it raises a
:class:`~geo.data.estimation.DataWarning` (shown by the command line) and is recorded in
``metadata["cleaning"]["covariance_repair"]`` and ``metadata["warnings"]``.

Round-off is not a defect. A covariance estimated from fewer observations than assets (as
published with benchmark sets) is singular, and its zero eigenvalues come out of a file as tiny
negatives (about -1e-12). Negative eigenvalues no larger than ``ROUND_OFF_RTOL`` times the
largest eigenvalue are set to zero, without a repair option, and recorded in
``metadata["cleaning"]["covariance_round_off"]``. Anything more negative is a matrix that is
really indefinite: refused, or repaired when asked.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from geo.data.estimation import DataWarning
from geo.core.errors import GeoError

REPAIRS = ("none", "nearest-psd")
# Relative to the largest eigenvalue: smaller negative eigenvalues are round-off, not a defect
# (the same 1e-9 as the problem's own check, geo.problem.problem.PSD_RTOL).
ROUND_OFF_RTOL = 1e-9
REPAIR_HINT = ("pass --repair-covariance nearest-psd (repair_covariance='nearest-psd') to use the nearest PSD matrix, "
               "or estimate the covariance with shrinkage (e.g. Ledoit-Wolf, --estimator ledoit-wolf on the returns)")


def parse_repair(value: Any) -> str:
    """``"none"`` or ``"nearest-psd"`` (``None`` and ``False`` mean none)."""
    if value is None or value is False:
        return "none"
    text = str(value).strip().lower()
    if text not in REPAIRS:
        raise GeoError(f"repair_covariance={value!r} is not supported", f"use one of {', '.join(REPAIRS)}")
    return text


def clip_round_off(values: np.ndarray, vectors: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """The matrix with its round-off negative eigenvalues set to zero, and what changed."""
    clipped = (vectors * np.clip(values, 0.0, None)) @ vectors.T
    clipped = (clipped + clipped.T) / 2.0
    return clipped, {
        "method": "negative eigenvalues within round-off set to zero",
        "negative_eigenvalues": int((values < 0).sum()),
        "smallest_eigenvalue_before": float(values[0]),
        "largest_eigenvalue": float(values[-1]),
        "tolerance": ROUND_OFF_RTOL,
        "max_abs_change": float(np.abs(clipped - matrix).max()),
    }


def nearest_psd(matrix: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """The nearest PSD matrix (Frobenius norm) to a symmetric matrix, and what changed."""
    values, vectors = np.linalg.eigh(matrix)
    clipped = np.clip(values, 0.0, None)
    repaired = (vectors * clipped) @ vectors.T
    repaired = (repaired + repaired.T) / 2.0
    change = float(np.linalg.norm(repaired - matrix))
    report = {
        "method": "nearest-psd (negative eigenvalues set to zero; Higham 1988)",
        "negative_eigenvalues": int((values < 0).sum()),
        "smallest_eigenvalue_before": float(values[0]),
        "frobenius_change": change,
        "relative_change": change / max(float(np.linalg.norm(matrix)), np.finfo(float).tiny),
        "max_variance_change": float(np.abs(np.diag(repaired) - np.diag(matrix)).max()),
    }
    return repaired, report


def checked_covariance(matrix: np.ndarray, where: str, repair: str
                       ) -> tuple[np.ndarray, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    """``matrix`` if PSD (round-off clipped); else the repaired matrix with its report and a warning, or a GeoError.

    Returns the matrix, the repair report, the repair warning, and the round-off record (None when
    there was nothing to clip).
    """
    values, vectors = np.linalg.eigh(matrix)
    smallest, largest = float(values[0]), max(float(values[-1]), np.finfo(float).tiny)
    if smallest >= 0:
        return matrix, None, None, None
    if smallest >= -ROUND_OFF_RTOL * largest:
        clipped, record = clip_round_off(values, vectors, matrix)
        return clipped, None, None, record
    if repair != "nearest-psd":
        raise GeoError(f"{where} is not positive semi-definite (smallest eigenvalue {smallest:.3g}, "
                       f"{-smallest / largest:.2g} of the largest: beyond round-off)", REPAIR_HINT)
    repaired, report = nearest_psd(matrix)
    message = (f"{where} was not positive semi-definite ({report['negative_eigenvalues']} negative eigenvalue(s), "
               f"smallest {smallest:.3g}); repaired to the nearest PSD matrix (relative change "
               f"{report['relative_change']:.3g})")
    warnings.warn(message, DataWarning, stacklevel=3)
    return repaired, report, message, None
