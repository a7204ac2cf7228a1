"""Transfer across rebalance dates: the mapping of selections and generators to a changed universe,
and a GEO run that starts from what the previous date handed on."""

from itertools import product

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.generator_enhanced.optimizer import GEOMethod
from geo.generator_enhanced.transfer import (Carry, carry_in, check_transfer, remap_generator, remap_mps_tensors,
                                             remap_selections, same_order)
from geo.generators.independent import IndependentGenerator
from geo.generators.mps import MPSGenerator
from geo.methods.base import Deadline
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator

OLD = ("A", "B", "C", "D", "E")
NEW = ("N0", "A", "C", "N1", "D", "N2")  # B and E left; N0, N1, N2 entered (first, middle, last)


def test_selections_holding_a_leaver_are_dropped_the_others_mapped_by_ticker():
    selections = np.array([[1, 0, 1, 1, 0],   # A C D: all stay
                           [1, 1, 0, 0, 0],   # holds B (left)
                           [0, 0, 1, 0, 1],   # holds E (left)
                           [0, 0, 1, 1, 0]], dtype=bool)
    mapped, dropped = remap_selections(selections, OLD, NEW)
    assert dropped == 2
    np.testing.assert_array_equal(mapped, [[0, 1, 1, 0, 1, 0], [0, 0, 1, 0, 1, 0]])


def brute_probabilities(tensors, n):
    amplitudes = []
    for bits in product((0, 1), repeat=n):
        vector = np.ones((1,))
        for site, bit in zip(tensors, bits):
            vector = vector @ site[:, bit, :]
        amplitudes.append(float(vector[0]))
    weights = np.array(amplitudes) ** 2
    return weights / weights.sum()


def test_mps_mapping_conditions_a_leaver_on_not_held_and_gives_an_entrant_a_neutral_site():
    rng = np.random.default_rng(0)
    bonds = [1, 2, 3, 3, 2, 1]
    tensors = [rng.standard_normal((bonds[i], 2, bonds[i + 1])) for i in range(5)]
    rate = 0.3
    mapped = remap_mps_tensors(tensors, OLD, NEW, rate)
    assert len(mapped) == len(NEW)
    got = brute_probabilities(mapped, len(NEW))
    old = brute_probabilities(tensors, len(OLD)).reshape((2,) * 5)
    expected = np.empty((2,) * 6)
    for n0, a, c, n1, d, n2 in product((0, 1), repeat=6):
        entrants = np.prod([rate if bit else 1 - rate for bit in (n0, n1, n2)])
        expected[n0, a, c, n1, d, n2] = old[a, 0, c, d, 0] * entrants  # B and E not held
    np.testing.assert_allclose(got, (expected / expected.sum()).reshape(-1), atol=1e-12)
    generator = MPSGenerator.from_tensors(tensors, max_bond=3)
    copy = remap_generator(generator, OLD, NEW, rate)
    assert copy.max_bond == 3 and copy.tensors_ is not generator.tensors_
    np.testing.assert_allclose(np.exp(copy.log_prob(np.array(list(product((0, 1), repeat=6)), dtype=bool))),
                               got, atol=1e-12)


def test_independent_marginals_follow_their_tickers_and_entrants_get_the_rate():
    model = IndependentGenerator()
    model.marginals_ = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    np.testing.assert_allclose(remap_generator(model, OLD, NEW, 0.25).marginals_, [0.25, 0.1, 0.3, 0.25, 0.4, 0.25])


def test_models_start_fresh_when_the_segments_or_the_order_differ():
    rng = np.random.default_rng(1)
    generator = MPSGenerator().fit(rng.random((20, 5)) < 0.4, np.full(20, 0.05), rng)
    independent = IndependentGenerator().fit(rng.random((20, 5)) < 0.4, np.full(20, 0.05), rng)
    carry = Carry(OLD, np.zeros((0, 5), dtype=bool), [(generator, independent)])
    assert carry_in(carry, NEW, 2, 1).report["models"] == "carried"
    assert carry_in(carry, NEW, 2, 2).report["models"].startswith("fresh: 1 segments")
    swapped = ("C", "A", "D")
    assert not same_order(OLD, swapped)
    assert carry_in(carry, swapped, 2, 1).report["models"].startswith("fresh: the universes order")
    assert carry.restricted_to("pool").models is None
    assert len(carry.restricted_to("models").selections) == 0 and carry.restricted_to("none") is None


@pytest.mark.parametrize("mode, method, generator, conditioning, fragment", [
    ("sometimes", "geo", None, None, "unknown transfer"),
    ("pool", "local-search", None, None, "only applies to --method geo"),
    ("all", "geo", "qcbm", None, "cannot carry a qcbm generator"),
    ("models", "geo", "mps", "segment-site", "segment-site"),
])
def test_impossible_transfers_are_refused(mode, method, generator, conditioning, fragment):
    with pytest.raises(GeoError, match=fragment):
        check_transfer(mode, method, generator, conditioning)
    check_transfer("pool", "geo", "qcbm", "segment-site")  # the pool carries with any generator


def date_problem(sample, tickers, shift=0.0):
    """The sample's moments restricted to ``tickers`` (a date's universe), returns moved by ``shift``."""
    index = [sample.tickers.index(t) for t in tickers]
    return Problem(mu=sample.mu[index] + shift, cov=sample.cov[np.ix_(index, index)], k=3, tickers=tickers,
                   w_min=0.05, w_max=0.8)


def test_geo_prices_the_carried_pool_on_the_new_moments_within_its_budget(sp500_sample):
    tickers = list(sp500_sample.tickers)
    first_universe, second_universe = tuple(tickers[:12]), tuple(tickers[2:14])  # two left, two entered
    grid = ObjectiveGrid.risk_aversions([1.0])
    first = GEOMethod(generator="mps", iterations=2)
    first.hands_on = True
    first.solve(SelectionEvaluator(date_problem(sp500_sample, first_universe), grid), np.random.default_rng(0),
                400, Deadline(None))
    carry = first.carry_out
    assert carry.tickers == first_universe and carry.models is not None and len(carry.selections) > 0
    problem = date_problem(sp500_sample, second_universe, shift=1e-4)
    mapped, dropped = remap_selections(carry.selections, first_universe, second_universe)
    for budget in (5, 300):
        second = GEOMethod(generator="mps", iterations=2)
        second.carried_in = carry
        evaluator = SelectionEvaluator(problem, grid)
        run = second.solve(evaluator, np.random.default_rng(0), budget, Deadline(None))
        assert evaluator.n_evaluations <= budget
        transfer = run.details["transfer"]
        assert transfer["assets_left"] == 2 and transfer["assets_entered"] == 2
        assert transfer["selections_dropped"] == dropped and transfer["selections_carried"] == len(mapped)
        assert transfer["models"] == "carried"
    # Priced on this date's moments: the pool's costs are the new problem's.
    state_costs = SelectionEvaluator(problem, grid).costs(mapped)
    with evaluator.spending(0):
        np.testing.assert_allclose(evaluator.costs(mapped), state_costs)
