"""The SDP diagonal: Sigma - diag(d) stays PSD, d beats the uniform eigenvalue shift, the cache is used."""

import numpy as np
import pytest

from geo.classical import sdp_diagonal as module
from geo.classical.sdp_diagonal import is_safe, make_psd_safe, sdp_diagonal, smallest_eigenvalue


def factor_covariance(n, factors, seed, idiosyncratic=True):
    return factor_model(n, factors, seed, idiosyncratic)[0]


def factor_model(n, factors, seed, idiosyncratic=True):
    """``(cov, idiosyncratic variances)`` of a ``factors``-factor model."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(n, factors))
    specific = rng.uniform(0.2, 1.0, n) if idiosyncratic else np.zeros(n)
    return loadings @ loadings.T + np.diag(specific), specific


@pytest.fixture(autouse=True)
def fresh_memo(monkeypatch):
    monkeypatch.setattr(module, "_memo", {})


@pytest.mark.parametrize("seed", [0, 1])
def test_the_diagonal_leaves_sigma_psd_and_beats_the_eigenvalue_shift(seed):
    cov, specific = factor_model(12, 3, seed)
    found = sdp_diagonal(cov)
    assert found.status == "optimal" and not found.cached
    assert np.all(found.d >= 0)
    assert smallest_eigenvalue(cov - np.diag(found.d)) >= 0
    # The uniform shift lambda_min * 1 is feasible for the SDP, so the optimum moves at least as much.
    assert found.d.sum() >= 0.999 * len(cov) * smallest_eigenvalue(cov)
    # The idiosyncratic variances are feasible too (Sigma minus them is the rank-3 factor part),
    # and far more than the uniform shift: the SDP finds at least as much, to SCS's tolerance.
    assert specific.sum() > 1.3 * len(cov) * smallest_eigenvalue(cov)
    assert found.d.sum() >= specific.sum() * (1 - 1e-4)


def test_a_singular_covariance_gets_a_diagonal_that_keeps_it_psd():
    cov = factor_covariance(10, 4, 2, idiosyncratic=False)  # rank 4
    assert smallest_eigenvalue(cov) < 1e-12  # singular (up to rounding)
    found = sdp_diagonal(cov)
    assert is_safe(cov, found.d)
    assert found.d.sum() <= 1e-4 * np.trace(cov)  # nothing can move: every asset is in a null vector


def test_the_repair_makes_any_diagonal_safe():
    cov = factor_covariance(15, 2, 3)
    rng = np.random.default_rng(0)
    for scale in (0.5, 1.0, 3.0):
        d = make_psd_safe(cov, scale * np.diag(cov) * rng.uniform(0.5, 1.0, len(cov)))
        assert np.all(d >= 0) and smallest_eigenvalue(cov - np.diag(d)) >= 0


def test_the_diagonal_is_solved_once_then_cached(tmp_path, monkeypatch):
    cov = factor_covariance(8, 2, 4)
    first = sdp_diagonal(cov, tmp_path)
    assert len(list(tmp_path.glob("sdp_diagonal-*.npz"))) == 1

    def no_solve(cov, seconds=None):
        raise AssertionError("the SDP was solved again")

    monkeypatch.setattr(module, "solve_sdp_diagonal", no_solve)
    again = sdp_diagonal(cov)  # the in-process memo
    assert again.cached and np.array_equal(again.d, first.d)
    monkeypatch.setattr(module, "_memo", {})
    from_file = sdp_diagonal(cov, tmp_path)  # the cache file, as a resumed run finds it
    assert from_file.cached and np.array_equal(from_file.d, first.d)
    module.remove_cached(cov, tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_corrupt_cache_file_is_solved_again(tmp_path):
    cov = factor_covariance(8, 2, 5)
    sdp_diagonal(cov, tmp_path)
    (path,) = tmp_path.glob("sdp_diagonal-*.npz")
    path.write_bytes(b"not a numpy file")
    module._memo.clear()
    found = sdp_diagonal(cov, tmp_path)
    assert not found.cached and smallest_eigenvalue(cov - np.diag(found.d)) >= 0


def test_a_failed_sdp_falls_back_to_the_eigenvalue_shift(monkeypatch):
    cov = factor_covariance(8, 2, 6)
    monkeypatch.setattr(module, "solve_sdp_diagonal", lambda cov, seconds=None: (None, "solver_error: test"))
    found = sdp_diagonal(cov)
    assert found.status.startswith("fallback")
    assert smallest_eigenvalue(cov - np.diag(found.d)) >= 0
    np.testing.assert_allclose(found.d, smallest_eigenvalue(cov), rtol=1e-6)


def test_the_sdp_stops_at_its_time_and_a_diagonal_cut_short_is_not_kept(tmp_path):
    cov = factor_covariance(60, 3, 7)
    cut = sdp_diagonal(cov, tmp_path, seconds=1e-3)  # SCS stops at once: its iterate, repaired
    assert cut.status != "optimal" and is_safe(cov, cut.d)
    assert not list(tmp_path.glob("sdp_diagonal-*.npz")) and not module._memo
    solved = sdp_diagonal(cov, tmp_path)
    assert solved.status == "optimal" and not solved.cached and solved.d.sum() >= cut.d.sum()


def test_exact_gives_the_sdp_a_share_of_the_time_limit(monkeypatch):
    from geo.classical.exact import DEFAULT_POINT_SECONDS, SDP_TIME_SHARE, ExactMethod

    assert ExactMethod()._sdp_seconds(1000.0) == pytest.approx(SDP_TIME_SHARE * 1000.0)
    assert ExactMethod()._sdp_seconds(float("inf")) == DEFAULT_POINT_SECONDS
    assert ExactMethod(point_time_limit=20.0)._sdp_seconds(None) == 20.0


def test_no_time_limit_lets_the_sdp_finish():
    """``ExactMethod(point_time_limit=math.inf)`` (run to proof) gives the SDP an infinite time:
    SCS takes no limit then, rather than failing on a setting it does not accept."""
    import math

    from geo.classical.exact import ExactMethod

    seconds = ExactMethod(point_time_limit=math.inf)._sdp_seconds(math.inf)
    assert seconds == math.inf
    found = sdp_diagonal(factor_covariance(8, 2, 0), seconds=seconds)
    assert found.status == "optimal" and smallest_eigenvalue(factor_covariance(8, 2, 0) - np.diag(found.d)) >= 0
