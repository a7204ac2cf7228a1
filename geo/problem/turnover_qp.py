"""The selection QP with a turnover penalty: ``cost(w) + kappa * sum_i |w_i - h_i|``.

``cost`` is the objective form's (variance at a target return, or the risk-aversion cost), ``h``
the held weights drifted to the date (:mod:`geo.problem.holdings`). Over a selection S the
penalty is ``kappa * (sum_{i in S} |w_i - h_i| + sum_{i not in S} h_i)``: a held name left out
is sold whole. The absolute values void the two-fund closed form, so every pair is solved by
DAQP on split variables ``(w, t)``, ``t_i >= |w_i - h_i|``:

    min  0.5 w' H w + f' w + kappa 1' t
    s.t. t - w >= -h_S,  t + w >= h_S,  1' w = 1,  (mu' w = r),  bounds, sector caps.

The Hessian is singular in ``t``; DAQP's proximal-point iterations (``eps_prox``, automatic)
handle that and end on an exact solve of the final working set. The cost is recomputed from the
weights (not from ``t``), so it is the exact cost of a feasible portfolio.

Lower bound (the evaluator's ``cutoff`` screen): the penalty is at least
``kappa * (h(S^c) + |1 - h(S)|) = kappa * (H + 1 - 2 h(S))`` (H the held weight inside the
universe), and the cost at least its bound-free optimum, so their sum bounds the penalised cost.
"""

from __future__ import annotations

import daqp
import numpy as np

from geo.problem.bound_free import bound_free_lower_bounds
from geo.problem.selection_qp import (RIDGE_RTOL, SelectionQP, _extreme_weights, problem_selection_qp,
                                      qp_return_bounds, selection_cost)
from geo.problem.sector_caps import capped_greedy

INFEASIBLE = np.inf
DAQP_SETTINGS = {"primal_tol": 1e-10, "iter_limit": 2000}
_EQUALITY = 5
_INF = 1e30


class TurnoverPricer:
    """Prices selections of a problem whose holdings carry a turnover penalty."""

    def __init__(self, problem, kind: str) -> None:
        self.problem, self.kind = problem, kind
        self.held = problem.holdings.weights
        self.kappa = problem.holdings.turnover_penalty
        self.held_total = float(self.held.sum())

    def lower_bounds(self, index: np.ndarray, cov_sel: np.ndarray, mu_sel: np.ndarray,
                     params: np.ndarray) -> np.ndarray:
        problem = self.problem
        plain = bound_free_lower_bounds(cov_sel, mu_sel, self.kind, params, problem.w_min, problem.w_max)
        held_in = self.held[index].sum(axis=1)
        return plain + (self.kappa * (self.held_total + 1.0 - 2.0 * held_in))[:, None]

    def price(self, index: np.ndarray, cov_sel: np.ndarray, mu_sel: np.ndarray, params: np.ndarray,
              todo: np.ndarray) -> np.ndarray:
        """(M, T) penalised costs where ``todo`` (NaN elsewhere, inf where no weights exist)."""
        table = np.full(todo.shape, np.nan)
        for i in np.flatnonzero(todo.any(axis=1)):
            columns = np.flatnonzero(todo[i])
            for j, weights in zip(columns, self.solve_many(index[i], params[columns], cov_sel[i], mu_sel[i])):
                table[i, j] = INFEASIBLE if weights is None else self.cost(index[i], weights, params[j], cov_sel[i],
                                                                           mu_sel[i])
        return table

    def cost(self, index: np.ndarray, weights: np.ndarray, parameter: float, cov_sel: np.ndarray | None = None,
             mu_sel: np.ndarray | None = None) -> float:
        """The penalised cost of ``weights`` on the selection ``index``."""
        cov_sel = self.problem.cov[np.ix_(index, index)] if cov_sel is None else cov_sel
        mu_sel = self.problem.mu[index] if mu_sel is None else mu_sel
        base = selection_cost(weights, cov_sel, mu_sel, self.kind, parameter)
        held_sel = self.held[index]
        sold_whole = self.held_total - float(held_sel.sum())
        return base + self.kappa * (float(np.abs(weights - held_sel).sum()) + sold_whole)

    def solve(self, index: np.ndarray, parameter: float) -> np.ndarray | None:
        return self.solve_many(index, [parameter])[0]

    def solve_many(self, index: np.ndarray, parameters, cov_sel: np.ndarray | None = None,
                   mu_sel: np.ndarray | None = None) -> list[np.ndarray | None]:
        """Optimal weights of the selection ``index`` at each parameter (None: no weights exist),
        each solve warm-started from the previous answer."""
        qp = problem_selection_qp(self.problem, index, self.kind, cov_sel, mu_sel)
        if qp.sector_ids is not None and capped_greedy(qp.mu, qp.sector_ids, qp.sector_caps, qp.w_min,
                                                       qp.w_max) is None:
            return [None for _ in parameters]
        size = len(index)
        if abs(size * qp.w_max - 1) <= 1e-12 or abs(size * qp.w_min - 1) <= 1e-12:
            # One portfolio, equal weights (feasible under the caps, as just checked).
            return [self._only_portfolio(qp, size, float(p)) for p in parameters]
        low, high = qp_return_bounds(qp)
        tol = 1e-12 * (1 + abs(high) + abs(low))
        form = _SplitForm(qp, self.held[index], self.kappa)
        answers: list[np.ndarray | None] = []
        previous = None
        for parameter in map(float, parameters):
            if self.kind == "target-return":
                if not (low - tol <= parameter <= high + tol):
                    answers.append(None)
                    continue
                if parameter >= high - tol or parameter <= low + tol:  # one feasible portfolio
                    answers.append(_extreme_weights(qp, qp.mu if parameter >= high - tol else -qp.mu))
                    continue
            weights = form.solve(parameter, previous)
            previous = weights if weights is not None else previous
            answers.append(weights)
        return answers

    def _only_portfolio(self, qp: SelectionQP, size: int, parameter: float) -> np.ndarray | None:
        equal = np.full(size, 1.0 / size)
        if self.kind == "target-return" and abs(float(qp.mu @ equal) - parameter) > 1e-12 * (1 + abs(parameter)):
            return None
        return equal


