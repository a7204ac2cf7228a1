"""The backtest report: equity curves, drawdowns, holdings heat map and sector weights, one file."""

from __future__ import annotations

import json


def test_report_written_by_backtest_and_by_geo_report(market, run_cli, tmp_path):
    path, _ = market
    out, html = tmp_path / "bt.json", tmp_path / "bt.html"
    result = run_cli("backtest", f"csv:{path}", "-k", "3", "--start", "2020-01-01", "--end", "2020-06-30",
                     "--budget", "200", "--sector-cap", "0.5", "--quiet", "--output", out, "--report", html)
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert page.count("<svg") == 4
    for text in ("Performance out of sample", "equal_weight", "min_variance", "Holdings over time", "Tech"):
        assert text in page
    data = json.loads(out.read_text())
    assert data["rebalances"][0]["date"] in page
    again = tmp_path / "again.html"
    result = run_cli("report", out, "--output", again)
    assert result.exit_code == 0, result.output
    assert again.read_text().count("<svg") == 4
