"""The GEO loop on problems where enumeration gives the optimum."""

import numpy as np
import pytest

from geo.methods.base import Deadline
from geo.classical.enumeration import all_selections
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.generator_enhanced.optimizer import CANDIDATES_PER_START, SEED_OPTIONS, GEOMethod, LoopState
from geo.generator_enhanced.pool import Pool, sampling_sizes, sub_universe
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


def enumerated_optimum(problem, grid):
    return SelectionEvaluator(problem, grid).costs(np.concatenate(list(all_selections(problem)))).min(axis=0)


@pytest.fixture(scope="module")
def small_case(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 3, w_min=0.05, w_max=0.8)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 8)[:-1])
    return problem, grid, enumerated_optimum(problem, grid)


def run_geo(problem, grid, seed=0, budget=None, **settings):
    evaluator = SelectionEvaluator(problem, grid)
    run = GEOMethod(**settings).solve(evaluator, np.random.default_rng(seed), budget, Deadline(None))
    return run, evaluator


@pytest.mark.parametrize("generator", ["independent", "mps", "uniform"])
def test_raw_geo_reaches_the_enumerated_optimum(small_case, generator):
    problem, grid, optimum = small_case
    # The paper's raw loop, stand-alone: 45 x 100 samples against 1,140 selections. At 30, over
    # seeds 0-29, the MPS missed 2 of 210 target-seeds without its floor and 7 with it (not
    # significant; 0 of 140 at a floor of 0.2); at 45 none on seeds 0-9.
    run, _ = run_geo(problem, grid, generator=generator, refine="none", seed_method="random", iterations=45,
                     initial_pool=50, samples_per_iteration=100)
    variances = np.array([p.variance for p in run.points])
    np.testing.assert_allclose(variances, optimum, rtol=1e-7)


@pytest.mark.parametrize("generator", ["independent", "mps", "uniform"])
def test_hybrid_geo_reaches_the_enumerated_optimum_stand_alone(small_case, generator):
    problem, grid, optimum = small_case
    run, _ = run_geo(problem, grid, generator=generator, seed_method="random", initial_pool=20, iterations=6)
    np.testing.assert_allclose([p.variance for p in run.points], optimum, rtol=1e-7)
    assert run.details["refine"] == "descent" and run.details["segments"] == 5


def test_geo_is_reproducible_and_respects_the_budget(small_case):
    problem, grid, _ = small_case
    first, evaluator = run_geo(problem, grid, seed=3, budget=3000, generator="independent")
    second, _ = run_geo(problem, grid, seed=3, budget=3000, generator="independent")
    assert evaluator.n_evaluations <= 3000
    assert [p.to_dict("target-return") for p in first.points] == [p.to_dict("target-return") for p in second.points]
    assert first.details["iterations"] == second.details["iterations"]
    third, _ = run_geo(problem, grid, seed=4, budget=3000, generator="independent", seed_method="random")
    assert third.details["iterations"] != first.details["iterations"]


def test_raw_iteration_log_holds_the_generator_metrics(small_case):
    problem, grid, _ = small_case
    run, _ = run_geo(problem, grid, generator="uniform", refine="none", seed_method="random", iterations=3)
    log = run.details["iterations"]
    assert [r["iteration"] for r in log] == [1, 2, 3]
    for record in log:
        assert record["n_samples"] == 200
        assert record["exploration"] == pytest.approx(record["n_new"] / 200)
        assert record["rate"] == pytest.approx(record["n_valid_new"] / 200)
        assert 0 <= record["quality_coverage"] <= record["rate"]


def test_descent_log_says_how_much_the_refinement_did(small_case):
    problem, grid, _ = small_case
    run, _ = run_geo(problem, grid, generator="mps", seed_method="random", initial_pool=20, iterations=4)
    for record in run.details["iterations"]:
        # up to 4 candidate kicks per start that is not a relay start (a nearby target's answer)
        assert 0 <= record["relay_starts"] <= record["starts"]
        assert record["starts"] - record["relay_starts"] <= record["n_samples"] <= 40
        assert 0 < record["starts"] <= 10 and record["descents"] >= record["starts"]
        # what the generator's own proposals (not the exploration prior's) did
        assert 0 <= record["generator_starts"] <= record["starts"]
        assert 0 <= record["targets_improved_by_generator"] <= record["targets_improved"]
        assert record["generator_evaluations"] >= 0
        assert record["moves_per_start"] == pytest.approx(record["moves"] / record["starts"])
        assert record["already_optimal_share"] == pytest.approx(record["already_optimal"] / record["starts"])
    # the held-out likelihood of the generator and of the independent control, once there is held-out data
    later = [r for r in run.details["iterations"] if r["heldout_nll"] is not None]
    assert later and all(r["heldout_nll_independent"] is not None for r in later)


def test_booster_mode_starts_from_the_seed_method(small_case):
    problem, grid, optimum = small_case
    run, _ = run_geo(problem, grid, generator="independent", iterations=2)
    assert run.details["mode"] == "booster" and run.details["seed_method"] == "local-search"
    assert run.details["seed_evaluations"] > 0
    variances = np.array([p.variance for p in run.points])
    np.testing.assert_allclose(variances, optimum, rtol=1e-7)


