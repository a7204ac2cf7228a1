"""The backtest report: equity curves net and gross, drawdowns, trading, universe, holdings, sectors, one file."""

from __future__ import annotations

import json


def test_report_written_by_backtest_and_by_geo_report(market, run_cli, tmp_path):
    path, _ = market
    out, html = tmp_path / "bt.json", tmp_path / "bt.html"
    result = run_cli("backtest", f"csv:{path}", "-k", "3", "--start", "2020-01-01", "--end", "2020-06-30",
                     "--budget", "200", "--sector-cap", "0.5", "--cost-bps", "20", "--quiet", "--output", out,
                     "--report", html)
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert page.count("<svg") == 6
    for text in ("Performance out of sample", "equal_weight", "min_variance", "Holdings over time", "Tech",
                 "net of trading costs", "before costs", "Is the difference more than noise?", "Sortino",
                 "CVaR 95 %", "worst month", "survivorship bias", "look-ahead", "names bought + sold",
                 "eligible (clean window"):
        assert text in page
    data = json.loads(out.read_text())
    assert data["rebalances"][0]["date"] in page
    again = tmp_path / "again.html"
    result = run_cli("report", out, "--output", again)
    assert result.exit_code == 0, result.output
    assert again.read_text().count("<svg") == 6
