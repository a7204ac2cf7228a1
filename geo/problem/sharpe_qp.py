"""A selection's maximum Sharpe ratio: its tangency portfolio under the bounds and sector caps.

For a selection S, excess returns ``m = mu_S - rf``: maximise ``m' w / sqrt(w' Sigma_S w)`` over
``1' w = 1``, ``w_min <= w <= w_max``, sector caps. When some feasible ``w`` has ``m' w > 0``,
the change of variables ``y = w / (m' w)`` (so ``t = 1' y = 1 / (m' w) > 0``) turns it into the
convex QP

    min  y' Sigma_S y   s.t.  m' y = 1,  1' y >= 0,  w_min 1'y <= y_i <= w_max 1'y,
                              sum_{i in s} y_i <= cap_s 1'y,

(the bounds homogenised), whose optimum is ``1 / Sharpe^2``; ``w = y / 1'y``. The cost of a
selection is ``-Sharpe`` (per period), so that the cheapest selection is the best one.

- No positive excess return: when the selection's highest attainable return is at most ``rf``
  no portfolio of it beats the risk-free rate, and its Sharpe ratio is not the quantity asked
  for. The evaluator screens such selections as infeasible (its return-range screen).
- Closed form: without bounds the tangency portfolio is ``Sigma^-1 m / 1'Sigma^-1 m`` (when
  ``1'Sigma^-1 m > 0``), with Sharpe ``sqrt(m' Sigma^-1 m)``. Where it satisfies the bounds and
  caps it is the optimum; otherwise DAQP solves the QP above.
- Lower bound on the cost (the ``cutoff`` screen): ``m'w <= sqrt(m' Sigma^-1 m) sqrt(w' Sigma w)``
  for every ``w`` (Cauchy-Schwarz), so ``-sqrt(m' Sigma^-1 m)`` bounds the cost from below.
"""

from __future__ import annotations

import daqp
import numpy as np

from geo.core.errors import GeoError
from geo.problem.bound_free import lower_bound_usable
from geo.problem.selection_qp import RIDGE_RTOL, SelectionQP, problem_selection_qp
from geo.problem.sector_caps import CAP_TOL

INFEASIBLE = np.inf
DAQP_SETTINGS = {"primal_tol": 1e-12, "iter_limit": 2000}
BOUND_TOL = 1e-12
_EQUALITY = 5
_INF = 1e30


def check_unpenalised(penalised: bool) -> None:
    """The max-Sharpe objective is a ratio: a turnover penalty in variance units has no place in it."""
    if penalised:
        raise GeoError("--turnover-penalty does not apply to the max-Sharpe portfolio (a ratio, not a cost in "
                       "variance units)", "drop --turnover-penalty, or limit the trades with --max-changes")


def sharpe_ratio(weights: np.ndarray, cov: np.ndarray, mu: np.ndarray, risk_free: float) -> float:
    """``(mu' w - rf) / sqrt(w' Sigma w)`` (+inf for a riskless positive excess, -inf for none)."""
    excess = float(mu @ weights) - risk_free
    variance = float(weights @ cov @ weights)
    if variance <= 0:
        return np.inf if excess > 0 else -np.inf
    return excess / np.sqrt(variance)


