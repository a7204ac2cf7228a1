"""The adjoint gradient equals the parameter-shift gradient on qsim, for every ansatz and loss."""

from __future__ import annotations

import numpy as np
import pytest

from geo.generators.qcbm import build_ansatz, exact_probabilities, make_simulator
from geo.generators.qcbm.adjoint import AdjointCircuit
from geo.generators.qcbm.training import Objective


@pytest.mark.parametrize("loss", ["kl", "mmd"])
@pytest.mark.parametrize("ansatz, occupied", [("staircase", ()), ("hardware-efficient", ()),
                                               ("hamming-weight", (0, 2))])
def test_adjoint_equals_parameter_shift(ansatz, occupied, loss):
    a = build_ansatz(5, 2, "linear", ansatz, occupied)
    params = np.random.default_rng(0).uniform(-3, 3, a.n_params)
    index, target = np.array([3, 5, 9, 17]), np.array([0.4, 0.3, 0.2, 0.1])
    shift = Objective(a, index, target, loss, make_simulator(), gradient="parameter-shift").value_and_gradient(params)
    adjoint = Objective(a, index, target, loss, make_simulator()).value_and_gradient(params)  # the default
    assert adjoint[0] == pytest.approx(shift[0], abs=1e-5)
    np.testing.assert_allclose(adjoint[1], shift[1], atol=1e-4 * max(1.0, np.abs(shift[1]).max()))


def test_numpy_state_equals_cirq():
    a = build_ansatz(4, 1, "all-to-all", "hamming-weight", (1, 3))
    params = np.random.default_rng(1).uniform(-3, 3, a.n_params)
    np.testing.assert_allclose(AdjointCircuit(a).probabilities(params),
                               exact_probabilities(a.resolved(params), a.qubits), atol=1e-12)
