"""geo frontier / optimize with today's book (--holdings, --max-changes, --turnover-penalty), and
geo optimize --max-sharpe; the API's holdings= takes a dict or a Series like the file."""

from __future__ import annotations

import json

import pandas as pd
import pytest

BASE = ("sp500-sample", "-k", "4", "--quiet")
BOOK = "ticker,weight\nAAPL,0.3\nKO,0.3\nJNJ,0.2\nXOM,0.2\n"


@pytest.fixture()
def book(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(BOOK)
    return path


def test_frontier_from_the_book_stays_within_max_changes(run_cli, book, tmp_path):
    out = tmp_path / "front.json"
    result = run_cli("frontier", *BASE, "--points", "4", "--holdings", book, "--max-changes", "2", "--output", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["problem"]["holdings"]["max_changes"] == 2
    assert data["problem"]["holdings"]["weights"] == {"AAPL": 0.3, "KO": 0.3, "JNJ": 0.2, "XOM": 0.2}
    held = {"AAPL", "KO", "JNJ", "XOM"}
    feasible = [p for p in data["points"] if p["status"] == "heuristic"]
    assert len(feasible) == 4
    for point in feasible:
        assert len(held ^ set(point["weights"])) <= 2 and point["changes"] <= 2
        assert min(point["weights"].values()) >= 1e-4  # a selected name is a real position


def test_optimize_with_a_turnover_penalty_reports_what_it_trades(run_cli, book):
    result = run_cli("optimize", *BASE, "--risk-aversion", "1", "--holdings", book, "--turnover-penalty", "1e-4",
                     "--method", "enumeration")
    assert result.exit_code == 0, result.output
    assert "names changed (bought + sold), weight traded" in result.output


def test_optimize_max_sharpe(run_cli, tmp_path):
    out = tmp_path / "sharpe.json"
    result = run_cli("optimize", *BASE, "--max-sharpe", "--risk-free-rate", "0.02", "--method", "enumeration",
                     "--output", out)
    assert result.exit_code == 0, result.output
    assert "Sharpe ratio" in result.output and "a year" in result.output
    point = json.loads(out.read_text())["points"][0]
    assert point["status"] == "optimal" and point["risk_free_rate"] == pytest.approx(0.02 / 252)
    assert point["sharpe"] == pytest.approx((point["return"] - 0.02 / 252) / point["variance"] ** 0.5)


@pytest.mark.parametrize("content, extra, fragment", [
    ("ticker,weight\nAAPL,0.5\nKO,0.4\n", (), "the held weights sum to 0.9, not 1"),
    ("ticker,weight\nAAPL,0.5\nNOPE,0.3\nZZZ,0.2\n", (), "not in the data set: NOPE, ZZZ"),
    (BOOK, ("--turnover-penalty", "-1"), "--turnover-penalty must be a non-negative number"),
    (BOOK, ("--max-changes", "-1"), "--max-changes must be at least 0"),
    (BOOK, ("--max-changes", "0", "-k", "5"), "--max-changes 0 cannot reach a portfolio of 5 names from the 4 held"),
])
def test_bad_books_and_controls_are_one_line(run_cli, one_line_error, tmp_path, content, extra, fragment):
    path, out = tmp_path / "book.csv", tmp_path / "out.json"
    path.write_text(content)
    one_line_error(run_cli("frontier", *BASE, "--points", "3", "--holdings", path, *extra, "--output", out), fragment)
    assert not out.exists()


def test_controls_without_a_book_and_bad_max_sharpe_are_one_line(run_cli, one_line_error):
    one_line_error(run_cli("optimize", *BASE, "--risk-aversion", "1", "--max-changes", "2"), "need the book")
    one_line_error(run_cli("optimize", *BASE, "--max-sharpe", "--risk-aversion", "1"), "exactly one of")
    one_line_error(run_cli("optimize", *BASE, "--max-sharpe", "--risk-free-rate", "0.9"),
                   "no 4-asset portfolio returns more than the risk-free rate")
    one_line_error(run_cli("optimize", *BASE, "--max-sharpe", "--method", "relaxation"),
                   "no convex relaxation of the max-Sharpe")


def test_the_api_takes_the_book_as_a_dict_or_a_series(book):
    import geo

    data = geo.load("sp500-sample")
    from_file = geo.optimize(data, k=4, risk_aversion=1.0, holdings=book, max_changes=2, method="enumeration")
    weights = pd.read_csv(book).set_index("ticker")["weight"]
    from_series = geo.optimize(data, k=4, risk_aversion=1.0, holdings=weights, max_changes=2, method="enumeration")
    from_dict = geo.optimize(data, k=4, risk_aversion=1.0, holdings=weights.to_dict(), max_changes=2,
                             method="enumeration")
    assert from_file.result.points[0].weights == from_series.result.points[0].weights == \
        from_dict.result.points[0].weights
    assert from_file.to_frame().loc[0, "changes"] <= 2
