"""geo frontier with sector caps: every point within its caps, and the input errors."""

from __future__ import annotations

import json

import pytest

from geo.data.sample import SP500_SAMPLE_SECTORS


def test_frontier_points_keep_the_sector_caps(run_cli, tmp_path):
    out = tmp_path / "f.json"
    result = run_cli("frontier", "sp500-sample", "-k", "4", "--sector-cap", "0.3", "--method", "enumeration",
                     "--points", "5", "--start", "2018-01-01", "--quiet", "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["problem"]["sector_caps"]["Health Care"] == 0.3
    feasible = [p for p in data["points"] if p["status"] == "optimal"]
    assert feasible
    for point in feasible:
        totals: dict[str, float] = {}
        for ticker, weight in point["weights"].items():
            totals[SP500_SAMPLE_SECTORS[ticker]] = totals.get(SP500_SAMPLE_SECTORS[ticker], 0) + weight
        assert max(totals.values()) <= 0.3 + 1e-9


@pytest.mark.parametrize("caps, fragment", [("Mining,0.2\n", "unknown sector"),
                                            ("", "sum to")])
def test_bad_caps_files(run_cli, one_line_error, tmp_path, caps, fragment):
    path = tmp_path / "caps.csv"
    body = caps or "".join(f"{s},0.1\n" for s in sorted(set(SP500_SAMPLE_SECTORS.values())))
    path.write_text("sector,cap\n" + body)
    result = run_cli("frontier", "sp500-sample", "-k", "4", "--sector-caps", path, "--quiet",
                     "--output", tmp_path / "f.json")
    one_line_error(result, fragment)
    assert not (tmp_path / "f.json").exists()
