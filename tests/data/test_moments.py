"""moments:DIR — a mean vector and a covariance matrix given directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.data import load_dataset
from geo.core.errors import GeoError

TICKERS = ["AAA", "BBB", "CCC"]
COV = np.array([[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.16]])


def write_moments(folder, mean=None, cov=None, mean_text=None, cov_text=None):
    folder.mkdir(exist_ok=True)
    if mean_text is None:
        mean = mean if mean is not None else pd.DataFrame({"ticker": TICKERS, "mean": [0.01, 0.02, 0.03]})
        mean_text = mean.to_csv(index=False)
    if cov_text is None:
        cov = cov if cov is not None else pd.DataFrame(COV, index=TICKERS, columns=TICKERS)
        cov_text = cov.to_csv()
    (folder / "mean.csv").write_text(mean_text)
    (folder / "cov.csv").write_text(cov_text)
    return folder


def test_moments_load_and_reorder_cov(tmp_path):
    order = ["CCC", "AAA", "BBB"]
    shuffled = pd.DataFrame(COV, index=TICKERS, columns=TICKERS).loc[order, order]
    folder = write_moments(tmp_path / "m", cov=shuffled)
    data = load_dataset(f"moments:{folder}")
    assert data.tickers == tuple(TICKERS)
    np.testing.assert_allclose(data.mu, [0.01, 0.02, 0.03])
    np.testing.assert_allclose(data.cov, COV)
    assert data.metadata["source"] == "moments" and data.returns is None


def test_moments_round_trip_from_a_dataset(tmp_path, prices_csv):
    original = load_dataset(f"csv:{prices_csv}")
    folder = tmp_path / "round"
    folder.mkdir()
    pd.DataFrame({"ticker": original.tickers, "mean": original.mu}).to_csv(folder / "mean.csv", index=False)
    pd.DataFrame(original.cov, index=original.tickers, columns=original.tickers).to_csv(folder / "cov.csv")
    again = load_dataset(f"moments:{folder}")
    np.testing.assert_allclose(again.mu, original.mu, rtol=1e-15)
    np.testing.assert_allclose(again.cov, original.cov, rtol=1e-15)


def cov_frame(matrix, rows=TICKERS, cols=TICKERS):
    return pd.DataFrame(matrix, index=rows, columns=cols)


BAD = {
    "non-square": dict(cov=cov_frame(COV[:, :2], cols=TICKERS[:2])),
    "asymmetric": dict(cov=cov_frame(COV + np.triu(np.full((3, 3), 0.01), 1))),
    "not psd": dict(cov=cov_frame([[0.04, 0.1, 0.0], [0.1, 0.09, 0.0], [0.0, 0.0, 0.16]])),
    "nan in cov": dict(cov=cov_frame(np.where(np.eye(3) == 1, np.nan, COV))),
    "non-numeric cov": dict(cov_text=cov_frame(COV).to_csv().replace("0.09", "high")),
    "tickers differ": dict(mean=pd.DataFrame({"ticker": ["AAA", "BBB", "ZZZ"], "mean": [0.01, 0.02, 0.03]})),
    "rows differ from columns": dict(cov=cov_frame(COV, rows=["AAA", "BBB", "ZZZ"])),
    "nan in mean": dict(mean_text="ticker,mean\nAAA,0.01\nBBB,\nCCC,0.03\n"),
    "wrong mean header": dict(mean_text="symbol,mu\nAAA,0.01\nBBB,0.02\nCCC,0.03\n"),
    "duplicate tickers": dict(mean_text="ticker,mean\nAAA,0.01\nAAA,0.02\nCCC,0.03\n"),
    "empty mean": dict(mean_text=""),
    "header-only mean": dict(mean_text="ticker,mean\n"),
    "single asset": dict(mean_text="ticker,mean\nAAA,0.01\n", cov_text="ticker,AAA\nAAA,0.04\n"),
}
FRAGMENTS = {
    "non-square": "not square", "asymmetric": "not symmetric", "not psd": "positive semi-definite",
    "nan in cov": "missing or non-numeric", "non-numeric cov": "missing or non-numeric",
    "tickers differ": "different tickers", "rows differ from columns": "row tickers differ",
    "nan in mean": "missing or non-numeric", "wrong mean header": "ticker,mean",
    "duplicate tickers": "duplicate", "empty mean": "empty", "header-only mean": "no data rows",
    "single asset": "single asset",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_moments(tmp_path, case):
    folder = write_moments(tmp_path / "m", **BAD[case])
    with pytest.raises(GeoError) as excinfo:
        load_dataset(f"moments:{folder}")
    message = str(excinfo.value)
    assert FRAGMENTS[case] in message and "\n" not in message and excinfo.value.fix


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(GeoError, match="does not exist"):
        load_dataset(f"moments:{tmp_path / 'nowhere'}")
    folder = write_moments(tmp_path / "m")
    (folder / "cov.csv").unlink()
    with pytest.raises(GeoError, match="cov.csv does not exist"):
        load_dataset(f"moments:{folder}")
