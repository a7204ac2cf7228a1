"""Holdings: what a change is, the book's errors, moving a selection back within max_changes, and
the return range reachable from the book."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.holdings import MIN_POSITION, Holdings, position_floor, read_holdings_file
from geo.problem.problem import fractional_knapsack_return

TICKERS = [f"T{i}" for i in range(8)]


def market(n: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(120, n)) * 0.01
    return rng.normal(0.0008, 0.0006, n), factors.T @ factors / 120


def test_changes_count_names_bought_plus_sold_and_leavers_are_forced_sales():
    book = {"T0": 0.4, "T1": 0.3, "T2": 0.2, "GONE": 0.1}
    holdings = Holdings.build(TICKERS, book, max_changes=2, outside="sell")
    assert holdings.forced_sales == {"GONE": 0.1} and holdings.n_held == 3
    selection = np.zeros(8, bool)
    selection[[0, 1, 5]] = True  # T2 sold, T5 bought; GONE is sold whatever happens and does not count
    assert holdings.changes(selection)[0] == 2 and holdings.allows(selection)[0]
    selection[6] = True
    assert holdings.changes(selection)[0] == 3 and not holdings.allows(selection)[0]


@pytest.mark.parametrize("book, fragment", [
    ({"T0": 0.5, "T1": 0.4}, "sum to 0.9"),
    ({"T0": 0.5, "X9": 0.3, "Y8": 0.2}, "2 held ticker(s) are not in the data set: X9, Y8"),
    ({"T0": 1.2, "T1": -0.2}, "held weight of T1 is -0.2"),
])
def test_a_bad_book_is_one_clear_error(book, fragment):
    with pytest.raises(GeoError, match=None) as error:
        Holdings.build(TICKERS, book)
    assert fragment in str(error.value)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"max_changes": -1}, "--max-changes must be at least 0"),
    ({"max_changes": 1.5}, "--max-changes must be a whole number"),
    ({"turnover_penalty": -1e-5}, "--turnover-penalty must be a non-negative number"),
])
def test_bad_controls_are_refused(kwargs, fragment):
    with pytest.raises(GeoError) as error:
        Holdings.build(TICKERS, {"T0": 1.0}, **kwargs)
    assert fragment in str(error.value)


def test_max_changes_too_small_for_any_allowed_size_is_refused():
    mu, cov = market()
    holdings = Holdings.build(TICKERS, {t: 0.25 for t in TICKERS[:4]}, max_changes=1)
    with pytest.raises(GeoError, match="takes at least 2 change"):
        Problem(mu, cov, k=6, tickers=TICKERS, holdings=holdings)
    Problem(mu, cov, k=5, tickers=TICKERS, holdings=holdings)  # one name bought: reachable


def test_a_selected_name_is_a_real_position_under_max_changes():
    assert position_floor(0.0, 3) == MIN_POSITION and position_floor(0.05, 3) == 0.05
    assert position_floor(0.0, None) == 0.0


@pytest.mark.parametrize("cardinality", ["exact", "at-most"])
def test_repair_lands_within_the_limit_at_an_allowed_size(cardinality):
    mu, cov = market()
    holdings = Holdings.build(TICKERS, {t: 0.25 for t in TICKERS[:4]}, max_changes=2)
    problem = Problem(mu, cov, k=4, cardinality=cardinality, tickers=TICKERS, w_min=MIN_POSITION,
                      holdings=holdings)
    rng = np.random.default_rng(1)
    for size in problem.feasible_sizes:
        for combo in itertools.combinations(range(8), size):
            selection = np.zeros(8, bool)
            selection[list(combo)] = True
            repaired = holdings.repair(selection, problem.feasible_sizes, rng)
            assert holdings.allows(repaired)[0] and problem.valid_size(int(repaired.sum()))
            if holdings.allows(selection)[0]:
                assert (repaired == selection).all()


@pytest.mark.parametrize("cardinality, max_changes", [("exact", 2), ("exact", 4), ("at-most", 1), ("at-most", 3)])
def test_the_return_range_is_the_range_reachable_from_the_book(cardinality, max_changes):
    mu, cov = market()
    holdings = Holdings.build(TICKERS, {"T1": 0.5, "T4": 0.3, "T6": 0.2}, max_changes=max_changes)
    problem = Problem(mu, cov, k=4, cardinality=cardinality, w_max=0.4, tickers=TICKERS, holdings=holdings)
    highs, lows = [], []
    for size in problem.feasible_sizes:
        for combo in itertools.combinations(range(8), size):
            selection = np.zeros(8, bool)
            selection[list(combo)] = True
            if holdings.allows(selection)[0]:
                values = np.sort(mu[list(combo)])[::-1]
                highs.append(fractional_knapsack_return(values, problem.w_min, problem.w_max))
                lows.append(-fractional_knapsack_return(-values[::-1], problem.w_min, problem.w_max))
    low, high = problem.return_range()
    assert high == pytest.approx(max(highs), rel=1e-12) and low == pytest.approx(min(lows), rel=1e-12)


def test_the_evaluator_screens_selections_beyond_the_limit():
    mu, cov = market()
    holdings = Holdings.build(TICKERS, {"T0": 0.5, "T1": 0.5}, max_changes=2)
    problem = Problem(mu, cov, k=2, tickers=TICKERS, w_min=MIN_POSITION, holdings=holdings)
    evaluator = SelectionEvaluator(problem, ObjectiveGrid.risk_aversions([1.0]))
    inside, outside = np.zeros(8, bool), np.zeros(8, bool)
    inside[[0, 5]] = True   # one sold, one bought
    outside[[4, 5]] = True  # two sold, two bought
    costs = evaluator.costs(np.array([inside, outside]))[:, 0]
    assert np.isfinite(costs[0]) and costs[1] == np.inf
    assert (evaluator.n_evaluations, evaluator.n_screened) == (1, 1)
    assert not evaluator.solve(outside, 0).feasible


def test_holdings_file(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("Ticker,Weight\nT0,0.6\nT1,0.4\n")
    assert read_holdings_file(path) == {"T0": 0.6, "T1": 0.4}
    path.write_text("ticker,weight\nT0,0.6\nT0,0.4\n")
    with pytest.raises(GeoError, match="lists T0 more than once"):
        read_holdings_file(path)
    path.write_text("name,share\nT0,1\n")
    with pytest.raises(GeoError, match="give it columns ticker,weight"):
        read_holdings_file(path)
    with pytest.raises(GeoError, match="does not exist"):
        read_holdings_file(tmp_path / "missing.csv")
