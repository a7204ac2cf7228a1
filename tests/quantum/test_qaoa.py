"""QAOA: the XY mixer keeps K assets, the Ising form is the QUBO, samples are priced exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.orchestration.frontier.run import compute_frontier
from geo.orchestration.frontier.targets import evenly_spaced_targets
from geo.methods.registry import make_method
from geo.problem import ObjectiveGrid, Problem
from geo.quantum.qaoa import k_hot_states, qaoa_circuit
from geo.quantum.qubo import mean_variance_qubo


def test_ising_form_equals_the_qubo_up_to_a_constant():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    qubo = mean_variance_qubo(rng.normal(0.01, 0.01, 5), a @ a.T, 2, 0.4)
    bits = ((np.arange(32)[:, None] >> np.arange(4, -1, -1)) & 1).astype(bool)
    h, j = qubo.ising()
    z = 1 - 2 * bits.astype(float)
    ising = z @ h + np.einsum("mi,ij,mj->m", z, j, z)
    diff = qubo.values(bits) - ising
    np.testing.assert_allclose(diff, diff[0], atol=1e-12)


def test_every_qaoa_output_state_holds_exactly_k_ones():
    import cirq

    n, k = 6, 2
    rng = np.random.default_rng(1)
    h, j = rng.normal(size=n), np.triu(rng.normal(size=(n, n)), 1)
    circuit, qubits = qaoa_circuit(h, j, 2)
    bits, index = k_hot_states(n, k)
    dicke = np.zeros(2 ** n, dtype=np.complex128)
    dicke[index] = 1 / math.sqrt(len(index))
    resolver = {"gamma_0": 0.7, "gamma_1": -0.3, "beta_0": 0.4, "beta_1": 1.1}
    state = cirq.final_state_vector(cirq.resolve_parameters(circuit, resolver), initial_state=dicke,
                                    qubit_order=qubits, dtype=np.complex128)
    probs = np.abs(state) ** 2
    assert probs[index].sum() == pytest.approx(1.0, abs=1e-10)
    assert probs.max() < 0.99 and np.count_nonzero(probs[index] > 1e-6) > 5  # the mixer does mix


def test_qaoa_samples_hold_k_assets_and_respect_the_budget(sp500_sample):
    data = sp500_sample.subset(list(sp500_sample.tickers[:8]))
    problem = Problem.from_dataset(data, 3, w_min=0.05, w_max=0.8)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 4)[:-1])
    method = make_method("qaoa", layers=1, risk_aversions=2, shots=20, angle_evaluations=5)
    result = compute_frontier(problem, grid, method, seed=0, budget=60)
    assert result.details["evaluations"] <= 60
    # 60 evaluations / 3 targets, and more where a target is out of a selection's reach (screened, free)
    assert result.details["selections_sampled"] >= 20
    assert all(len(p.weights) <= 3 for p in result.points if p.feasible)
    runs = result.details["risk_aversion_runs"]
    assert len(runs) == 2 and all(r["expected_cost"] <= r["uniform_cost"] + 1e-6 for r in runs)


def test_qaoa_refuses_too_many_assets(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 3)
    grid = ObjectiveGrid.target_returns(evenly_spaced_targets(problem, 2))
    with pytest.raises(GeoError, match="at most 20 assets"):
        compute_frontier(problem, grid, make_method("qaoa", max_qubits=10), seed=0, budget=10)
    with pytest.raises(GeoError, match="positive integer"):
        make_method("qaoa", layers=0)
