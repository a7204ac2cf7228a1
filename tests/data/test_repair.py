"""Round-off negative eigenvalues are accepted (clipped and recorded); a truly indefinite matrix is not.

A covariance estimated from fewer observations than assets, as published with benchmark sets,
is singular: its zero eigenvalues come out of a file as tiny negatives (about -1e-12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.core.errors import GeoError
from geo.data import load_dataset
from geo.data.repair import ROUND_OFF_RTOL


def singular_covariance(n_assets: int = 60, n_obs: int = 30, smallest: float = -1e-12, seed: int = 0):
    """A daily-scale covariance of ``n_obs`` returns, its zero eigenvalues replaced by ``smallest``."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.01, size=(n_obs, 1))
    returns = market + rng.normal(0, 0.012, size=(n_obs, n_assets))
    values, vectors = np.linalg.eigh(np.cov(returns, rowvar=False))
    values[: n_assets - n_obs + 1] = smallest
    return (vectors * values) @ vectors.T, values


def write_moments(folder, cov):
    tickers = [f"A{i:02d}" for i in range(len(cov))]
    folder.mkdir()
    pd.DataFrame({"ticker": tickers, "mean": np.linspace(1e-4, 1e-3, len(cov))}).to_csv(folder / "mean.csv",
                                                                                        index=False)
    pd.DataFrame(cov, index=tickers, columns=tickers).to_csv(folder / "cov.csv", float_format="%.17g")
    return f"moments:{folder}"


def test_round_off_negative_eigenvalues_are_clipped_and_recorded(tmp_path):
    cov, values = singular_covariance()
    assert values[0] < -1e-10 * np.diag(cov).max()  # refused before: judged against the largest variance
    data = load_dataset(write_moments(tmp_path / "published", cov))
    assert np.linalg.eigvalsh(data.cov)[0] >= -1e-15 * values[-1]
    record = data.metadata["cleaning"]["covariance_round_off"]
    assert record["negative_eigenvalues"] == 31
    assert record["smallest_eigenvalue_before"] == pytest.approx(-1e-12, rel=1e-2)
    assert record["tolerance"] == ROUND_OFF_RTOL
    assert np.abs(data.cov - cov).max() < 1e-11


def test_a_truly_indefinite_matrix_is_still_refused(tmp_path):
    cov, values = singular_covariance(smallest=-1e-3 * 0.05)
    with pytest.raises(GeoError, match="not positive semi-definite"):
        load_dataset(write_moments(tmp_path / "bad", cov))


def test_the_tolerance_is_relative_to_the_largest_eigenvalue(tmp_path):
    cov, values = singular_covariance()
    just_outside = singular_covariance(smallest=-2 * ROUND_OFF_RTOL * values[-1])[0]
    with pytest.raises(GeoError, match="not positive semi-definite"):
        load_dataset(write_moments(tmp_path / "outside", just_outside))
    inside = singular_covariance(smallest=-0.5 * ROUND_OFF_RTOL * values[-1])[0]
    assert load_dataset(write_moments(tmp_path / "inside", inside)).metadata["cleaning"]["covariance_round_off"]
