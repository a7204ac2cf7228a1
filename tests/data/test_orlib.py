"""OR-Library port and indtrack files, against the shared benchmark copies."""

from __future__ import annotations

import numpy as np
import pytest

from geo.data import load_dataset
from geo.core.errors import GeoError


@pytest.fixture(scope="module")
def orlib(shared_data):
    return shared_data / "orlib"


def read_port_tokens(path):
    tokens = path.read_text().split()
    n = int(tokens[0])
    pairs = np.array(tokens[1 : 1 + 2 * n], dtype=float).reshape(n, 2)
    triples = np.array(tokens[1 + 2 * n :], dtype=float).reshape(-1, 3)
    return n, pairs, triples


def test_port1_loads_with_covariance_from_correlations(orlib):
    data = load_dataset(f"orlib:{orlib / 'port1.txt'}")
    n, pairs, triples = read_port_tokens(orlib / "port1.txt")
    assert data.n_assets == n == 31
    assert data.tickers[0] == "asset1" and data.tickers[-1] == "asset31"
    np.testing.assert_allclose(data.mu, pairs[:, 0])
    sd = pairs[:, 1]
    for i, j, corr in triples:
        i, j = int(i) - 1, int(j) - 1
        assert data.cov[i, j] == pytest.approx(corr * sd[i] * sd[j], rel=1e-12)
        assert data.cov[j, i] == data.cov[i, j]
    np.testing.assert_allclose(np.diag(data.cov), sd**2)
    assert data.metadata["frequency"] == "weekly" and data.metadata["source"] == "orlib-port"


def test_port1_published_uef(orlib):
    uef = load_dataset(f"orlib:{orlib / 'port1.txt'}").published_uef
    assert list(uef.columns) == ["return", "variance"]
    assert len(uef) == 2000
    assert uef["return"].is_monotonic_increasing
    assert uef["return"].iloc[-1] == pytest.approx(0.010865)
    assert uef["variance"].iloc[-1] == pytest.approx(0.004775501)


@pytest.mark.parametrize("number, n_assets", [(2, 85), (3, 89), (4, 98), (5, 225)])
def test_all_port_files_load(orlib, number, n_assets):
    data = load_dataset(f"orlib:{orlib / f'port{number}.txt'}")
    assert data.n_assets == n_assets and data.published_uef is not None
    assert np.allclose(data.cov, data.cov.T)


def test_indtrack6_gives_457_assets_with_the_published_convention(orlib):
    data = load_dataset(f"orlib:{orlib / 'indtrack' / 'indtrack6.txt'}")
    assert data.n_assets == 457 and data.returns.shape == (290, 457)
    assert data.metadata["ddof"] == 1 and data.metadata["return_kind"] == "log"
    # The top of the published UEF (RetRisk457, last row, last column) is held by two assets, so
    # the best two-asset portfolio at that target return reproduces it: only with weekly log
    # returns and ddof=1 (ddof=0 would be 0.35% lower).
    published = np.loadtxt(orlib / "ccef" / "RetRisk457_SolVal.txt")
    target, variance = published[-1, 0], published[-1, -1]
    mu, cov = data.mu, data.cov
    i, j = np.triu_indices(data.n_assets, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (target - mu[j]) / (mu[i] - mu[j])
    ok = np.isfinite(w) & (w >= 0) & (w <= 1)
    two_asset = w**2 * cov[i, i] + (1 - w) ** 2 * cov[j, j] + 2 * w * (1 - w) * cov[i, j]
    assert two_asset[ok].min() == pytest.approx(variance, rel=1e-5)


def test_indtrack1_wrapped_lines(orlib):
    data = load_dataset(f"orlib:{orlib / 'indtrack' / 'indtrack1.txt'}")
    assert data.n_assets == 31 and data.metadata["n_observations"] == 290


def test_synthetic_indtrack_excludes_the_index(tmp_path):
    index = [100, 101, 103]
    stock_a = [10, 11, 12.1]
    stock_b = [20, 19, 19.95]
    text = "2 2\n" + " ".join(map(str, index[:2])) + "\n" + " ".join(map(str, index[2:] + stock_a)) + "\n" + "\n".join(map(str, stock_b))
    path = tmp_path / "indtrack9.txt"
    path.write_text(text)
    data = load_dataset(f"orlib:{path}")
    assert data.tickers == ("asset1", "asset2")
    np.testing.assert_allclose(data.returns.to_numpy(), np.diff(np.log([stock_a, stock_b]), axis=1).T)


def test_port_without_portef(tmp_path):
    path = tmp_path / "port9.txt"
    path.write_text("2\n0.01 0.1\n0.02 0.2\n1 1 1.0\n1 2 0.5\n2 2 1.0\n")
    data = load_dataset(f"orlib:{path}")
    assert data.published_uef is None
    np.testing.assert_allclose(data.cov, [[0.01, 0.01], [0.01, 0.04]])


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("2\n0.01 0.1\n0.02 x\n", "non-numeric"),
        ("2\n0.01 0.1\n0.02 0.2\n1 1 1.0\n", "neither"),
        ("2\n0.01 0.1\n0.02 0.2\n1 1 1.0\n1 3 0.5\n2 2 1.0\n", "outside"),
        ("2\n0.01 0.1\n0.02 -0.2\n1 1 1.0\n1 2 0.5\n2 2 1.0\n", "standard deviation"),
    ],
)
def test_bad_orlib_files(tmp_path, text, fragment):
    path = tmp_path / "port9.txt"
    path.write_text(text)
    with pytest.raises(GeoError, match=fragment):
        load_dataset(f"orlib:{path}")


def test_missing_orlib_file_and_options(tmp_path, orlib):
    with pytest.raises(GeoError, match="does not exist"):
        load_dataset(f"orlib:{tmp_path / 'port1.txt'}")
    with pytest.raises(GeoError, match="unknown option"):
        load_dataset(f"orlib:{orlib / 'port1.txt'}", frequency="weekly")
