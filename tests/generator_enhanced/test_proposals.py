"""Where GEO's starts come from: kicks that move every incumbent, and a loop that does not stall."""

import numpy as np

from geo.generator_enhanced.optimizer import GEOMethod
from geo.generator_enhanced.pool import sampling_sizes
from geo.generator_enhanced.proposals import ratio_kick
from geo.methods.base import Deadline
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


def test_a_kick_moves_an_incumbent_below_the_sampled_size(sp500_sample):
    # At most 5, w_min = 0: the generators sample size 5 only, but the high-return end's
    # incumbent holds fewer assets; its kick must still move it.
    problem = Problem.from_dataset(sp500_sample, 5, cardinality="at-most")
    assert sampling_sizes(problem) == (5,)
    incumbent = np.zeros(problem.n_assets, dtype=bool)
    incumbent[[0, 3]] = True
    rng = np.random.default_rng(0)
    kicks = [ratio_kick(problem, incumbent, None, 3, rng, np.array(sampling_sizes(problem))) for _ in range(20)]
    assert all((kick != incumbent).any() for kick in kicks)
    assert all(kick.sum() in problem.feasible_sizes for kick in kicks)


def test_the_uniform_control_spends_its_budget_where_incumbents_hold_fewer_than_k(port1):
    # port1 (31 assets, at most 10): the high-return targets' optima hold 1-3 assets. Before kicks
    # moved them, their targets kept the head of the schedule without a start, and the loop
    # stopped after five idle iterations with most of the budget left ("nothing new to propose").
    problem = Problem.from_dataset(port1, 10, cardinality="at-most")
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 20))
    evaluator = SelectionEvaluator(problem, grid)
    run = GEOMethod(generator="uniform").solve(evaluator, np.random.default_rng(0), 30_000, Deadline(None))
    assert run.details["stopped_by"] == "budget"
    assert evaluator.n_evaluations == 30_000