@pytest.mark.parametrize("budget", [100, 700, 2000])
def test_booster_keeps_the_seed_answers_under_any_budget(sp500_sample, budget):
    """Issue 8: with a small budget the seed used to overspend, the pool stayed empty and every
    point came back not_found. Now every target is at least as good as the seed method alone."""
    problem = Problem.from_dataset(sp500_sample, 5)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 10))
    geo_run, evaluator = run_geo(problem, grid, seed=1, budget=budget, generator="independent")
    assert evaluator.n_evaluations <= budget
    seed_alone = SelectionEvaluator(problem, grid)
    from geo.classical.local_search import LocalSearchMethod

    seed_run = LocalSearchMethod(**SEED_OPTIONS["local-search"]).solve(seed_alone, np.random.default_rng(1), budget,
                                                                       Deadline(None))
    for geo_point, seed_point in zip(geo_run.points, seed_run.points):
        if seed_point.feasible:
            assert geo_point.feasible and geo_point.variance <= seed_point.variance * (1 + 1e-12)
    rows = geo_run.details["improvement_over_seed"]
    assert len(rows) == len(grid)
    assert all(r["improvement_pct"] is None or r["improvement_pct"] >= 0 for r in rows)


def test_pool_scores_rank_by_closeness_to_the_best_at_any_target(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 2)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 3)[:2])
    pool = Pool(SelectionEvaluator(problem, grid))
    pool.costs = np.array([[1.0, 4.0], [2.0, 2.0], [1.5, 3.0], [np.inf, np.inf]])
    pool.selections = np.zeros((4, problem.n_assets), dtype=bool)
    np.testing.assert_allclose(pool.scores(), [0.0, 0.0, 0.5, np.inf])
    # scored on the second target alone (one frontier segment)
    np.testing.assert_allclose(pool.scores(np.array([1])), [1.0, 0.0, 0.5, np.inf])


def test_sampling_sizes_and_sub_universe(sp500_sample):
    assert sampling_sizes(Problem.from_dataset(sp500_sample, 4, cardinality="at-most")) == (4,)
    assert sampling_sizes(Problem.from_dataset(sp500_sample, 3, cardinality="at-most", w_min=0.1)) == (1, 2, 3)

    class Small:
        max_qubits = 3

    bits = np.array([[1, 0, 1, 0, 1], [0, 1, 1, 0, 0]], dtype=bool)
    assert sub_universe(Small(), bits, np.array([0.7, 0.3]), 5).tolist() == [0, 2, 4]
    assert sub_universe(object(), bits, np.array([0.7, 0.3]), 5).tolist() == [0, 1, 2, 3, 4]


def test_geo_with_the_qcbm_reaches_the_enumerated_optimum(sp500_sample):
    # Eight assets: the QCBM simulates all of them (8 qubits). The Hamming-weight ansatz keeps
    # every sample at K assets; the hardware-efficient one wastes ~95% of its samples on wrong
    # sizes here (fidelity), and did not reach the optimum in the same number of iterations.
    data = sp500_sample.subset(list(sp500_sample.tickers[:8]))
    problem = Problem.from_dataset(data, 3, w_min=0.05, w_max=0.8)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 6)[:-1])
    optimum = enumerated_optimum(problem, grid)
    run, _ = run_geo(problem, grid, generator="qcbm", refine="none", seed_method="random", iterations=15,
                     initial_pool=10, samples_per_iteration=60,
                     generator_options={"max_iterations": 3, "ansatz": "hamming-weight", "init": "random",
                                        "n_layers": 4})
    np.testing.assert_allclose([p.variance for p in run.points], optimum, rtol=1e-7)
    assert all(r["sub_universe"] == 8 and r["fidelity"] in (0.0, 1.0) for r in run.details["iterations"])


def test_a_segment_fit_is_skipped_when_the_time_left_is_shorter_than_one_fit(small_case):
    """--time-limit on large sets: a segment's generator is refitted only while the time left
    exceeds the longest segment fit seen so far; its model stays as it was otherwise."""
    from geo.generator_enhanced.segments import SegmentedGenerators

    problem, grid, _ = small_case
    pool = Pool(SelectionEvaluator(problem, grid))
    selections = np.concatenate(list(all_selections(problem)))[:300]
    pool.add(selections)
    models = SegmentedGenerators("independent", {}, len(grid), 2, "segments")
    rng = np.random.default_rng(0)
    first = models.fit(pool, 100, None, 1.0, rng, Deadline(None))
    assert first["fits_skipped_for_time"] == 0 and models.segment_fit_seconds > 0
    models.segment_fit_seconds = 3600.0  # as if one fit took an hour
    second = models.fit(pool, 100, None, 1.0, rng, Deadline(60.0))
    assert second["fits_skipped_for_time"] == 2
    assert models.fit(pool, 100, None, 1.0, rng, Deadline(None))["fits_skipped_for_time"] == 0


@pytest.mark.parametrize("refine", ["descent", "guided", "reduced-cost", "random"])
def test_every_refinement_mode_runs_the_descent_loop(small_case, refine):
    # The controls of the guided descent (random and reduced-cost order) must refine starts by
    # descent like it, not fall back to the raw loop that prices samples as they are.
    problem, grid, _ = small_case
    run, _ = run_geo(problem, grid, generator="mps", refine=refine, seed_method="random", initial_pool=20,
                     iterations=4)
    assert run.details["refine"] == refine
    assert all("descents" in record and record["starts"] > 0 for record in run.details["iterations"])


def test_under_a_time_limit_an_iteration_refines_at_least_as_long_as_it_trains():
    method = GEOMethod()
    base = method.n_samples // CANDIDATES_PER_START
    state = LoopState.__new__(LoopState)
    state.last_fit_seconds, state.last_search = 2.0, (1.0, 10)  # 0.1 s a start, 2 s a fit
    assert method._starts_per_iteration(state, Deadline(60)) == max(base, 20)
    assert method._starts_per_iteration(state, Deadline(None)) == base  # budget runs: fixed
    state.last_search = (0.0, 0)  # no refinement measured yet
    assert method._starts_per_iteration(state, Deadline(60)) == base
