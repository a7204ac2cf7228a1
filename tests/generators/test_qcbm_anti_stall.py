"""The QCBM does not collapse: on a stall it grows its sub-universe, then mixes in the prior,
and the GEO loop with it spends its whole budget."""

from __future__ import annotations

import numpy as np

from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.generators.qcbm import QCBMGenerator
from geo.methods.registry import make_method
from geo.problem import ObjectiveGrid, Problem


def test_stalls_grow_the_sub_universe_then_mix_the_prior():
    x = np.zeros((4, 10), dtype=bool)
    x[0, [0, 1]] = x[1, [1, 2]] = x[2, [0, 2]] = x[3, [0, 3]] = True
    w = np.full(4, 0.25)
    g = QCBMGenerator(qubits=3, qubit_limit=5, max_iterations=1)
    rng = np.random.default_rng(0)
    for _ in range(4):  # 3 qubits hold three 2-subsets, all in the training set: a stall at once
        g.fit(x, w, rng)
        g.sample(50, rng, (2,))
    kinds = [a["action"] for a in g.actions_]
    assert kinds[:2] == ["grow_sub_universe", "mix_independent_prior"] and g.qubits_now_ == 5
    assert g.prior_share_ > 0
    samples = g.sample(200, rng, (2,))
    assert np.all(samples.sum(axis=1) == 2)
    assert samples[:, np.setdiff1d(np.arange(10), g.columns_)].any()  # the prior reaches every asset


def test_qcbm_geo_spends_its_budget_on_a_tiny_sub_universe(sp500_sample):
    data = sp500_sample.subset(list(sp500_sample.tickers[:7]))
    problem = Problem.from_dataset(data, 3, w_min=0.05, w_max=0.8)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 4)[:-1])
    # starts from the circuit's samples: the loop where a stalled circuit would stall GEO
    method = make_method("geo", generator="qcbm", starts="sample", samples_per_iteration=10, initial_pool=5,
                         generator_options={"qubits": 4, "qubit_limit": 5, "max_iterations": 1})
    budget = 3 * 25  # 25 of the 35 selections, far more than C(4, 3) = 4
    result = compute_frontier(problem, grid, method, seed=0, budget=budget)
    # It keeps going until the budget is spent or every selection it can propose is known: on
    # this tiny universe the latter (70 priced pairs; the rest are out of reach, screened for free).
    assert result.details["stopped_by"] in ("budget", "nothing new to propose")
    assert result.details["evaluations"] >= 60
    assert result.details["circuit"]["actions"]
