"""QCBM generator: qsim against cirq, exact parameter-shift gradients, training, sampling, sizes."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import cirq

from geo.core.errors import GeoError
from geo.generators import make_generator
from geo.generators.base import Generator, promising_assets
from geo.generators.qcbm import (
    GIVENS_RULE,
    PAULI_RULE,
    Ansatz,
    Objective,
    QCBMGenerator,
    apply_kernel,
    build_ansatz,
    circuit_probabilities,
    indices_of,
    make_simulator,
    popcounts,
)

# target on 4 assets: three selections of 2, weighted
X4 = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 0, 1]], dtype=bool)
W4 = np.array([0.5, 0.3, 0.2])
SHIFT = "parameter-shift"  # the rules under test (the adjoint method is the default)


def kl(target_x: np.ndarray, target_w: np.ndarray, probs: np.ndarray) -> float:
    return float(np.sum(target_w * np.log(target_w / probs[indices_of(target_x)])))


@pytest.fixture(scope="module")
def fitted_he() -> QCBMGenerator:
    return QCBMGenerator(n_layers=1, connectivity="all-to-all", ansatz="hardware-efficient", init="random",
                         postselect=False, anti_stall=False,
                         max_iterations=30).fit(
        X4, W4, np.random.default_rng(0))


@pytest.fixture(scope="module")
def fitted_hw() -> QCBMGenerator:
    return QCBMGenerator(n_layers=1, connectivity="all-to-all", ansatz="hamming-weight", init="random",
                         anti_stall=False,
                         max_iterations=30).fit(
        X4, W4, np.random.default_rng(0))


@pytest.mark.parametrize("ansatz,occupied", [("hardware-efficient", ()), ("hamming-weight", (1, 3))])
@pytest.mark.parametrize("connectivity", ["linear", "all-to-all"])
def test_qsim_matches_cirq_simulator(ansatz, occupied, connectivity):
    circuit = build_ansatz(6, 2, connectivity, ansatz, occupied)
    params = np.random.default_rng(1).uniform(-np.pi, np.pi, circuit.n_params)
    p_qsim = circuit_probabilities(circuit, params, make_simulator())
    p_cirq = circuit_probabilities(circuit, params, cirq.Simulator(dtype=np.complex128))
    assert p_qsim.shape == (64,)
    np.testing.assert_allclose(p_qsim, p_cirq, atol=1e-5)
    if ansatz == "hamming-weight":
        assert p_cirq[popcounts(6) != 2].sum() < 1e-12


def test_gate_conventions_match_cirq_rotations():
    """Bare-exponent gates are cirq.ry / cirq.rz / exp(-i t ZZ/2) / cirq.givens at the same angle."""
    a = build_ansatz(2, 1, "linear", "hardware-efficient")
    params = np.array([0.3, -1.1, 0.7, 0.2, -0.4, 1.3, 0.9])
    q0, q1 = cirq.LineQubit.range(2)
    reference = cirq.Circuit([cirq.ry(0.3)(q0), cirq.ry(-1.1)(q1), cirq.ZZPowGate(exponent=0.7 / np.pi,
                             global_shift=-0.5)(q0, q1), cirq.rz(0.2)(q0), cirq.rz(-0.4)(q1),
                              cirq.ry(1.3)(q0), cirq.ry(0.9)(q1)])
    ours = cirq.resolve_parameters(a.circuit, a.resolver(params))
    np.testing.assert_allclose(cirq.unitary(ours), cirq.unitary(reference), atol=1e-12)
    g = build_ansatz(2, 1, "linear", "hamming-weight", ())
    np.testing.assert_allclose(cirq.unitary(cirq.resolve_parameters(g.circuit, g.resolver(np.array([0.8])))),
                               cirq.unitary(cirq.givens(0.8)), atol=1e-12)


def _finite_difference(objective: Objective, params: np.ndarray, h: float = 1e-5) -> np.ndarray:
    return np.array([(objective.value(params + h * e) - objective.value(params - h * e)) / (2 * h)
                     for e in np.eye(len(params))])


@pytest.mark.parametrize("loss", ["kl", "mmd"])
@pytest.mark.parametrize("ansatz,occupied", [("hardware-efficient", ()), ("hamming-weight", (0, 2))])
def test_parameter_shift_gradient_matches_finite_differences(loss, ansatz, occupied):
    circuit = build_ansatz(4, 2, "linear", ansatz, occupied)
    params = np.random.default_rng(2).uniform(-np.pi, np.pi, circuit.n_params)
    index = indices_of(X4)
    exact = cirq.Simulator(dtype=np.complex128)  # float64 so the finite differences are precise
    value, gradient, probs = Objective(circuit, index, W4, loss, exact, gradient=SHIFT).value_and_gradient(params)
    reference = _finite_difference(Objective(circuit, index, W4, loss, exact, gradient=SHIFT), params)
    np.testing.assert_allclose(gradient, reference, atol=1e-6 * max(1.0, np.abs(reference).max()))
    # and qsim (float32) gives the same gradient to single precision
    qsim = Objective(circuit, index, W4, loss, make_simulator(), gradient=SHIFT)
    _, gradient_qsim, _ = qsim.value_and_gradient(params)
    np.testing.assert_allclose(gradient_qsim, gradient, atol=1e-4 * max(1.0, np.abs(gradient).max()))


def test_two_term_rule_is_not_exact_for_givens_but_four_term_is():
    """Why Givens angles get the four-term rule: G = (YX - XY)/2 has eigenvalues {1, -1, 0, 0}."""
    circuit = build_ansatz(4, 2, "linear", "hamming-weight", (0, 2))
    assert set(circuit.kinds) == {"givens", "rz"}
    params = np.random.default_rng(3).uniform(-np.pi, np.pi, circuit.n_params)
    exact = cirq.Simulator(dtype=np.complex128)
    objective = Objective(circuit, indices_of(X4), W4, "kl", exact, gradient=SHIFT)
    reference = _finite_difference(objective, params)
    naive = Ansatz(circuit.circuit, circuit.qubits, circuit.symbols, [PAULI_RULE] * circuit.n_params,
                   circuit.kinds, circuit.scales)
    _, two_term, _ = Objective(naive, indices_of(X4), W4, "kl", exact, gradient=SHIFT).value_and_gradient(params)
    givens = np.array([k == "givens" for k in circuit.kinds])
    assert np.abs(two_term - reference)[givens].max() > 1e-2
    assert all(rule == GIVENS_RULE for rule, k in zip(circuit.rules, circuit.kinds) if k == "givens")


def test_mmd_kernel_matches_the_dense_gaussian_kernel():
    n, sigmas = 4, (0.5, 2.0)
    states = np.arange(2 ** n)
    hamming = popcounts(n)[states[:, None] ^ states[None, :]]
    dense = np.mean([np.exp(-hamming / (2 * s * s)) for s in sigmas], axis=0)
    v = np.random.default_rng(4).normal(size=2 ** n)
    np.testing.assert_allclose(apply_kernel(v, n, sigmas), dense @ v, atol=1e-12)


def test_training_lowers_kl_below_bound(fitted_he, fitted_hw):
    # product of the weighted marginals (the independent model) is far: KL ~ 1.2 on this target
    for g in (fitted_he, fitted_hw):
        assert len(g.loss_history_) <= 30
        assert g.loss_ < 0.1 < 0.5 < g.loss_history_[0]
        assert kl(X4, W4, g.probabilities()) == pytest.approx(g.loss_, abs=1e-6)
    assert fitted_hw.loss_ < 0.01  # the K = 2 sector of 4 qubits holds the target exactly


def test_mmd_training_and_adam_lower_their_loss():
    g = QCBMGenerator(n_layers=1, ansatz="hardware-efficient", init="random", loss="mmd", optimizer="adam",
                      learning_rate=0.1, max_iterations=15).fit(
        X4, W4, np.random.default_rng(5))
    assert g.loss_ < 0.5 * g.loss_history_[0]
    assert g.trainer_.adam_t == 15


def test_sampling_frequencies_match_probabilities(fitted_he):
    n = 40_000
    samples = fitted_he.sample(n, np.random.default_rng(6))
    assert samples.dtype == bool and samples.shape == (n, 4)
    counts = np.bincount(indices_of(samples), minlength=16) / n
    total_variation = 0.5 * np.abs(counts - fitted_he.probabilities()).sum()
    assert total_variation < 0.02  # expected ~0.005 for 16 states and 40k samples
    np.testing.assert_allclose(np.exp(fitted_he.log_prob(X4)), fitted_he.probabilities()[indices_of(X4)])


def test_same_seed_same_model_and_samples():
    def run(seed):
        g = QCBMGenerator(n_layers=1, ansatz="hardware-efficient", init="random", max_iterations=5).fit(
            X4, W4, np.random.default_rng(seed))
        return g.params_, g.sample(50, np.random.default_rng(seed))

    p1, s1 = run(7)
    p2, s2 = run(7)
    p3, s3 = run(8)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(s1, s2)
    assert not np.array_equal(p1, p3)


def test_hamming_weight_samples_have_exactly_k_ones(fitted_hw):
    assert fitted_hw.conditions_on_size and fitted_hw.hamming_weight_ == 2
    rng = np.random.default_rng(9)
    for sizes in (None, (2,), (1, 2)):
        assert np.all(fitted_hw.sample(2000, rng, sizes).sum(axis=1) == 2)
    # a size the model was not trained for: same gates on a 3-hot start, still exact
    assert np.all(fitted_hw.sample(500, rng, (3,)).sum(axis=1) == 3)
    assert np.all(np.isneginf(fitted_hw.log_prob(np.array([[1, 1, 1, 0], [0, 0, 0, 0]], dtype=bool))))


def test_hamming_weight_drops_other_sizes_and_reports_it():
    x = np.vstack([X4, [[1, 0, 0, 0]]])
    w = np.array([0.4, 0.3, 0.2, 0.1])
    g = QCBMGenerator(n_layers=1, ansatz="hamming-weight", init="random", connectivity="all-to-all",
                      max_iterations=3).fit(
        x, w, np.random.default_rng(0))
    assert g.hamming_weight_ == 2 and g.dropped_weight_ == pytest.approx(0.1)


def test_postselection_honours_sizes_and_reports_acceptance(fitted_he):
    g = pickle.loads(pickle.dumps(fitted_he))  # also: the generator survives a checkpoint
    g.postselect = True
    assert g.conditions_on_size
    samples = g.sample(1000, np.random.default_rng(10), (2,))
    assert np.all(samples.sum(axis=1) == 2)
    assert 0 < g.acceptance_ <= 1
    assert g.acceptance_ == pytest.approx(g.probabilities()[popcounts(4) == 2].sum())
    assert not fitted_he.conditions_on_size


def test_refit_warm_starts_from_current_parameters():
    g = QCBMGenerator(n_layers=1, ansatz="hardware-efficient", init="random", max_iterations=8)
    g.fit(X4, W4, np.random.default_rng(11))
    first_loss = g.loss_
    g.fit(X4, W4, np.random.default_rng(12))
    assert g.warm_started_ and g.loss_ <= first_loss + 1e-9
    assert len(g.loss_history_) <= 16
    g.fit(np.hstack([X4, X4[:, :1]]), W4, np.random.default_rng(13))  # another sub-universe: restart
    assert not g.warm_started_ and g.n_qubits_ == 5


def test_the_circuit_models_a_sub_universe_of_the_most_frequent_assets():
    x = np.zeros((3, 21), dtype=bool)
    x[0, [0, 5, 9]] = x[1, [5, 9, 20]] = x[2, [1, 2, 3]] = True
    w = np.array([0.5, 0.4, 0.1])
    g = QCBMGenerator(qubits=4, max_iterations=1, anti_stall=False).fit(x, w, np.random.default_rng(0))
    np.testing.assert_array_equal(g.columns_, promising_assets(x, w, 4))
    samples = g.sample(200, np.random.default_rng(1), (3,))
    assert samples.shape == (200, 21) and not samples[:, np.setdiff1d(np.arange(21), g.columns_)].any()
    assert np.all(samples.sum(axis=1) == 3)  # postselected on the size


def test_promising_assets_ranks_by_weighted_frequency_ties_by_index():
    x = np.array([[1, 0, 1, 0, 1], [0, 1, 1, 0, 1]], dtype=bool)
    w = np.array([0.5, 0.5])
    # frequencies: 0.5, 0.5, 1, 0, 1 -> assets 2 and 4, then 0 before 1 (tie, smaller index)
    np.testing.assert_array_equal(promising_assets(x, w, 3), [0, 2, 4])
    np.testing.assert_array_equal(promising_assets(x, w, 10), [0, 1, 2, 3, 4])


def test_protocol_registry_and_bad_settings():
    g = make_generator("qcbm", n_layers=1)
    assert isinstance(g, Generator) and g.name == "qcbm" and g.qubits is None and g.init == "mps"
    assert g.conditions_on_size  # postselected by default
    assert not QCBMGenerator(ansatz="hardware-efficient", init="random", postselect=False).conditions_on_size
    with pytest.raises(GeoError, match="use one of"):
        QCBMGenerator(ansatz="brickwork")
    with pytest.raises(RuntimeError, match="fit"):
        g.sample(3, np.random.default_rng(0))
