"""Shared by the pricing property tests: random small problems and the cold single-solve reference.

Problems: N in 4..9, mu ~ N(0.01, 0.02) or all equal (or two equal groups), covariance F F' + D
with an idiosyncratic diagonal that may be zero (singular) or tiny (near-singular), scaled from
1e-4 to 1, bounds with K * w_min <= 1 <= K * w_max and w_min > 0 drawn often.
The reference prices each (selection, parameter) pair alone: bound-free closed form where it is
feasible, else DAQP (:func:`geo.problem.selection_qp.solve_bounded`), as the evaluator did before
the batched and updated paths existed. On singular covariances DAQP can stall and retries with a
tiny ridge, which moves its answer by up to ~1e-7 relative; where a price differs from DAQP's,
Clarabel with tight tolerances arbitrates, and the price must agree with it instead.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
from hypothesis import HealthCheck, assume
from hypothesis import strategies as st

from geo.problem import Problem
from geo.problem.selection_qp import SelectionQP, closed_form, return_bounds, selection_cost, solve_bounded

SETTINGS = dict(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Relative to the cost, with a floor at the data's scale times this: far above rounding, far below
# an injected error of 1e-6.
RTOL = 1e-9


@st.composite
def problems(draw, n_min=4, n_max=9, singular=True):
    n = draw(st.integers(n_min, n_max))
    k = draw(st.integers(2, n))
    rank = draw(st.integers(1, n))
    idiosyncratic = draw(st.sampled_from([0.0, 1e-9, 0.01, 0.3] if singular else [1e-9, 0.01, 0.3]))
    scale = draw(st.sampled_from([1e-4, 1e-2, 1.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    factor = rng.normal(size=(n, rank))
    cov = scale * (factor @ factor.T / rank + idiosyncratic * np.diag(rng.uniform(0.5, 1.5, n)))
    returns = draw(st.sampled_from(["random", "random", "equal", "two-groups"]))
    mu = {"random": rng.normal(0.01, 0.02, n), "equal": np.full(n, 0.01),
          "two-groups": np.where(np.arange(n) % 2 == 0, 0.005, 0.02)}[returns]
    share_max = draw(st.one_of(st.just(1.0), st.floats(0.05, 1.0)))
    share_min = draw(st.one_of(st.just(0.0), st.just(0.0), st.floats(0.0, 0.9)))
    mode = draw(st.sampled_from(["exact", "at-most"]))
    return Problem(mu=mu, cov=(cov + cov.T) / 2, k=k, cardinality=mode, w_min=share_min / k,
                   w_max=1 / k + share_max * (1 - 1 / k))


def cold_cost(problem: Problem, selection: np.ndarray, kind: str, parameter: float) -> float:
    """One pair priced alone (inf: infeasible or a disallowed size)."""
    if not problem.valid_size(int(selection.sum())):
        return np.inf
    index = np.flatnonzero(selection)
    qp = SelectionQP(problem.cov[np.ix_(index, index)], problem.mu[index], kind, problem.w_min, problem.w_max)
    weights, _, exact = closed_form(qp.cov[None], qp.mu[None], kind, np.array([parameter]), qp.w_min, qp.w_max)
    if exact[0, 0]:
        return selection_cost(weights[0, :, 0], qp.cov, qp.mu, kind, parameter)
    if kind == "target-return":
        low, high = return_bounds(qp.mu[None], qp.w_min, qp.w_max)
        tol = 1e-12 * (1 + abs(low[0]) + abs(high[0]))
        if not low[0] - tol <= parameter <= high[0] + tol:
            return np.inf
    answer = solve_bounded(qp, parameter)
    return np.inf if answer is None else selection_cost(answer, qp.cov, qp.mu, kind, parameter)


CLARABEL_TIGHT = dict(tol_gap_abs=1e-14, tol_gap_rel=1e-14, tol_feas=1e-14, tol_ktratio=1e-12, max_iter=500)


def clarabel_cost(problem: Problem, selection: np.ndarray, kind: str, parameter: float) -> float:
    index = np.flatnonzero(selection)
    cov, mu = problem.cov[np.ix_(index, index)], problem.mu[index]
    scale = float(np.max(np.diag(cov))) or 1.0
    w = cp.Variable(len(index))
    variance = cp.quad_form(w, cp.psd_wrap(cov / scale))
    constraints = [cp.sum(w) == 1, w >= problem.w_min, w <= problem.w_max]
    if kind == "target-return":
        qp = cp.Problem(cp.Minimize(variance), [*constraints, mu @ w == parameter])
    else:
        qp = cp.Problem(cp.Minimize(parameter * variance - (1 - parameter) * (mu / scale) @ w), constraints)
    qp.solve(solver="CLARABEL", **CLARABEL_TIGHT)
    return qp.value * scale if qp.status in ("optimal", "optimal_inaccurate") else np.inf


def close(problem: Problem, ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Equal feasibility and finite costs equal to RTOL relative, with a floor of RTOL times the
    largest variance: a near-singular covariance lets costs near zero (1e-12 where variances are
    1e-3), and relative to those no solver, cold or not, is accurate."""
    floor = RTOL * float(np.max(np.diag(problem.cov)))
    same_inf = np.isfinite(ours) == np.isfinite(reference)
    with np.errstate(invalid="ignore"):
        gap = np.abs(ours - reference)
        return same_inf & (~np.isfinite(reference) | (gap <= RTOL * np.abs(reference) + floor))


