"""Every numeric option of geo frontier / optimize is checked: a one-line error, exit 2, nothing written."""

from __future__ import annotations

import pytest

BASE = ("frontier", "sp500-sample", "-k", "3", "--points", "3", "--quiet")


@pytest.mark.parametrize("extra, fragment", [
    (("--method", "geo", "--samples", "-5"), "--samples must be positive"),
    (("--method", "geo", "--iterations", "-1"), "--iterations must be positive"),
    (("--method", "geo", "--iterations", "0"), "--iterations must be positive"),
    (("--budget", "0"), "--budget must be positive"),
    (("--seed", "-3"), "--seed must be at least 0"),
    (("--time-limit", "-1"), "--time-limit must be a positive"),
    (("--points", "-2"), "--points must be positive"),
    (("--method", "exact", "--budget", "100"), "--budget does not apply to --method exact"),
    (("--method", "enumeration", "--budget", "100"), "--budget does not apply to --method enumeration"),
    (("--method", "unconstrained", "--budget", "100"), "--budget does not apply to --method unconstrained"),
])
def test_bad_numbers_get_one_line(run_cli, one_line_error, tmp_path, extra, fragment):
    output = tmp_path / "out.json"
    one_line_error(run_cli(*BASE, *extra, "--output", output), fragment)
    assert not output.exists()


def test_optimize_checks_its_numbers_too(run_cli, one_line_error):
    one_line_error(run_cli("optimize", "sp500-sample", "-k", "3", "--risk-aversion", "0.5",
                                  "--method", "geo", "--samples", "-5"), "--samples must be positive")


def test_the_table_is_annualised_and_labelled(run_cli):
    result = run_cli(*BASE, "--method", "enumeration")
    assert result.exit_code == 0, result.output
    assert "% a year (daily data x 252" in result.output
    assert "return % p.a." in result.output

