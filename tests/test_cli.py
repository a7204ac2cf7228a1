"""The command line end to end, through click's runner, on real (small) data.

Bad input must give one line naming the problem and the fix, exit code 2, no traceback,
and no output file.
"""

import json

import numpy as np
import pandas as pd
import pytest



def prices_csv(path, tickers=("AAA", "BBB", "CCC", "DDD"), rows=120, seed=0):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-01", periods=rows)
    prices = 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, (rows, len(tickers))), axis=0))
    frame = pd.DataFrame(prices, index=dates, columns=list(tickers))
    frame.index.name = "date"
    frame.to_csv(path)
    return frame


def test_frontier_writes_results_contract(run_cli, tmp_path):
    out = tmp_path / "r.json"
    result = run_cli("frontier", "sp500-sample", "-k", 4, "--points", 5, "--seed", 3, "--output", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert "local-search | sp500-sample | K=4" in result.output
    data = json.loads(out.read_text())
    assert {"dataset", "n_assets", "k", "cardinality", "w_min", "w_max", "objective"} <= set(data["problem"])
    assert data["method"] == "local-search" and data["seed"] == 3 and data["timing"]["wall_s"] > 0
    assert data["versions"]["numpy"] and data["versions"]["cvxpy"]
    assert len(data["points"]) == 5
    for point in data["points"]:
        assert {"target_return", "return", "variance", "weights", "status"} <= set(point)
        assert sum(point["weights"].values()) == pytest.approx(1.0)
        assert point["return"] == pytest.approx(point["target_return"], rel=1e-9)


def test_same_seed_same_results(run_cli, tmp_path):
    outputs = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        args = ("frontier", "sp500-sample", "-k", 3, "--points", 4, "--method", "annealing", "--budget", 2000,
                "--seed", 11, "--output", out, "--quiet")
        assert run_cli(*args).exit_code == 0
        data = json.loads(out.read_text())
        data.pop("timing")
        data["details"].pop("command", None)
        outputs.append(data)
    assert outputs[0] == outputs[1]


def test_optimize_and_data_info(run_cli):
    result = run_cli("optimize", "sp500-sample", "-k", 3, "--risk-aversion", 0.5, "--quiet")
    assert result.exit_code == 0 and "variance" in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("  ")]) <= 3
    info = run_cli("data", "info", "sp500-sample")
    assert info.exit_code == 0 and "assets       20" in info.output and "jumps" in info.output


