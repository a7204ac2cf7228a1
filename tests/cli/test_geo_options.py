"""GEO's --starts and --conditioning on the command line and in the API: used, recorded, checked."""

from __future__ import annotations

import json

import pytest

import geo
from geo.core.errors import GeoError

BASE = ("frontier", "sp500-sample", "-k", "3", "--points", "4", "--quiet", "--method", "geo", "--budget", "600")


@pytest.mark.parametrize("extra, recorded", [
    (("--starts", "sample"), {"starts": "sample", "conditioning": "segments"}),
    (("--starts", "kick", "--conditioning", "segment-site"), {"starts": "kick", "conditioning": "segment-site"}),
])
def test_geo_options_reach_the_method_and_the_results(run_cli, tmp_path, extra, recorded):
    output = tmp_path / "out.json"
    result = run_cli(*BASE, *extra, "--output", output)
    assert result.exit_code == 0, result.output
    details = json.loads(output.read_text())["details"]
    assert {key: details[key] for key in recorded} == recorded
    assert details["evaluations"] <= 600


@pytest.mark.parametrize("extra, fragments", [
    (("--starts", "random"), ["unknown start mode 'random'", "use one of: swaps, kick, sample"]),
    (("--conditioning", "per-target"), ["unknown conditioning 'per-target'", "segments, segment-site"]),
    (("--conditioning", "segment-site", "--generator", "uniform"), ["segment-site needs --generator mps"]),
])
def test_bad_geo_option_values_get_one_line(run_cli, one_line_error, tmp_path, extra, fragments):
    output = tmp_path / "out.json"
    one_line_error(run_cli(*BASE, *extra, "--output", output), *fragments)
    assert not output.exists()


def test_geo_options_only_apply_to_geo(run_cli, one_line_error):
    one_line_error(run_cli("frontier", "sp500-sample", "-k", "3", "--points", "3", "--quiet", "--starts", "sample"),
                   "--starts only apply to --method geo")


def test_the_api_takes_the_same_settings():
    front = geo.frontier("sp500-sample", k=3, method="geo", budget=600, points=4, starts="sample",
                         conditioning="segment-site")
    assert front.result.details["starts"] == "sample"
    assert front.result.details["conditioning"] == "segment-site"
    with pytest.raises(GeoError, match="unknown start mode"):
        geo.frontier("sp500-sample", k=3, method="geo", starts="nope")
