"""geo data info: the units people read."""

from __future__ import annotations


def test_data_info_shows_yearly_figures_beside_per_period_ones(run_cli):
    result = run_cli("data", "info", "sp500-sample", "--start", "2018-01-01")
    assert result.exit_code == 0, result.output
    assert "(per period)" in result.output and "mean % p.a." in result.output and "stdev % p.a." in result.output