def test_version_and_help(run_cli):
    assert run_cli("--version").exit_code == 0
    for command in (["frontier"], ["optimize"], ["data", "info"]):
        result = run_cli(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


@pytest.mark.parametrize("args, fragments", [
    (["-k", 25], ["K = 25", "between 1 and 20"]),
    (["-k", 0], ["K = 0"]),
    (["-k", 4, "--w-min", 0.3], ["K * w_min", "--w-min"]),
    (["-k", 4, "--w-max", 0.2], ["K * w_max", "--w-max"]),
    (["-k", 4, "--w-min", 0.5, "--w-max", 0.4], ["larger than w_max"]),
    (["-k", 4, "--method", "magic"], ["unknown method 'magic'"]),
    (["-k", 4, "--method", "geo", "--generator", "gpt"], ["unknown generator 'gpt'"]),
    (["-k", 4, "--budget", 0], ["--budget"]),
    (["-k", 4, "--points", 5, "--targets", "x.txt"], ["both given"]),
])
def test_bad_problem_input(run_cli, tmp_path, args, fragments, one_line_error):
    out = tmp_path / "out.json"
    result = run_cli("frontier", "sp500-sample", *args, "--output", out, "--quiet")
    one_line_error(result, *fragments)
    assert not out.exists()


def test_unreachable_target_return(run_cli, tmp_path, one_line_error):
    out = tmp_path / "out.json"
    result = run_cli("optimize", "sp500-sample", "-k", 3, "--target-return", 0.5, "--output", out)
    one_line_error(result, "outside the attainable range")
    assert not out.exists()


def test_malformed_and_nan_files(run_cli, tmp_path, one_line_error):
    bad = tmp_path / "bad.csv"
    bad.write_text("date;AAA;BBB\n2021-01-01;1;2\n")
    one_line_error(run_cli("frontier", f"csv:{bad}", "-k", 1), "csv")
    frame = prices_csv(tmp_path / "p.csv")
    frame["BBB"] = np.nan
    frame.to_csv(tmp_path / "nan.csv")
    out = tmp_path / "out.json"
    result = run_cli("frontier", f"csv:{tmp_path / 'nan.csv'}", "-k", 2, "--output", out)
    assert result.exit_code == 2 and "Traceback" not in result.output and not out.exists()
    one_line_error(run_cli("frontier", "csv:/no/such/file.csv", "-k", 2), "does not exist")


def test_csv_prices_end_to_end(run_cli, tmp_path):
    prices_csv(tmp_path / "p.csv")
    result = run_cli("frontier", f"csv:{tmp_path / 'p.csv'}", "-k", 2, "--points", 3, "--quiet")
    assert result.exit_code == 0, result.output


def test_no_network_is_one_line(run_cli, tmp_path, monkeypatch, one_line_error):
    import geo.data.yahoo as yahoo

    def offline(*args, **kwargs):
        raise ConnectionError("network is unreachable")

    monkeypatch.setattr(yahoo, "yfinance_download", offline)
    monkeypatch.chdir(tmp_path)
    result = run_cli("frontier", "yahoo:AAPL,MSFT,KO", "-k", 2, "--output", tmp_path / "o.json")
    one_line_error(result, "sp500-sample")
    assert not (tmp_path / "o.json").exists()


def test_data_fetch_then_list_with_a_fake_yahoo(run_cli, tmp_path, monkeypatch):
    import geo.data.yahoo as yahoo

    frame = prices_csv(tmp_path / "p.csv", tickers=("AAA", "BBB", "CCC"), rows=400)
    calls = []

    def fake_download(tickers, start=None, end=None, **kwargs):
        calls.append(list(tickers))
        rows = frame.loc[(frame.index >= start) & (frame.index < end)].reindex(columns=list(tickers))
        result = pd.concat({"Close": rows}, axis=1, names=["Price", "Ticker"])
        result.index.name = "Date"
        return result

    monkeypatch.setattr(yahoo, "yfinance_download", fake_download)
    cache = tmp_path / "cache"
    args = ("data", "fetch", "yahoo:AAA,BBB,CCC", "--start", "2021-02-01", "--end", "2021-08-01",
            "--cache-dir", cache, "--quiet")
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    assert "3 tickers cached" in first.output and calls
    calls.clear()
    again = run_cli(*args)
    assert again.exit_code == 0 and calls == []  # all from the cache
    listing = run_cli("data", "list", "--cache-dir", cache)
    assert listing.exit_code == 0 and "3 tickers cached" in listing.output and "AAA" in listing.output


def test_exact_without_a_time_limit_announces_its_default_per_point(tmp_path):
    """One notice line on stderr (a real process, so the CLI's own logging set-up is used)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from geo.classical.exact import DEFAULT_POINT_SECONDS

    output = tmp_path / "exact.json"
    completed = subprocess.run([sys.executable, "-m", "geo.cli", "frontier", "sp500-sample", "-k", "2", "--points",
                                "1", "--method", "exact", "--quiet", "--output", str(output)],
                               cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONHASHSEED": "0"},
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    notices = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(notices) == 1 and notices[0].startswith("geo: exact: no time limit given"), completed.stderr
    assert f"{DEFAULT_POINT_SECONDS:g} s" in notices[0]
    result = json.loads(output.read_text())
    assert result["details"]["point_time_limit"] == DEFAULT_POINT_SECONDS
    assert all(p["time_limit_s"] == DEFAULT_POINT_SECONDS for p in result["points"])
