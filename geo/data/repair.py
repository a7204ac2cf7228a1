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
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from geo.data.estimation import DataWarning
from geo.core.errors import GeoError

REPAIRS = ("none", "nearest-psd")
# Relative to the largest variance: smaller negative eigenvalues are rounding, not a defect.
PSD_TOLERANCE = 1e-10
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


def smallest_eigenvalue(matrix: np.ndarray) -> tuple[float, float]:
    """The smallest eigenvalue of a symmetric matrix and the scale it is judged against."""
    scale = max(float(np.abs(np.diag(matrix)).max()), np.finfo(float).tiny)
    return float(np.linalg.eigvalsh(matrix)[0]), scale


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


def checked_covariance(matrix: np.ndarray, where: str, repair: str) -> tuple[np.ndarray, dict[str, Any] | None, str | None]:
    """``matrix`` if PSD; else the repaired matrix with its report and a warning, or a GeoError."""
    smallest, scale = smallest_eigenvalue(matrix)
    if smallest >= -PSD_TOLERANCE * scale:
        return matrix, None, None
    if repair != "nearest-psd":
        raise GeoError(f"{where} is not positive semi-definite (smallest eigenvalue {smallest:.3g})", REPAIR_HINT)
    repaired, report = nearest_psd(matrix)
    message = (f"{where} was not positive semi-definite ({report['negative_eigenvalues']} negative eigenvalue(s), "
               f"smallest {smallest:.3g}); repaired to the nearest PSD matrix (relative change "
               f"{report['relative_change']:.3g})")
    warnings.warn(message, DataWarning, stacklevel=3)
    return repaired, report, message
