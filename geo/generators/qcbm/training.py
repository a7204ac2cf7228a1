"""Training a QCBM: the loss of its Born distribution against a target, exact gradients, optimisers.

Loss ``"kl"``: KL(target || model) = sum_x q(x) log q(x)/p(x) (weighted negative log-likelihood
up to a constant; p floored at 1e-12). Loss ``"mmd"``: squared MMD with the Gaussian (RBF)
kernel on bit vectors, k(x, y) = mean_s exp(-|x - y|^2 / (2 s^2)) with |x - y|^2 the Hamming
distance, s in ``mmd_sigmas``; the kernel is a tensor product of 2x2 matrices, so K v costs
N 2^N and the MMD is exact (no sampling).

Gradients are exact. Chosen over a gradient-free optimiser because the loss is a smooth
function of P ~ 50-200 parameters: COBYLA / Nelder-Mead need O(P) loss evaluations per useful
step and stall in that dimension. Two routes give the same gradient (tested against each other
and against finite differences):

* ``gradient="adjoint"`` (the default, here and in the generator): the adjoint method on a
  float64 numpy state vector (:mod:`geo.generators.qcbm.adjoint`), one forward and one backward
  pass, about three circuit simulations whatever P.
* ``gradient="parameter-shift"``: the parameter-shift rule on qsim, 1 + 2P circuits (1 + 4P for
  Givens) in one batched ``simulate_sweep_iter`` (one ParamResolver per shifted circuit,
  streamed, so memory stays one state vector whatever P); ~100x slower at 12 qubits, where
  translating each circuit from cirq to qsim dominates. Rules used (p_x = probability of basis
  state x):

  * Ry, Rz, Rxx, Ryy, Rzz = exp(-i theta/2 P), P a Pauli product (eigenvalues +-1): two-term rule
    d p/d theta = [p(theta + pi/2) - p(theta - pi/2)] / 2.
  * cirq.givens(theta) = exp(-i theta G), G = (YX - XY)/2 has eigenvalues {+1, -1, 0, 0}, so
    p(theta) holds frequencies 1 and 2 and the two-term rule is NOT exact; the four-term rule
    d p/d theta = c1 [p(theta + pi/4) - p(theta - pi/4)] - c2 [p(theta + 3pi/4) - p(theta - 3pi/4)],
    c1 = (1 + 1/sqrt 2)/2, c2 = (1 - 1/sqrt 2)/2, is exact for frequencies {1, 2} (cf. Anselmetti
    et al. 2021, Wierichs et al. 2022); tests check both rules against finite differences.

  The loss gradient is sum_x dL/dp_x * dp_x/dtheta with dL/dp_x from the unshifted circuit.

A loss without its gradient (:meth:`Objective.value`: Adam's last step, a warm start's loss)
is one circuit on qsim.

Optimisers: ``"lbfgs"`` (scipy L-BFGS-B, deterministic: exact gradients suit a quasi-Newton
method) or ``"adam"`` (its moments are kept between fits). ``max_iterations`` counts
loss-and-gradient evaluations per fit for both; the best parameters seen are kept.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from geo.generators.qcbm.ansatz import Ansatz
from geo.generators.qcbm.simulation import apply_kernel, circuit_probabilities, probabilities_of

LOSSES = ("kl", "mmd")
GRADIENTS = ("adjoint", "parameter-shift")
OPTIMIZERS = ("lbfgs", "adam")
PROBABILITY_FLOOR = 1e-12


class Objective:
    """Loss of the Born distribution against a target, and its exact gradient (``gradient``:
    ``"adjoint"`` or ``"parameter-shift"``, see the module docstring)."""

    def __init__(self, ansatz: Ansatz, target_index: np.ndarray, target_prob: np.ndarray, loss: str,
                 simulator, mmd_sigmas: Sequence[float] = (0.5, 1.0, 2.0), gradient: str = "adjoint") -> None:
        self.ansatz, self.loss, self.simulator = ansatz, loss, simulator
        self.gradient = gradient
        if gradient == "adjoint":
            from geo.generators.qcbm.adjoint import AdjointCircuit

            self.adjoint = AdjointCircuit(ansatz)
        self.sigmas = tuple(float(s) for s in mmd_sigmas)
        self.n = len(ansatz.qubits)
        self.index = np.asarray(target_index, dtype=np.int64)
        self.q = np.asarray(target_prob, dtype=float)
        self.entropy = float(np.sum(self.q * np.log(self.q)))
        if loss == "mmd":
            self.q_full = np.zeros(2 ** self.n)
            np.add.at(self.q_full, self.index, self.q)
        self.n_circuits = 0

    def value_and_dloss_dp(self, probs: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and dL/dp (restricted to the target support for KL, full for MMD)."""
        if self.loss == "kl":
            p = np.maximum(probs[self.index], PROBABILITY_FLOOR)
            return self.entropy - float(self.q @ np.log(p)), -self.q / p
        diff = probs - self.q_full
        kdiff = apply_kernel(diff, self.n, self.sigmas)
        return float(diff @ kdiff), 2.0 * kdiff

    def _project(self, state: np.ndarray, g: np.ndarray) -> float:
        """dL/dp . p(state): KL only needs the amplitudes on the target support."""
        if self.loss == "kl":
            return float(probabilities_of(state[self.index], normalise=False) @ g)
        return float(probabilities_of(state) @ g)

    def value(self, params: np.ndarray) -> float:
        self.n_circuits += 1
        return self.value_and_dloss_dp(circuit_probabilities(self.ansatz, params, self.simulator))[0]

    def value_and_gradient(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(loss, exact gradient, probabilities at ``params``): 1 + sum(len(rule)) circuits on qsim,
        or one forward and backward pass of the adjoint method."""
        if self.gradient == "adjoint":
            self.n_circuits += 1
            return self.adjoint.gradient(params, self._dloss_dp_full)
        probs = circuit_probabilities(self.ansatz, params, self.simulator)
        value, g = self.value_and_dloss_dp(probs)
        gradient = np.zeros(self.ansatz.n_params)
        resolvers, terms = self.ansatz.shifted_resolvers(params)
        results = self.simulator.simulate_sweep_iter(self.ansatz.circuit, resolvers, qubit_order=self.ansatz.qubits)
        for (j, coefficient), result in zip(terms, results):
            gradient[j] += coefficient * self._project(result.final_state_vector, g)
        self.n_circuits += 1 + len(resolvers)
        return value, gradient, probs


    def _dloss_dp_full(self, probs: np.ndarray) -> tuple[float, np.ndarray]:
        value, g = self.value_and_dloss_dp(probs)
        if self.loss == "kl":
            full = np.zeros(len(probs))
            np.add.at(full, self.index, g)
            return value, full
        return value, g

    def value_of(self, probs: np.ndarray) -> float:
        return self.value_and_dloss_dp(probs)[0]


class _BudgetSpent(Exception):
    pass


class Trainer:
    """Runs an optimiser on an :class:`Objective`; keeps Adam's moments and the loss history."""

    def __init__(self, n_params: int, optimizer: str = "lbfgs", max_iterations: int = 30,
                 learning_rate: float = 0.05) -> None:
        self.optimizer, self.max_iterations, self.learning_rate = optimizer, int(max_iterations), float(learning_rate)
        self.adam_m = np.zeros(n_params)
        self.adam_v = np.zeros(n_params)
        self.adam_t = 0
        self.loss_history: list[float] = []

    def run(self, objective: Objective, x0: np.ndarray, simulator) -> tuple[np.ndarray, np.ndarray]:
        """(best parameters, their probabilities) after at most ``max_iterations`` evaluations."""
        best: dict[str, Any] = {"value": np.inf, "x": np.array(x0, dtype=float), "probs": None}
        start = len(self.loss_history)

        def evaluate(x: np.ndarray) -> tuple[float, np.ndarray]:
            if len(self.loss_history) - start >= self.max_iterations:
                raise _BudgetSpent  # L-BFGS-B's maxfun is checked per iteration only: cap exactly
            value, gradient, probs = objective.value_and_gradient(x)
            self.loss_history.append(value)
            if value < best["value"]:
                best.update(value=value, x=np.array(x, dtype=float), probs=probs)
            return value, gradient

        if self.max_iterations > 0 and objective.ansatz.n_params > 0:
            if self.optimizer == "lbfgs":
                from scipy.optimize import minimize

                try:
                    minimize(evaluate, best["x"], jac=True, method="L-BFGS-B",
                             options={"maxfun": self.max_iterations, "maxiter": self.max_iterations})
                except _BudgetSpent:
                    pass
            else:
                x = best["x"].copy()
                beta1, beta2, eps = 0.9, 0.999, 1e-8
                for _ in range(self.max_iterations):
                    _, gradient = evaluate(x)
                    self.adam_t += 1
                    self.adam_m = beta1 * self.adam_m + (1 - beta1) * gradient
                    self.adam_v = beta2 * self.adam_v + (1 - beta2) * gradient ** 2
                    m_hat = self.adam_m / (1 - beta1 ** self.adam_t)
                    v_hat = self.adam_v / (1 - beta2 ** self.adam_t)
                    x = x - self.learning_rate * m_hat / (np.sqrt(v_hat) + eps)
                value = objective.value(x)  # the last step's loss (one circuit, no gradient)
                if value < best["value"]:
                    best.update(value=value, x=x.copy(), probs=None)
        if best["probs"] is None:
            best["probs"] = circuit_probabilities(objective.ansatz, best["x"], simulator)
            objective.n_circuits += 1
        return best["x"], best["probs"]