class SharpePricer:
    """Prices selections by minus their maximum Sharpe ratio; the parameter is ``rf`` per period."""

    kind = "max-sharpe"

    def __init__(self, problem) -> None:
        self.problem = problem

    def lower_bounds(self, index: np.ndarray, cov_sel: np.ndarray, mu_sel: np.ndarray,
                     params: np.ndarray) -> np.ndarray:
        sharpe, _, _ = self._unbounded(cov_sel, mu_sel, params)
        usable = lower_bound_usable(cov_sel, mu_sel, sharpe, self.kind)
        return np.where(usable, -sharpe, -np.inf)

    def price(self, index: np.ndarray, cov_sel: np.ndarray, mu_sel: np.ndarray, params: np.ndarray,
              todo: np.ndarray) -> np.ndarray:
        """(M, T) costs ``-Sharpe`` where ``todo`` (NaN elsewhere, inf where no weights exist)."""
        table = np.full(todo.shape, np.nan)
        _, weights, inside = self._unbounded(cov_sel, mu_sel, params)
        if self.problem.sector_caps is not None:
            inside &= self.problem.sector_caps.hold(index, weights)
        for i, j in zip(*np.nonzero(todo)):
            w = weights[i, :, j] if inside[i, j] else self._solve_qp(index[i], cov_sel[i], mu_sel[i], params[j])
            table[i, j] = INFEASIBLE if w is None else -sharpe_ratio(w, cov_sel[i], mu_sel[i], params[j])
        return table

    def cost(self, index: np.ndarray, weights: np.ndarray, parameter: float) -> float:
        problem = self.problem
        return -sharpe_ratio(weights, problem.cov[np.ix_(index, index)], problem.mu[index], parameter)

    def solve(self, index: np.ndarray, parameter: float) -> np.ndarray | None:
        problem = self.problem
        cov_sel, mu_sel = problem.cov[np.ix_(index, index)], problem.mu[index]
        params = np.array([parameter])
        _, weights, inside = self._unbounded(cov_sel[None], mu_sel[None], params)
        if problem.sector_caps is not None:
            inside &= problem.sector_caps.hold(index[None], weights)
        if inside[0, 0]:
            return weights[0, :, 0]
        return self._solve_qp(index, cov_sel, mu_sel, parameter)

    def _unbounded(self, cov_sel: np.ndarray, mu_sel: np.ndarray,
                   params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bound-free tangency of M selections at T risk-free rates: its Sharpe ratio (M, T;
        NaN where Sigma is singular), weights (M, K, T) and whether they are in bounds (M, T)."""
        problem = self.problem
        m, size = mu_sel.shape
        excess = mu_sel[:, :, None] - params[None, None, :]                    # (M, K, T)
        ones = np.ones((m, size, 1))
        try:
            solved = np.linalg.solve(cov_sel, np.concatenate([excess, ones], axis=2))
        except np.linalg.LinAlgError:
            solved = np.full((m, size, len(params) + 1), np.nan)
            for i in range(m):
                try:
                    solved[i] = np.linalg.solve(cov_sel[i], np.concatenate([excess[i], ones[i]], axis=1))
                except np.linalg.LinAlgError:
                    pass
        x = solved[:, :, :-1]                                                   # Sigma^-1 m
        with np.errstate(invalid="ignore", divide="ignore"):
            quad = np.einsum("mkt,mkt->mt", excess, x)
            sharpe = np.sqrt(np.where(quad >= 0, quad, np.nan))
            total = x.sum(axis=1)
            weights = x / total[:, None, :]
            inside = (total > 0) & np.isfinite(sharpe) & np.all(
                (weights >= problem.w_min - BOUND_TOL) & (weights <= problem.w_max + BOUND_TOL), axis=1)
            inside &= np.abs(weights.sum(axis=1) - 1) <= 1e-10
        return sharpe, np.where(np.isfinite(weights), weights, 0.0), inside

    def _solve_qp(self, index: np.ndarray, cov_sel: np.ndarray, mu_sel: np.ndarray,
                  risk_free: float) -> np.ndarray | None:
        qp = problem_selection_qp(self.problem, index, "target-return", cov_sel, mu_sel)
        return _HomogenisedForm(qp, risk_free).solve()


def tangency_weights(cov: np.ndarray, mu: np.ndarray, risk_free: float, w_min: float,
                     w_max: float) -> np.ndarray | None:
    """The long-only tangency portfolio of all the assets of ``cov`` (no cardinality, no caps);
    None when no portfolio has a return above ``risk_free``."""
    if not float(np.max(mu)) > risk_free:
        return None
    return _HomogenisedForm(SelectionQP(cov, mu, "target-return", w_min, w_max), risk_free).solve()


class _HomogenisedForm:
    """DAQP data of ``min y' Sigma y`` over the homogenised constraints (module docstring),
    scaled to a unit Hessian diagonal and a unit-norm excess-return row."""

    def __init__(self, qp: SelectionQP, risk_free: float) -> None:
        size = len(qp.mu)
        self.qp, self.size = qp, size
        excess = qp.mu - risk_free
        self.norm = float(np.linalg.norm(excess)) or 1.0
        self.hess = np.ascontiguousarray(2 * qp.cov / (float(np.max(np.abs(np.diag(qp.cov)))) or 1.0))
        eye, ones = np.eye(size), np.ones((size, size))
        cap_rows, caps = qp.cap_rows()
        rows = [excess[None] / self.norm, np.ones((1, size)), eye - qp.w_max * ones]
        # m'y / |m| = 1: y = |m| w / m'w stays O(1) whatever the scale of the returns.
        upper = [[1.0], [_INF], np.zeros(size)]
        lower = [[1.0], [0.0], np.full(size, -_INF)]
        if qp.w_min > 0:
            rows.append(qp.w_min * ones - eye)
            upper.append(np.zeros(size))
            lower.append(np.full(size, -_INF))
        if len(caps):
            rows.append(cap_rows - caps[:, None] * np.ones((1, size)))
            upper.append(np.zeros(len(caps)))
            lower.append(np.full(len(caps), -_INF))
        self.rows = np.ascontiguousarray(np.vstack(rows))
        # Simple bounds y >= 0 (long only: w_min >= 0), then the general rows.
        self.upper = np.concatenate([np.full(size, _INF)] + [np.asarray(u, float) for u in upper])
        self.lower = np.concatenate([np.zeros(size)] + [np.asarray(v, float) for v in lower])
        self.sense = np.zeros(len(self.upper), dtype=np.int32)
        self.sense[size] = _EQUALITY

    def solve(self) -> np.ndarray | None:
        size = self.size
        linear = np.zeros(size)
        y, _, exitflag, _ = daqp.solve(self.hess, linear, self.rows, self.upper, self.lower, self.sense,
                                       **DAQP_SETTINGS)
        if exitflag < 1:
            ridge = RIDGE_RTOL * float(np.max(np.abs(np.diag(self.hess))))
            y, _, exitflag, _ = daqp.solve(self.hess + ridge * np.eye(size), linear, self.rows, self.upper,
                                           self.lower, self.sense, **DAQP_SETTINGS)
            if exitflag < 1:
                return None
        y = np.maximum(np.asarray(y, dtype=float), 0.0)
        total = float(y.sum())
        if not total > 0:
            return None
        weights = np.clip(y / total, self.qp.w_min, self.qp.w_max)
        return weights / weights.sum() if abs(weights.sum() - 1) > CAP_TOL else weights
