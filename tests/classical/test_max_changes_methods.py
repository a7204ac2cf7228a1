"""--max-changes through every classical method: moves, starts and answers stay within M changes of
the book, the evaluator never prices a selection beyond it, and enumeration (the proof) agrees with
exact; a turnover penalty is carried by the MIQP and the relaxation too."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.classical.enumeration import all_selections, count_selections
from geo.classical.neighbourhood import all_neighbours, random_neighbour, random_selections
from geo.methods.registry import make_method
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.holdings import Holdings, position_floor

N = 12
TICKERS = [f"T{i}" for i in range(N)]
BOOK = {"T0": 0.3, "T3": 0.3, "T5": 0.2, "T8": 0.2}


def make_problem(cardinality: str = "exact", max_changes: int | None = 2, kappa: float = 0.0, k: int = 4) -> Problem:
    rng = np.random.default_rng(7)
    factors = rng.normal(size=(150, N)) * 0.01
    mu, cov = rng.normal(0.0008, 0.0006, N), factors.T @ factors / 150
    holdings = Holdings.build(TICKERS, BOOK, max_changes=max_changes, turnover_penalty=kappa)
    return Problem(mu, cov, k=k, cardinality=cardinality, w_min=position_floor(0.0, max_changes), w_max=0.6,
                   tickers=TICKERS, holdings=holdings)


def priced_within_limit(evaluator: SelectionEvaluator) -> bool:
    selections, costs = evaluator.known()
    priced = np.isfinite(costs).any(axis=1)  # NaN: not priced; inf: screened or infeasible
    return bool(evaluator.problem.holdings.allows(selections[priced]).all())


@pytest.mark.parametrize("cardinality", ["exact", "at-most"])
def test_moves_stay_within_the_limit(cardinality):
    problem = make_problem(cardinality, max_changes=3, k=5)
    holdings, rng = problem.holdings, np.random.default_rng(0)
    inside = [s for s in random_selections(problem, 40, rng)]
    assert all(holdings.allows(s)[0] and problem.valid_size(int(s.sum())) for s in inside)
    seen = set()
    for start in inside[:10]:
        neighbours = all_neighbours(problem, start)
        allowed = {n.tobytes() for n in neighbours}
        assert holdings.allows(neighbours).all()
        for _ in range(300):
            moved = random_neighbour(problem, start, rng)
            assert holdings.allows(moved)[0] and (moved.tobytes() in allowed or (moved == start).all())
            seen.add((start.tobytes(), moved.tobytes()))
        # every allowed move can be drawn (uniform within its kind): none is out of reach
        reached = {m for s, m in seen if s == start.tobytes()}
        assert allowed <= reached | {start.tobytes()}


@pytest.mark.parametrize("cardinality, max_changes", [("exact", 0), ("exact", 2), ("at-most", 1), ("at-most", 3)])
def test_enumeration_generates_exactly_the_selections_within_the_limit(cardinality, max_changes):
    problem = make_problem(cardinality, max_changes, k=4)
    generated = np.concatenate(list(all_selections(problem)))
    brute = [s for size in problem.feasible_sizes for s in itertools.combinations(range(N), size)]
    expected = {tuple(s) for s in brute
                if problem.holdings.changes(np.isin(np.arange(N), s))[0] <= max_changes}
    assert {tuple(np.flatnonzero(row)) for row in generated} == expected
    assert len(generated) == count_selections(problem) == len(expected)


METHODS = [("local-search", {}, 3000), ("annealing", {"steps": 200}, 600), ("relaxation", {}, 3000)]


@pytest.mark.parametrize("cardinality", ["exact", "at-most"])
@pytest.mark.parametrize("kappa", [0.0, 5e-5])
def test_every_method_answers_within_the_limit_and_enumeration_is_the_optimum(cardinality, kappa):
    problem = make_problem(cardinality, max_changes=2, kappa=kappa)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 4))
    proof = compute_frontier(problem, grid, make_method("enumeration"), seed=0)
    assert all(p.status in ("optimal", "infeasible") for p in proof.points)
    runs = {"exact": compute_frontier(problem, grid, make_method("exact", point_time_limit=20), seed=0)}
    for name, settings, budget in METHODS:
        evaluator = SelectionEvaluator(problem, grid)
        runs[name] = compute_frontier(problem, grid, make_method(name, **settings), seed=1, budget=budget,
                                      evaluator=evaluator)
        assert priced_within_limit(evaluator), name
    pricing = SelectionEvaluator(problem, grid)

    def cost(point, column: int) -> float:
        return pricing.costs(problem.selection_from_tickers(list(point.weights)), [column])[0, 0]

    for name, run in {"enumeration": proof, **runs}.items():
        for column, (point, proven) in enumerate(zip(run.points, proof.points)):
            if point.feasible:
                held = problem.selection_from_tickers(list(point.weights))
                assert problem.holdings.changes(held)[0] <= 2 and point.extras["changes"] <= 2, name
                assert cost(point, column) >= cost(proven, column) * (1 - 1e-9), name
    for column, (point, proven) in enumerate(zip(runs["exact"].points, proof.points)):
        assert point.status == ("optimal" if proven.feasible else "infeasible")
        if point.feasible:
            assert cost(point, column) == pytest.approx(cost(proven, column), rel=1e-6)


def test_the_relaxation_bound_counts_the_penalty():
    problem = make_problem(max_changes=None, kappa=2e-4)
    grid = ObjectiveGrid.risk_aversions([1.0])
    proof = compute_frontier(problem, grid, make_method("enumeration"), seed=0)
    relaxed = compute_frontier(problem, grid, make_method("relaxation"), seed=0)
    evaluator = SelectionEvaluator(problem, grid)
    optimum = evaluator.costs(problem.selection_from_tickers(list(proof.points[0].weights)))[0, 0]
    plain = compute_frontier(make_problem(max_changes=None), grid, make_method("relaxation"), seed=0)
    bound = relaxed.points[0].extras["relaxation_bound"]
    assert plain.points[0].extras["relaxation_bound"] < bound <= optimum * (1 + 1e-6)