def assert_costs_match(problem: Problem, ours: np.ndarray, reference: np.ndarray, selections: np.ndarray | None = None,
                       kind: str = "", params: np.ndarray | None = None) -> None:
    """``ours`` equals the cold reference, or (where they differ, with ``selections``, ``kind`` and
    ``params`` of each entry given) Clarabel's tight solve of the same pair."""
    good = close(problem, ours, reference)
    if selections is not None:
        for i in np.flatnonzero(~good & np.isfinite(reference)):
            arbiter = clarabel_cost(problem, selections[i], kind, float(params[i]))
            good[i] = close(problem, ours[i:i + 1], np.array([arbiter]))[0]
            assert good[i], (ours[i], reference[i], arbiter)
    bad = np.flatnonzero(~good)
    assert not len(bad), [(ours[i], reference[i]) for i in bad[:5]]


def parameter_grid(problem: Problem, kind: str, count: int) -> np.ndarray:
    if kind == "risk-aversion":
        return np.concatenate([[0.0, 1.0], np.linspace(0.02, 0.98, count - 2)])
    low, high = problem.return_range()
    return np.linspace(low, high, count)


@st.composite
def capped_problems(draw):
    """:func:`problems` with sector caps: 2 or 3 sectors, caps that bind or not."""
    from geo.problem.sector_caps import SectorCaps

    from geo.core.errors import GeoError

    problem = draw(problems(singular=False))
    n_sectors = draw(st.integers(2, 3))
    sectors = {t: f"s{i % n_sectors}" for i, t in enumerate(problem.tickers)}
    cap = draw(st.sampled_from([0.4, 0.6, 0.9]))
    caps = SectorCaps.build(problem.tickers, sectors, cap=max(cap, 1.0 / n_sectors + 0.05))
    try:
        return Problem(mu=problem.mu, cov=problem.cov, k=problem.k, cardinality=problem.cardinality,
                       w_min=problem.w_min, w_max=problem.w_max, sector_caps=caps)
    except GeoError:  # no selection of an allowed size can meet these caps
        assume(False)


def cold_capped_cost(problem: Problem, selection: np.ndarray, kind: str, parameter: float) -> float:
    """One pair priced alone by DAQP with its sector caps as rows (inf: no weights)."""
    from geo.problem.sector_caps import capped_greedy
    from geo.problem.selection_qp import problem_selection_qp, qp_return_bounds

    if not problem.valid_size(int(selection.sum())):
        return np.inf
    qp = problem_selection_qp(problem, np.flatnonzero(selection), kind)
    if capped_greedy(qp.mu, qp.sector_ids, qp.sector_caps, qp.w_min, qp.w_max) is None:
        return np.inf
    if kind == "target-return":
        low, high = qp_return_bounds(qp)
        tol = 1e-12 * (1 + abs(low) + abs(high))
        if not (np.isfinite(low) and low - tol <= parameter <= high + tol):
            return np.inf
    answer = solve_bounded(qp, parameter)
    return np.inf if answer is None else selection_cost(answer, qp.cov, qp.mu, kind, parameter)
