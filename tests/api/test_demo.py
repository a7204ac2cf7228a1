"""The first run: GEO and enumeration on the bundled sample, GEO's gap and its generator, one report."""

from __future__ import annotations

import json


from geo.api.demo import demo_text, run_demo


def test_demo_compares_geo_with_the_proven_optimum(tmp_path):
    demo = run_demo(tmp_path, budget=600, seed=3, points=4, k=3)
    assert demo.geo.evaluations <= 600
    assert set(demo.optimum.to_frame()["status"]) == {"optimal (certified)"}
    gaps = demo.gaps["gap_pct"]
    assert (gaps.dropna() >= -1e-7).all()  # nothing beats a proven optimum
    text = demo_text(demo)
    summary = demo.gaps.attrs["summary"]
    assert f"mean {summary['mean']:.3f} %" in text and "exploration" in text and "quality_coverage" in text
    html = demo.report.read_text()
    assert "geo (mps)" in html and "enumeration" in html and "Generator quality" not in text
    saved = json.loads((tmp_path / "sp500-sample-k3-geo.json").read_text())
    assert saved["details"]["iterations"] and saved["dataset"]["periods_per_year"] == 252
    assert (tmp_path / "sp500-sample-k3-enumeration.json").is_file()


def test_demo_command_is_registered(run_cli):
    result = run_cli("demo", "--help")
    assert result.exit_code == 0 and "enumeration" in result.output
