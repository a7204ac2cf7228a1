"""Bad input through the command line: one line naming the problem and the fix, exit code 2.

Every case runs ``geo`` through click's runner (exceptions not caught, so a traceback fails the
test), passes ``--output`` in tmp_path and checks that nothing was written. Unsorted dates are
not an error: the data layer sorts them and reports it (``cleaning.sorted_dates``), which
:func:`test_unsorted_dates_are_sorted_and_reported` checks. Yahoo cases replace the downloader
(``geo.data.yahoo.yfinance_download``) and the backoff sleep, and run in an empty folder so the
price cache starts empty.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from yfinance.exceptions import YFRateLimitError

import geo.data.yahoo as yahoo
from geo.data import DataWarning, load_dataset
from geo.core.errors import GeoError

FOUR = ("AAA", "BBB", "CCC", "DDD")


def prices(rows=120, tickers=FOUR, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-01", periods=rows, name="date")
    values = 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, (rows, len(tickers))), axis=0))
    return pd.DataFrame(values, index=dates, columns=list(tickers))


def write_moments(folder, mu, cov, mean_tickers=None, cov_tickers=None):
    """``moments:`` folder; ``cov_tickers`` label the rows and (as many as there are) columns."""
    folder.mkdir()
    mean_tickers = mean_tickers or [f"T{i}" for i in range(len(mu))]
    cov_tickers = cov_tickers or [f"T{i}" for i in range(max(np.shape(cov)))]
    pd.DataFrame({"ticker": mean_tickers, "mean": mu}).to_csv(folder / "mean.csv", index=False)
    pd.DataFrame(cov, index=cov_tickers[: cov.shape[0]], columns=cov_tickers[: cov.shape[1]]).to_csv(folder / "cov.csv")
    return f"moments:{folder}"


def good_moments(n=5, seed=0):
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, n))
    return rng.normal(0.01, 0.005, n), factor @ factor.T / 100


def not_psd_moments():
    mu, cov = good_moments()
    values, vectors = np.linalg.eigh(cov)
    values[0] = -0.01
    bad = vectors @ np.diag(values) @ vectors.T
    return mu, (bad + bad.T) / 2


# -- the cases: each builds its command line in tmp_path -------------------------------------
def csv_text(text):
    def build(tmp_path):
        path = tmp_path / "prices.csv"
        path.write_text(text)
        return ["frontier", f"csv:{path}", "-k", 2, "--points", 3]
    return build


def csv_frame(change, **to_csv):
    def build(tmp_path):
        path = tmp_path / "prices.csv"
        change(prices()).to_csv(path, **to_csv)
        return ["frontier", f"csv:{path}", "-k", 2, "--points", 3]
    return build


def non_numeric(frame):
    frame = frame.astype(object)
    frame.iloc[5, 1] = "abc"
    return frame


def set_cell(value):
    def change(frame):
        frame.iloc[4, 2] = value
        return frame
    return change


def all_nan(frame):
    frame["BBB"] = np.nan
    return frame


def moments_case(make, *extra):
    def build(tmp_path):
        return ["frontier", make(tmp_path / "moments"), "-k", 2, "--points", 3, *extra]
    return build


def asymmetric(folder):
    mu, cov = good_moments()
    cov[0, 1] += 0.01
    return write_moments(folder, mu, cov)


def with_nan(which):
    def make(folder):
        mu, cov = good_moments()
        if which == "cov":
            cov[1, 1] = np.nan
        else:
            mu[2] = np.nan
        return write_moments(folder, mu, cov)
    return make


def sample(*args, command="frontier"):
    def build(tmp_path):
        return [command, "sp500-sample", *args]
    return build


def targets_file(tmp_path):
    path = tmp_path / "targets.txt"
    path.write_text("# daily returns\n0.0006\n0.9\n")
    return ["frontier", "sp500-sample", "-k", 3, "--targets", path]


CASES = {
    # files
    "empty file": (csv_text(""), ["is empty", "date column"]),
    "header only": (csv_text("date,AAA,BBB\n"), ["header but no data rows", "add one row per date"]),
    "missing date column": (csv_frame(lambda f: f, index=False), ["holds numbers, not dates", "put the dates"]),
    "non-numeric cell": (csv_frame(non_numeric), ["non-numeric value 'abc' in column BBB", "must be a number"]),
    "duplicate tickers": (csv_text("date,AAA,AAA,BBB\n2021-01-04,1,2,3\n2021-01-05,1,2,3\n"),
                          ["duplicate tickers: AAA", "one column per ticker"]),
    "duplicate dates": (csv_frame(lambda f: pd.concat([f, f.iloc[[3]]])), ["duplicate dates", "one row per date"]),
    "zero price": (csv_frame(set_cell(0.0)), ["price 0.0 of CCC", "zero or negative", "prices must be positive"]),
    "negative price": (csv_frame(set_cell(-3.0)), ["price -3.0 of CCC", "zero or negative", "prices must be positive"]),
    "all-NaN column": (csv_frame(all_nan), ["BBB hold no values", "remove those columns"]),
    "too few rows": (csv_frame(lambda f: f.iloc[:3]), ["only 2 complete daily return(s)", "at least 3", "widen the window"]),
    "single asset": (csv_frame(lambda f: f[["AAA"]]), ["single asset (AAA)", "at least two assets"]),
    "semicolon delimiter": (csv_frame(lambda f: f, sep=";"), ["semicolon-separated", "save it comma-separated"]),
    "tab delimiter": (csv_frame(lambda f: f, sep="\t"), ["tab-separated", "save it comma-separated"]),
    # moments:DIR
    "non-square covariance": (moments_case(lambda d: write_moments(d, *good_moments()[:1], good_moments()[1][:, :4])),
                              ["5 x 4, not square", "one row and one column per ticker"]),
    "asymmetric covariance": (moments_case(asymmetric), ["not symmetric", "give a symmetric covariance"]),
    "covariance not PSD": (moments_case(lambda d: write_moments(d, *not_psd_moments())),
                           ["not positive semi-definite", "smallest eigenvalue -0.01", "--repair-covariance nearest-psd",
                            "shrinkage"]),
    "mismatched tickers": (moments_case(lambda d: write_moments(d, *good_moments(), mean_tickers=["T0", "T1", "T2", "T3", "X9"])),
                           ["different tickers", "only in mean: ['X9']", "only in cov: ['T4']", "same tickers"]),
    "NaN in covariance": (moments_case(with_nan("cov")), ["cov.csv: missing or non-numeric value for T1", "finite number"]),
    "NaN in means": (moments_case(with_nan("mean")), ["mean.csv: missing or non-numeric value for T2", "finite number"]),
    # the problem
    "K = 0": (sample("-k", 0), ["K = 0", "choose K between 1 and 20"]),
    "K > N": (sample("-k", 25), ["K = 25", "universe has 20 assets", "choose K between 1 and 20"]),
    "w_min > w_max": (sample("-k", 4, "--w-min", 0.5, "--w-max", 0.4),
                      ["w_min = 0.5 is larger than w_max = 0.4", "swap or relax"]),
    "K*w_min > 1": (sample("-k", 4, "--w-min", 0.3), ["K * w_min = 1.2 > 1", "lower --w-min to at most 0.25"]),
    "K*w_max < 1": (sample("-k", 4, "--w-max", 0.2), ["K * w_max = 0.8 < 1", "raise --w-max to at least 0.25"]),
    "w_max not a number": (sample("-k", 4, "--w-max", "nan"), ["weight bounds must be finite", "--w-max"]),
    "negative w_min": (sample("-k", 4, "--w-min", -0.1), ["0 <= w_min", "non-negative bounds"]),
    "target return too high": (sample("-k", 3, "--target-return", 0.5, command="optimize"),
                               ["target return 0.5 is outside the attainable range", "choose targets inside"]),
    "target return too low": (sample("-k", 3, "--target-return", -0.5, command="optimize"),
                              ["target return -0.5 is outside", "choose targets inside"]),
    "targets file outside": (targets_file, ["target return 0.9 is outside the attainable range", "choose targets inside"]),
    "unknown method": (sample("-k", 3, "--method", "magic"), ["unknown method 'magic'", "use one of", "local-search"]),
    "unknown generator": (sample("-k", 3, "--method", "geo", "--generator", "gpt"),
                          ["unknown generator 'gpt'", "use one of", "mps"]),
    "window without data": (sample("-k", 3, "--start", "2030-01-01"), ["has no data from 2030-01-01", "choose start/end inside"]),
    "window too short": (sample("-k", 3, "--start", "2020-01-01", "--end", "2020-01-03"),
                         ["only 1 complete daily return(s)", "widen the window"]),
}


@pytest.mark.parametrize("build, fragments", CASES.values(), ids=list(CASES))
def test_bad_input_is_one_line(tmp_path, build, fragments, run_cli, one_line_error):
    out = tmp_path / "out.json"
    result = run_cli(*build(tmp_path), "--output", out, "--quiet")
    one_line_error(result, *fragments)
    assert not out.exists() and not (tmp_path / "out.json.checkpoint").exists()


def test_unsorted_dates_are_sorted_and_reported(tmp_path, run_cli):
    """Not an error: dates carry their own order, so the data layer sorts them and says so."""
    path = tmp_path / "prices.csv"
    prices().iloc[::-1].to_csv(path)
    out = tmp_path / "out.json"
    result = run_cli("frontier", f"csv:{path}", "-k", 2, "--points", 3, "--output", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["dataset"]["cleaning"]["sorted_dates"] is True
    info = run_cli("data", "info", f"csv:{path}")
    assert info.exit_code == 0 and "sorted_dates: True" in info.output


def test_not_psd_covariance_repaired_on_request(tmp_path, run_cli):
    spec = write_moments(tmp_path / "moments", *not_psd_moments())
    out = tmp_path / "out.json"
    result = run_cli("frontier", spec, "-k", 2, "--points", 3, "--repair-covariance", "nearest-psd", "--output", out, "--quiet")
    assert result.exit_code == 0, result.output
    # Never silent: a warning on the terminal, the repair in the results file.
    assert "geo: warning:" in result.output and "repaired to the nearest PSD matrix" in result.output
    dataset = json.loads(out.read_text())["dataset"]
    repair = dataset["cleaning"]["covariance_repair"]
    assert repair["method"].startswith("nearest-psd") and repair["negative_eigenvalues"] == 1
    assert repair["smallest_eigenvalue_before"] == pytest.approx(-0.01)
    assert any("repaired" in warning for warning in dataset["warnings"])
    info = run_cli("data", "info", spec, "--repair-covariance", "nearest-psd")
    assert info.exit_code == 0 and "covariance_repair" in info.output
    # In code: the same option; the repaired matrix is the nearest PSD one (only -0.01 removed).
    with pytest.warns(DataWarning, match="repaired to the nearest PSD matrix"):
        data = load_dataset(spec, repair_covariance="nearest-psd")
    assert np.linalg.eigvalsh(data.cov)[0] >= -1e-15
    assert data.metadata["cleaning"]["covariance_repair"]["frobenius_change"] == pytest.approx(0.01)
    # The command-line option did not leak into later loads.
    with pytest.raises(GeoError, match="not positive semi-definite"):
        load_dataset(spec)


# -- yahoo: a fake downloader, a fresh cache, no real sleeping --------------------------------
YAHOO = ("--start", "2021-01-04", "--end", "2021-06-30")


def yahoo_closes(tickers, start, end, **kwargs):
    """Like yfinance.download: a (Price, Ticker) frame; the unknown ZZZZ is all NaN."""
    dates = pd.bdate_range(start, end, inclusive="left")
    rng = np.random.default_rng(0)
    close = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (len(dates), len(tickers))), axis=0)),
                         index=dates, columns=list(tickers))
    close.loc[:, [t for t in tickers if t == "ZZZZ"]] = np.nan
    return pd.concat({"Close": close}, axis=1, names=["Price", "Ticker"])


def raise_connection_error(*args, **kwargs):
    raise ConnectionError("Failed to perform, curl: (6) Could not resolve host")


def raise_rate_limit(*args, **kwargs):
    raise YFRateLimitError()


def empty_frame(*args, **kwargs):
    return pd.DataFrame()


YAHOO_CASES = {
    "unknown ticker": (yahoo_closes, "yahoo:AAPL,MSFT,ZZZZ", ["no prices for ZZZZ", "check the symbols"]),
    "no network": (raise_connection_error, "yahoo:AAPL,MSFT,KO",
                   ["could not download 3 ticker(s)", "ConnectionError", "retry later", "sp500-sample", "csv:PATH"]),
    "rate limit": (raise_rate_limit, "yahoo:AAPL,MSFT,KO",
                   ["rate-limited by Yahoo after 4 retries", "retry later", "sp500-sample"]),
    "window without data": (empty_frame, "yahoo:AAPL,MSFT,KO",
                            ["no prices for any of AAPL, MSFT, KO between 2021-01-04 and 2021-06-30", "--start/--end"]),
}


@pytest.mark.parametrize("downloader, spec, fragments", YAHOO_CASES.values(), ids=list(YAHOO_CASES))
def test_yahoo_failure_is_one_line(tmp_path, monkeypatch, downloader, spec, fragments, run_cli, one_line_error):
    sleeps = []
    monkeypatch.setattr(yahoo, "yfinance_download", downloader)
    monkeypatch.setattr(yahoo, "_sleep", sleeps.append)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.json"
    result = run_cli("frontier", spec, "-k", 2, "--points", 3, *YAHOO, "--output", out, "--quiet")
    one_line_error(result, *fragments)
    assert not out.exists()
    if downloader is raise_rate_limit:
        assert sleeps == [2.0, 4.0, 8.0, 16.0]  # exponential backoff, not actually slept
    else:
        assert sleeps == []


def test_yahoo_fake_download_works(tmp_path, monkeypatch, run_cli):
    """The fake answers like yfinance: with known tickers the same command succeeds."""
    monkeypatch.setattr(yahoo, "yfinance_download", yahoo_closes)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.json"
    result = run_cli("frontier", "yahoo:AAPL,MSFT,KO", "-k", 2, "--points", 3, *YAHOO, "--output", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["dataset"]["n_assets"] == 3
