"""The evaluator's budget accounting: a hard limit, and pairs screened by proven bounds."""

import numpy as np
import pytest

from geo.classical.neighbourhood import random_selections
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


@pytest.fixture
def port_like(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 5, w_min=0.0, w_max=0.4)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 8))
    return problem, grid


@pytest.mark.parametrize("budget", [1, 7, 50, 333])
def test_the_limit_is_never_exceeded_and_unpriced_pairs_are_never_good(port_like, budget):
    problem, grid = port_like
    evaluator = SelectionEvaluator(problem, grid)
    evaluator.set_budget(budget)
    selections = random_selections(problem, 100, np.random.default_rng(1))
    table = evaluator.costs(selections)
    assert evaluator.n_evaluations == budget
    reference = SelectionEvaluator(problem, grid).costs(selections)
    priced = np.isfinite(table)
    np.testing.assert_allclose(table[priced], reference[priced], rtol=1e-12)
    # what the limit left unpriced is reported as inf, never as a cost
    assert np.isinf(table[~priced]).all()
    evaluator.costs(random_selections(problem, 50, np.random.default_rng(2)))
    assert evaluator.n_evaluations == budget


def test_out_of_reach_targets_are_screened_not_spent(port_like):
    problem, grid = port_like
    evaluator = SelectionEvaluator(problem, grid)
    lowest = np.zeros(problem.n_assets, dtype=bool)
    lowest[np.argsort(problem.mu)[:5]] = True  # cannot reach the top targets
    table = evaluator.costs(lowest)
    unreachable = int(np.isinf(table).sum())
    assert unreachable > 0
    assert evaluator.n_screened == unreachable
    assert evaluator.n_evaluations == len(grid) - unreachable


def test_cutoff_screens_only_pairs_that_cannot_beat_it(port_like):
    """With a cutoff, a pair comes back as a finite cost below the cutoff exactly when its true
    cost is below it; screened pairs cost nothing."""
    problem, grid = port_like
    selections = random_selections(problem, 300, np.random.default_rng(3))
    truth = SelectionEvaluator(problem, grid).costs(selections)
    for column in range(len(grid)):
        finite = truth[:, column][np.isfinite(truth[:, column])]
        cutoff = float(np.quantile(finite, 0.3))
        evaluator = SelectionEvaluator(problem, grid)
        got = evaluator.costs(selections, [column], cutoff=cutoff)[:, 0]
        below = truth[:, column] < cutoff
        np.testing.assert_allclose(got[below], truth[below, column], rtol=1e-12)
        assert np.all(~(got[~below] < cutoff))
        assert evaluator.n_evaluations + evaluator.n_screened == len(np.unique(selections, axis=0))


def test_cutoff_screening_is_not_vacuous_with_binding_bounds(sp500_sample):
    """With w_max binding often, the two-fund bound rules out some pairs (the screen does work)."""
    problem = Problem.from_dataset(sp500_sample, 5, w_min=0.0, w_max=0.25)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 5))
    selections = random_selections(problem, 300, np.random.default_rng(4))
    truth = SelectionEvaluator(problem, grid).costs(selections, [2])[:, 0]
    evaluator = SelectionEvaluator(problem, grid)
    evaluator.costs(selections, [2], cutoff=float(np.nanmin(truth[np.isfinite(truth)])))
    assert evaluator.n_screened > 0


def test_a_pair_screened_again_is_counted_once(port_like):
    problem, grid = port_like
    selections = random_selections(problem, 200, np.random.default_rng(4))
    evaluator = SelectionEvaluator(problem, grid)
    finite = SelectionEvaluator(problem, grid).costs(selections, [3])[:, 0]
    cutoff = float(np.quantile(finite[np.isfinite(finite)], 0.3))
    evaluator.costs(selections, [3], cutoff=cutoff)
    screened, spent = evaluator.n_screened, evaluator.n_evaluations
    assert screened > 0
    evaluator.costs(selections, [3], cutoff=cutoff)  # the same pairs, screened again: not counted again
    assert (evaluator.n_screened, evaluator.n_evaluations) == (screened, spent)


def test_solver_failures_are_counted_apart_and_logged_once(port_like, monkeypatch, caplog):
    """A QP that DAQP cannot solve, with or without its ridge, is left unpriced (+inf, never a
    good price), counted in n_solver_failures (not as screened), and logged once at -v."""
    import logging

    import daqp

    from geo.problem import compiled_pricing
    from geo.problem import evaluator as evaluator_module

    problem, grid = port_like
    selection = random_selections(problem, 1, np.random.default_rng(5))[0]
    reference = SelectionEvaluator(problem, grid).costs(selection)[0]

    def to_daqp(*args):  # the compiled kernels settle these pairs; hand every one on to DAQP
        table, code = compiled_pricing.price_group(*args)
        code[code == compiled_pricing.PRICED] = compiled_pricing.DEFERRED
        return table, code

    monkeypatch.setattr(evaluator_module, "price_group", to_daqp)
    monkeypatch.setattr(daqp, "solve", lambda *args, **kwargs: (None, None, -1, None))
    evaluator = SelectionEvaluator(problem, grid)
    with caplog.at_level(logging.INFO, logger="geo.problem.selection_qp"):
        table = evaluator.costs(selection)[0]
        evaluator.costs(selection)  # a memo hit: no second attempt, no second line
    failed = int(evaluator.n_solver_failures)
    assert failed > 0 and np.isinf(table).sum() >= failed
    assert evaluator.n_screened == int(np.isinf(reference).sum())  # only the out-of-reach pairs
    assert len([r for r in caplog.records if "DAQP could not solve" in r.getMessage()]) == failed