class _SplitForm:
    """DAQP data of one selection's penalised QP in variables ``(w, t)``, scaled like
    :class:`geo.problem.selection_qp._DaqpForm` (unit Hessian diagonal, unit-norm return row)."""

    def __init__(self, qp: SelectionQP, held: np.ndarray, kappa: float) -> None:
        size = len(qp.mu)
        self.qp, self.size, self.held = qp, size, held
        self.scale = float(np.max(np.abs(np.diag(qp.cov)))) or 1.0
        self.mu_norm = float(np.linalg.norm(qp.mu)) or 1.0
        self.kappa_scaled = kappa / self.scale
        cap_rows, caps = qp.cap_rows()
        target = qp.kind == "target-return"
        # Rows (after the 2K simple bounds): t - w >= -h, t + w >= h, 1'w = 1, (mu'w = r), caps.
        n_rows = 2 * size + 1 + int(target) + len(caps)
        rows = np.zeros((n_rows, 2 * size))
        diagonal = np.arange(size)
        rows[diagonal, diagonal] = -1.0
        rows[diagonal, size + diagonal] = 1.0
        rows[size + diagonal, diagonal] = 1.0
        rows[size + diagonal, size + diagonal] = 1.0
        rows[2 * size, :size] = 1.0
        self.target_row = 2 * size + 2 * size + 1  # index in the bounds: simple (2K), split rows (2K), budget
        if target:
            rows[2 * size + 1, :size] = qp.mu / self.mu_norm
        rows[n_rows - len(caps):, :size] = cap_rows
        self.rows = rows
        n_bounds = 2 * size + n_rows
        self.lower = np.empty(n_bounds)
        self.upper = np.full(n_bounds, _INF)
        self.lower[:size], self.upper[:size] = qp.w_min, qp.w_max
        self.lower[size:2 * size] = 0.0
        self.lower[2 * size:3 * size], self.lower[3 * size:4 * size] = -held, held
        self.lower[4 * size:] = -_INF
        self.lower[4 * size] = self.upper[4 * size] = 1.0
        if len(caps):
            self.upper[n_bounds - len(caps):] = caps
        self.sense = np.zeros(n_bounds, dtype=np.int32)
        self.sense[4 * size:4 * size + 1 + int(target)] = _EQUALITY

    def solve(self, parameter: float, start: np.ndarray | None) -> np.ndarray | None:
        qp, size = self.qp, self.size
        hess = np.zeros((2 * size, 2 * size))
        if qp.kind == "target-return":
            hess[:size, :size] = 2 * qp.cov / self.scale
            linear_w = np.zeros(size)
            self.lower[self.target_row] = self.upper[self.target_row] = parameter / self.mu_norm
        else:
            hess[:size, :size] = 2 * parameter * qp.cov / self.scale
            linear_w = -(1 - parameter) * qp.mu / self.scale
        linear = np.concatenate([linear_w, np.full(size, self.kappa_scaled)])
        primal = None if start is None else np.concatenate([start, np.abs(start - self.held)])
        x, _, exitflag, _ = daqp.solve(np.ascontiguousarray(hess), linear, self.rows, self.upper, self.lower,
                                       self.sense, primal_start=primal, **DAQP_SETTINGS)
        if exitflag < 1:
            # A stall on a singular block: retry once with a ridge far below the data's scale.
            ridge = RIDGE_RTOL * max(float(np.max(np.abs(np.diag(hess)))), float(np.max(np.abs(linear))), 1e-300)
            x, _, exitflag, _ = daqp.solve(np.ascontiguousarray(hess + ridge * np.eye(2 * size)), linear, self.rows,
                                           self.upper, self.lower, self.sense, **DAQP_SETTINGS)
            if exitflag < 1:
                return None
        return np.clip(np.asarray(x[:size], dtype=float), qp.w_min, qp.w_max)
