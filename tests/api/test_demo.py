"""The first run: GEO and enumeration on the bundled sample, GEO's gap and its generator, one report."""

from __future__ import annotations

import json


import pandas as pd

from geo.api.demo import _pct, compact_iterations, demo_text, run_demo


def test_demo_compares_geo_and_its_control_with_the_proven_optimum(tmp_path):
    demo = run_demo(tmp_path, budget=600, seed=3, points=4, k=3)
    assert demo.geo.evaluations <= 600 and demo.control.evaluations <= 600
    assert demo.geo.result.details["generator"] == "mps" and demo.control.result.details["generator"] == "uniform"
    assert set(demo.optimum.to_frame()["status"]) == {"optimal (certified)"}
    for front in (demo.geo, demo.control):
        assert (front.compare(demo.optimum)["gap_pct"].dropna() >= -1e-7).all()  # nothing beats a proven optimum
    text = demo_text(demo)
    summary = demo.gaps.attrs["summary"]
    assert f"mean {summary['mean']:.3f} %" in text and "targets_improved_by_generator" in text
    assert "geo (uniform) above %" in text and "seed above optimum %" in text
    assert "-0.000" not in text  # round-off below a proven optimum reads as 0.000
    html = demo.report.read_text()
    assert "geo (mps)" in html and "geo (uniform)" in html and "enumeration" in html
    saved = json.loads((tmp_path / "sp500-sample-k3-geo.json").read_text())
    assert saved["details"]["iterations"] and saved["dataset"]["periods_per_year"] == 252
    assert (tmp_path / "sp500-sample-k3-enumeration.json").is_file()
    assert (tmp_path / "sp500-sample-k3-geo-uniform.json").is_file()


def test_the_iteration_table_is_compact():
    frame = pd.DataFrame({"starts": range(1, 36)}, index=pd.Index(range(1, 36), name="iteration"))
    assert compact_iterations(frame).index.tolist() == [1, 2, 3, 10, 20, 30, 35]


def test_demo_command_is_registered(run_cli):
    result = run_cli("demo", "--help")
    assert result.exit_code == 0 and "enumeration" in result.output


def test_round_off_below_the_optimum_prints_as_zero():
    assert [_pct(v) for v in (-1e-9, -0.0004, 0.0, 0.2481, -0.2481)] == ["0.000", "0.000", "0.000", "0.248", "-0.248"]
