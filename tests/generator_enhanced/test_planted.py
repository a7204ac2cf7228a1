"""Planted instances: the generator alone (the paper's raw loop, no descent) must find structure
that random sampling misses, and the MPS structure that independent bits cannot express.

Stand-alone GEO answers every target cheaply before its loop (issue 17 §1), and on a planted
instance that construction can land on the optimum by itself; these tests therefore score
what the generator found: the best cost in the loop's pool (``mean_best_cost`` of the last
iteration, one target here), which the construction's answers never enter.
"""

import numpy as np
import pytest

from geo.generator_enhanced.optimizer import GEOMethod
from geo.methods.base import Deadline
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

SEEDS = (0, 1, 2)
MIN_VARIANCE = ObjectiveGrid.risk_aversions([1.0])


def generator_excess(problem, optimum, name, seed, budget):
    """How far above the optimum (relative) the best selection of the generator's loop is."""
    evaluator = SelectionEvaluator(problem, MIN_VARIANCE)
    run = GEOMethod(generator=name, refine="none", seed_method="random", initial_pool=50,
                    samples_per_iteration=50).solve(evaluator, np.random.default_rng(seed), budget, Deadline(None))
    assert evaluator.n_evaluations <= budget
    best = SelectionEvaluator(problem, MIN_VARIANCE).costs(optimum)[0, 0]
    return run.details["iterations"][-1]["mean_best_cost"] / best - 1


def diagonal_problem(n=40, k=5, n_good=10, seed=0):
    """Uncorrelated assets, ten of them with low variance: the minimum-variance K-selections all
    come from those ten (shared marginals), which a random K-of-N sample rarely holds
    (C(10,5)/C(40,5) = 0.04 %). The optimum: the five lowest variances."""
    rng = np.random.default_rng(seed)
    sigma = np.full(n, 0.30)
    good = rng.choice(n, n_good, replace=False)
    sigma[good] = np.linspace(0.10, 0.12, n_good)
    optimum = np.zeros(n, dtype=bool)
    optimum[good[:k]] = True
    return Problem(np.full(n, 0.05) + 0.001 * rng.standard_normal(n), np.diag(sigma**2), k), optimum


def paired_problem(n_pairs=16, k=8, seed=0, common=0.30, own=0.05):
    """Assets in adjacent pairs that hedge each other: a pair's two returns share a factor with
    opposite signs, so holding both cancels it (variance own^2 / 2 for the pair), and holding one
    alone keeps it. Every selection of K / 2 whole pairs is optimal. Each asset is held in the
    same share of the optima as in a random selection (K / N), so independent bits see nothing;
    the structure is in the pairs (a bond between adjacent sites of an MPS)."""
    rng = np.random.default_rng(seed)
    n = 2 * n_pairs
    cov = np.eye(n) * (common**2 + own**2)
    for pair in range(n_pairs):
        cov[2 * pair, 2 * pair + 1] = cov[2 * pair + 1, 2 * pair] = -common**2
    optimum = np.zeros(n, dtype=bool)
    optimum[:k] = True
    return Problem(np.full(n, 0.05) + 0.001 * rng.standard_normal(n), cov, k), optimum


@pytest.mark.parametrize("generator", ["independent", "mps"])
def test_learning_generators_find_a_planted_optimum_that_random_sampling_misses(generator):
    """Shared marginals: 1,500 evaluations; the learned generators reach the optimum, uniform
    sampling does not."""
    problem, optimum = diagonal_problem()
    seeds = SEEDS if generator == "independent" else SEEDS[:1]
    assert all(generator_excess(problem, optimum, "uniform", seed, 1500) > 1e-9 for seed in SEEDS)
    assert all(generator_excess(problem, optimum, generator, seed, 1500) < 1e-9 for seed in seeds)


def learns_the_pairs(generator):
    """The claim under test: on the paired instance, at 1,000 evaluations, the generator's loop
    reaches an optimum on every seed."""
    problem, optimum = paired_problem()
    return all(generator_excess(problem, optimum, generator, seed, 1000) < 1e-9 for seed in SEEDS)


def test_the_mps_learns_correlations_that_independent_bits_cannot_express():
    problem, optimum = paired_problem()
    excess = {name: [generator_excess(problem, optimum, name, seed, 1000) for seed in SEEDS]
              for name in ("mps", "independent", "uniform")}
    assert max(excess["mps"]) < 1e-9
    assert np.mean(excess["mps"]) < np.mean(excess["independent"])
    assert np.mean(excess["mps"]) < np.mean(excess["uniform"])


@pytest.mark.parametrize("generator", ["uniform", "independent"])
def test_the_pairs_claim_fails_for_the_controls(generator):
    """The test above can fail: the same claim is false for uniform sampling and for
    independent bits."""
    assert not learns_the_pairs(generator)
