import numpy as np
import pytest

from geo.generator_enhanced.pool import Pool, first_unseen
from geo.generators.quality import GeneratorQuality
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator


def test_quality_ratios_by_hand():
    q = GeneratorQuality(n_samples=10, n_new=4, n_valid_new=3, n_better=1)
    assert (q.exploration, q.fidelity, q.rate, q.quality_coverage) == (0.4, 0.75, 0.3, 0.1)
    assert GeneratorQuality(0, 0, 0, 0).to_dict()["fidelity"] == 0.0


def test_first_unseen_counts_each_new_bitstring_once():
    rng = np.random.default_rng(0)
    g = rng.normal(size=(5, 20))
    problem = Problem(rng.normal(0.01, 0.01, 5), g @ g.T / 20, k=2)
    pool = Pool(SelectionEvaluator(problem, ObjectiveGrid.target_returns([float(np.mean(problem.mu))])))
    seen = np.array([[1, 1, 0, 0, 0]], dtype=bool)
    pool.add(seen)
    samples = np.array([[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 1, 1], [1, 1, 1, 0, 0]],
                       dtype=bool)
    assert first_unseen(samples, pool).tolist() == [False, True, False, True, True]
    valid = problem.valid_size(samples.sum(axis=1))
    assert valid.tolist() == [True, True, True, True, False]
    new = first_unseen(samples, pool)
    q = GeneratorQuality(len(samples), int(new.sum()), int((new & valid).sum()), 0)
    assert q.exploration == pytest.approx(3 / 5) and q.fidelity == pytest.approx(2 / 3)
