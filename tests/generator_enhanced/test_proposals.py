"""Where GEO's starts come from: kicks that move every incumbent, and a loop that does not stall."""

import numpy as np

from geo.generator_enhanced.optimizer import GEOMethod
from geo.generator_enhanced.pool import Pool, sampling_sizes
from geo.generator_enhanced.proposals import RELAY_REACH, ratio_kick, relay_starts
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


def test_relay_starts_hand_each_target_the_answers_of_nearby_targets_once(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 3)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 6)[:5])
    pool = Pool(SelectionEvaluator(problem, grid))
    candidates = np.zeros((40, problem.n_assets), dtype=bool)
    rng = np.random.default_rng(0)
    for row in candidates:
        row[rng.choice(problem.n_assets, 3, replace=False)] = True
    pool.add(candidates)
    best = pool.best_rows()
    assert (best >= 0).all() and len(set(best.tolist())) > 2
    relayed: set = set()
    handed = []
    for _ in range(2 * RELAY_REACH + 1):
        (start,) = relay_starts(pool, np.array([2]), relayed)
        if start is None:
            break
        handed.append(start)
    # the answers of targets 3, 1, 4, 0 (nearest first, the next one first), each once, and
    # never target 2's own: distinct answers only
    expected = [pool.selections[best[c]] for c in (3, 1, 4, 0) if best[c] != best[2]]
    distinct = {row.tobytes(): row for row in expected}
    assert len(handed) == len(distinct)
    assert [row.tobytes() for row in handed] == list(dict.fromkeys(row.tobytes() for row in expected))
    assert relay_starts(pool, np.array([2]), relayed) == [None]


def test_the_loop_starts_from_relays_unless_told_not_to(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 3)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 10))

    def relay_starts_made(relay):
        run = GEOMethod(generator="uniform", relay=relay, iterations=3).solve(
            SelectionEvaluator(problem, grid), np.random.default_rng(0), None, Deadline(None))
        return sum(record["relay_starts"] for record in run.details["iterations"])

    assert relay_starts_made(True) > 0
    assert relay_starts_made(False) == 0
