import numpy as np

from geo.methods.base import Deadline
from geo.classical.local_search import LocalSearchMethod, descend
from geo.classical.neighbourhood import all_neighbours, random_neighbour, random_selections
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


def make_evaluator(dataset, k=4, points=6, **kwargs):
    problem = Problem.from_dataset(dataset, k, **kwargs)
    return SelectionEvaluator(problem, ObjectiveGrid.target_returns(evenly_spaced_targets(problem, points)))


def test_neighbourhoods_keep_sizes_valid(sp500_sample):
    rng = np.random.default_rng(0)
    for cardinality in ("exact", "at-most"):
        problem = Problem.from_dataset(sp500_sample, 4, cardinality=cardinality)
        selection = random_selections(problem, 1, rng)[0]
        neighbours = all_neighbours(problem, selection)
        assert np.all(problem.valid_size(neighbours.sum(axis=1)))
        assert np.all((neighbours != selection).sum(axis=1) <= 2)
        for _ in range(50):
            assert problem.valid_size(int(random_neighbour(problem, selection, rng).sum()))
    exact = Problem.from_dataset(sp500_sample, 4)
    assert len(all_neighbours(exact, random_selections(exact, 1, rng)[0])) == 4 * 16


def test_descent_ends_in_a_local_optimum(sp500_sample):
    evaluator = make_evaluator(sp500_sample)
    start = random_selections(evaluator.problem, 1, np.random.default_rng(3))[0]
    optimum, cost = descend(evaluator, start, 2, np.random.default_rng(0))
    neighbour_costs = evaluator.costs(all_neighbours(evaluator.problem, optimum), [2])[:, 0]
    assert np.isfinite(cost) and np.all(neighbour_costs >= cost * (1 - 1e-12))


def test_budget_is_respected_and_runs_are_reproducible(sp500_sample):
    runs = []
    for _ in range(2):
        evaluator = make_evaluator(sp500_sample, k=5, points=5)
        run = LocalSearchMethod().solve(evaluator, np.random.default_rng(42), 600, Deadline(None))
        # One neighbourhood step may overshoot a share by at most its size; the whole stays close.
        assert evaluator.n_evaluations <= 600 + 5 * 15 + 50
        runs.append([(p.variance, tuple(sorted(p.weights))) for p in run.points])
    assert runs[0] == runs[1]


def test_deadline_stops_the_search(sp500_sample):
    evaluator = make_evaluator(sp500_sample, k=5, points=8)
    deadline = Deadline(0.0)
    run = LocalSearchMethod().solve(evaluator, np.random.default_rng(0), None, deadline)
    assert len(run.points) == 8 and run.details["stopped_by_deadline"]
