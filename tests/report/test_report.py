"""``geo report`` on real small runs: the HTML's content, the PDF, the weights CSV."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from geo.core.errors import GeoError
from geo.core.results import FrontierResult
from geo.report import load_results, make_report, parse_points, report_from_files
from geo.report.portfolios import choose_points


@pytest.fixture(scope="session")
def sp500_report(sp500_runs, tmp_path_factory) -> dict[str, Path]:
    """The report of the three sp500-sample runs, through the file path (data set reloaded)."""
    folder = tmp_path_factory.mktemp("sp500-report")
    paths = [sp500_runs["local-search"], sp500_runs["geo"], sp500_runs["enumeration"]]
    return report_from_files(paths, output=folder / "report.html", pdf=folder / "report.pdf",
                             weights_csv=folder / "weights.csv")


@pytest.fixture(scope="session")
def sp500_html(sp500_report) -> str:
    return sp500_report["html"].read_text()


def section(html: str, anchor: str) -> str:
    """The text of one <section id=...> of the report."""
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    assert match, f"no section {anchor}"
    return match.group(1)


def test_html_is_self_contained_with_every_section(sp500_html):
    for heading in ("Efficient frontier", "Methods compared", "Portfolios", "GEO convergence and generator quality",
                    "Run metadata", "Problem", "Data", "Cleaning", "Runs", "Library versions"):
        assert f">{heading}</h" in sp500_html, heading
    # Figures inline (the frontier and GEO's convergence); nothing fetched from anywhere.
    assert sp500_html.count("<svg") == 2
    assert not re.search(r'(src|href)="(https?:)?//', sp500_html)
    assert "<link" not in sp500_html and "<script" not in sp500_html


def test_methods_table_has_every_method_and_its_numbers(sp500_runs, sp500_html):
    methods = section(sp500_html, "methods")
    for label in ("local-search", "geo (uniform)", "enumeration"):
        assert label in methods
    assert "enumeration <em>(reference)</em>" in methods  # the exact run is the gap reference
    assert "6 of 6 points proven optimal" in methods
    local = FrontierResult.read_json(sp500_runs["local-search"])
    assert f"{local.details['evaluations']:,}" in methods
    assert f"heuristic {len(local.points)}" in methods and f"optimal {len(local.points)}" in methods
    # gap mean, Chang MPE and hypervolume cells are numbers, not dashes, for the heuristics
    row = re.search(r"local-search</td>(.*?)</tr>", methods, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert re.fullmatch(r"-?\d+\.\d{3}%", cells[1]), cells  # gap mean
    assert re.fullmatch(r"-?\d+\.\d{3}%", cells[6]), cells  # Chang MPE
    assert re.fullmatch(r"\d\.\d{3}e-\d\d", cells[8]), cells  # hypervolume
    assert "variance " in methods and "one reference point for every method" in methods


def test_portfolios_show_holdings_and_sectors(sp500_runs, sp500_html):
    portfolios = section(sp500_html, "portfolios")
    assert portfolios.count("Holdings at the chosen points") == 3
    assert portfolios.count("Sector breakdown") == 3
    assert "min variance" in portfolios and "max return" in portfolios
    local = FrontierResult.read_json(sp500_runs["local-search"])
    lowest = min((p for p in local.points if p.feasible), key=lambda p: p.variance)
    ticker, weight = max(lowest.weights.items(), key=lambda kv: kv[1])
    assert f"<td>{ticker}</td>" in portfolios and f"{100 * weight:.2f}%" in portfolios
    assert "Health Care" in portfolios or "Information Technology" in portfolios


def test_geo_section_plots_and_tabulates_the_iterations(sp500_runs, sp500_html):
    geo = section(sp500_html, "geo")
    records = FrontierResult.read_json(sp500_runs["geo"]).details["iterations"]
    assert len(records) == 3 and "<svg" in geo
    for name in ("exploration", "fidelity", "rate", "quality coverage", "mean best cost"):
        assert name in geo
    assert f"{records[-1]['mean_best_cost']:.4e}" in geo
    assert geo.count("<tr>") == 1 + len(records)


def test_metadata_names_data_problem_versions_and_command(sp500_runs, sp500_html):
    meta = section(sp500_html, "metadata")
    info = FrontierResult.read_json(sp500_runs["local-search"])
    for text in ("sp500-sample", info.dataset["start"], info.dataset["end"], "sample (ddof 1)", "jumps masked",
                 info.versions["numpy"], "geo frontier sp500-sample -k 3 (test fixture)", "seed"):
        assert text in meta, text
    assert "unconstrained frontier, recomputed from the data set sp500-sample" in sp500_html


def test_pdf_is_written(sp500_report):
    data = sp500_report["pdf"].read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_weights_csv_has_every_weight_of_every_point(sp500_runs, sp500_report):
    with open(sp500_report["weights_csv"], newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:4] == ["method", "target_return", "ticker", "weight"]
    expected = sum(len(p.weights) for path in sp500_runs.values() for p in FrontierResult.read_json(path).points)
    assert len(rows) == expected
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        totals[row["method"], row["target_return"]] += float(row["weight"])
    assert {method for method, _ in totals} == {"local-search", "geo (uniform)", "enumeration"}
    assert all(total == pytest.approx(1.0, abs=1e-9) for total in totals.values())


def test_port1_report_uses_the_published_frontier(port1_run, port1, shared_data, tmp_path):
    out = tmp_path / "port1.html"
    make_report(load_results([port1_run]), output=out, reference_data=shared_data, dataset=port1)
    html = out.read_text()
    methods = section(html, "methods")
    assert "published CCEF" in methods and "RetRisk31_SolVal.txt" in methods
    row = re.search(r"local-search</td>(.*?)</tr>", methods, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[0] == "8 / 8" and cells[5] == "8"  # all eight points compared with the reference
    assert float(cells[1].rstrip("%")) < 1.0  # local search is close to the proven frontier
    assert "published cardinality-constrained frontier" in html  # plotted
    assert "the published unconstrained frontier of port1" in html
    assert "Sectors are unknown: the data set port1 records none" in html


def test_a_data_set_that_cannot_be_reloaded_is_a_note(sp500_runs, tmp_path):
    data = json.loads(sp500_runs["local-search"].read_text())
    data["dataset"]["spec"] = f"csv:{tmp_path / 'gone.csv'}"
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(data))
    out = tmp_path / "r.html"
    report_from_files([moved], output=out)
    html = out.read_text()
    assert "could not be reloaded" in html and "no unconstrained frontier" in html
    assert "<svg" in html and "Sectors are unknown" in html


def test_points_choice(sp500_runs):
    [item] = load_results([sp500_runs["local-search"]])
    assert parse_points(None) == 5 and parse_points("3") == 3 and parse_points("2,5") == [2, 5]
    chosen = choose_points(item, 3)
    variances = [item.result.points[i].variance for i in chosen]
    assert len(chosen) == 3 and variances[0] == min(p.variance for p in item.result.points if p.feasible)
    assert choose_points(item, [2, 5]) == [1, 4]
    for bad in ("x", "0", "1,-2"):
        with pytest.raises(GeoError):
            parse_points(bad)
    with pytest.raises(GeoError, match="has 6 points"):
        choose_points(item, [7])


def test_errors_leave_no_output(sp500_runs, tmp_path, monkeypatch):
    out, pdf, weights = tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "w.csv"
    with pytest.raises(GeoError, match="does not exist"):
        report_from_files([tmp_path / "missing.json"], output=out)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(GeoError, match="not a geo results file"):
        report_from_files([sp500_runs["geo"], tmp_path / "bad.json"], output=out)
    # A failure of the last step (the PDF) leaves neither the HTML nor the CSV behind.
    import geo.report.render as render

    def broken(html):
        raise GeoError("the PDF renderer failed", "test")

    monkeypatch.setattr(render, "render_pdf", broken)
    out.write_text("the previous report")
    with pytest.raises(GeoError, match="PDF renderer failed"):
        report_from_files([sp500_runs["geo"]], output=out, pdf=pdf, weights_csv=weights)
    assert out.read_text() == "the previous report" and not pdf.exists() and not weights.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "r.html"]  # no temporary file left


def test_results_of_different_problems_are_refused(sp500_runs, port1_run, tmp_path):
    with pytest.raises(GeoError, match="different problems"):
        report_from_files([sp500_runs["geo"], port1_run], output=tmp_path / "r.html")
