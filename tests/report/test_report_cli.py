"""``geo report`` and ``geo frontier --report`` end to end, and the report in a real browser."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from geo.cli import main
from geo.report import load_results, make_report


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_one_line_error(result, fragment):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("geo: error: ") and fragment in lines[0], result.output


def test_report_command_writes_html_and_csv(sp500_runs, tmp_path):
    out, weights = tmp_path / "r.html", tmp_path / "w.csv"
    result = invoke("report", sp500_runs["local-search"], "--output", out, "--weights-csv", weights,
                    "--points", "1,6")
    assert result.exit_code == 0, result.output
    assert f"html written to {out}" in result.output and f"weights csv written to {weights}" in result.output
    html = out.read_text()
    assert "#1<br>" in html and "#6<br>" in html and "#3<br>" not in html
    assert weights.read_text().startswith("method,target_return,ticker,weight")


@pytest.mark.parametrize("args, fragment", [
    (["missing.json", "--output", "r.html"], "does not exist"),
    (["corrupt.json", "--output", "r.html"], "is not a geo results file"),
    (["GOOD", "--output", "r.html", "--points", "many"], "--points"),
    (["GOOD"], "nowhere to go"),
])
def test_report_command_errors_are_one_line(sp500_runs, tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corrupt.json").write_text('{"method": "x"}')
    args = [str(sp500_runs["geo"]) if a == "GOOD" else a for a in args]
    assert_one_line_error(invoke("report", *args), fragment)
    assert not (tmp_path / "r.html").exists()


def test_frontier_report_option(tmp_path):
    out, report = tmp_path / "f.json", tmp_path / "f.html"
    result = invoke("frontier", "sp500-sample", "-k", 3, "--points", 4, "--method", "geo", "--generator", "uniform",
                    "--iterations", 2, "--output", out, "--report", report, "--quiet")
    assert result.exit_code == 0, result.output
    assert f"report written to {report}" in result.output
    html = report.read_text()
    assert "geo (uniform)" in html and "GEO convergence" in html and html.count("<svg") == 2
    assert str(out) in html  # the results file is named as the report's source


def test_report_renders_in_chromium(sp500_runs, sp500_sample, chromium, tmp_path):
    """Debian's chromium opens the file (no network) and the page it paints is not blank."""
    import numpy as np
    from PIL import Image

    page = tmp_path / "report.html"
    make_report(load_results([sp500_runs["local-search"], sp500_runs["geo"]]), output=page, dataset=sp500_sample)
    shot = tmp_path / "shot.png"
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1200,1600",
               f"--screenshot={shot}", page.as_uri()]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), completed.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    assert pixels.shape == (1600, 1200, 3)
    non_white = float((pixels.min(axis=2) < 235).mean())
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    assert non_white > 0.03, f"only {non_white:.1%} of the page is painted"
    assert colours > 200, f"only {colours} distinct colours: the figure did not render"
    # The methods' colours of the plot and the swatches are on screen (tab10 blue and orange).
    for colour in ((0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)):
        assert (np.abs(pixels - colour).max(axis=2) < 12).any(), colour


def test_the_report_is_the_same_with_and_without_the_moments_cache(tmp_path, monkeypatch):
    """``geo frontier`` caches the moments of a csv: file; ``geo report`` reads them back (the price
    file is not read again) and writes the same report as from a cold load."""
    import re

    import numpy as np
    import pandas as pd

    import geo.data.spec

    rng = np.random.default_rng(3)
    dates = pd.date_range("2021-01-01", periods=260, freq="B", name="date")
    closes = 50.0 * np.exp(np.cumsum(rng.normal(0.0004, 0.012, size=(len(dates), 6)), axis=0))
    prices, results = tmp_path / "prices.csv", tmp_path / "frontier.json"
    pd.DataFrame(closes, index=dates, columns=[f"S{i}" for i in range(6)]).to_csv(prices)
    assert invoke("frontier", f"csv:{prices}", "-k", 2, "--points", 3, "--quiet", "--output", results).exit_code == 0
    reads: list[str] = []
    read = geo.data.spec.read_wide_table
    monkeypatch.setattr(geo.data.spec, "read_wide_table", lambda *a, **k: reads.append(a[0]) or read(*a, **k))
    assert invoke("report", results, "--output", tmp_path / "cached.html").exit_code == 0
    assert reads == []
    monkeypatch.setenv("GEO_MOMENTS_CACHE", "off")
    assert invoke("report", results, "--output", tmp_path / "cold.html").exit_code == 0
    assert len(reads) == 1

    def content(name: str) -> str:
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", (tmp_path / name).read_text())

    assert "recomputed from the data set prices" in content("cold.html")
    assert content("cached.html") == content("cold.html")
