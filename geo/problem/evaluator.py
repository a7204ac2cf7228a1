"""Exact, memoised costs of asset selections over a grid of objective parameters.

Every method (heuristics, exact-solver post-processing, the GEO loop) prices selections
through one :class:`SelectionEvaluator`, so the evaluation count is comparable across
methods and a selection found for one target serves every target of the frontier.

Budget accounting (docs/guide/budgets.md):
- one evaluation = one (selection, parameter) pair priced for the first time; memo hits are free;
- a pair that a proven bound rules out without a QP is *screened*: counted once in ``n_screened``
  (distinct pairs: a pair screened again under a later cutoff is not counted again), not in
  ``n_evaluations``. The bounds: a selection of a size the problem does not allow; a
  target return outside the selection's attainable range; and, when the caller passes a
  ``cutoff``, a bound-free (two-fund) optimum already at or above it, since bounds can only
  raise the optimum (such a pair is not priced and is reported as +inf, "no better than the cutoff");
- ``set_budget`` fixes a hard limit: no call ever prices more pairs than the budget has left.
  Pairs beyond it stay unpriced and come back as +inf (unknown is never mistaken for good), so
  no method can overspend, whatever its own bookkeeping.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from geo.problem.bound_pairs import price_deferred
from geo.problem.compiled_neighbourhood import EVALUATIONS, SCREENED_COUNT, price_neighbourhood
from geo.problem.compiled_pricing import (DEFERRED, LOWER_BOUND_MARGIN, PRICED, REACH_RTOL, SCREENED, price_group,
                                          return_ranges)
from geo.problem.memo import SelectionMemo, pack
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import Problem
from geo.problem.selection_qp import (SOLVER_FAILURES, closed_form, problem_return_bounds, problem_selection_qp,
                                      selection_cost, solve_bounded)
from geo.problem.sharpe_qp import SharpePricer, check_unpenalised
from geo.problem.turnover_qp import TurnoverPricer

INFEASIBLE = np.inf


@dataclass(frozen=True)
class SelectionSolution:
    """A selection's optimal portfolio at one parameter (``feasible`` False: no such weights)."""

    selection: np.ndarray
    weights: np.ndarray
    cost: float
    expected_return: float
    variance: float

    @property
    def feasible(self) -> bool:
        return bool(np.isfinite(self.cost))


def as_selections(selections: np.ndarray | Sequence, n_assets: int) -> np.ndarray:
    """Boolean (M, N) array from one selection or a stack of them."""
    arr = np.asarray(selections)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_assets:
        raise ValueError(f"selections must have shape (M, {n_assets}), got {arr.shape}")
    return arr.astype(bool, copy=False)


def selection_keys(selections: np.ndarray) -> list[bytes]:
    """A hashable key per selection (its bits packed): the one identity every memo and pool uses."""
    return [row.tobytes() for row in np.packbits(selections, axis=1)]


class SelectionEvaluator:
    """Prices selections of ``problem`` at every parameter of ``grid``, with a memo."""

    def __init__(self, problem: Problem, grid: ObjectiveGrid) -> None:
        self.problem = problem
        self.grid = grid
        self.n_evaluations = 0
        self.n_screened = 0
        self.n_solver_failures = 0  # pairs the QP solver could not price (left +inf, not screened)
        self.limit = math.inf
        self._memo = SelectionMemo(problem.n_assets)
        self._costs = np.zeros((0, len(grid)))
        self._cut = np.zeros((0, len(grid)), dtype=bool)  # pairs screened by a cutoff (left unpriced)
        # Each column's incumbent, kept as prices are written: a scan of a memo of millions of
        # selections would cost seconds at the end of a time-limited run.
        self._best_rows = np.zeros(len(grid), dtype=np.int64)
        self._best_costs = np.full(len(grid), np.inf)
        # What the compiled kernels read: allowed sizes, and the sector of each asset with the caps.
        self._size_ok = np.asarray(problem.valid_size(np.arange(problem.n_assets + 1)), dtype=bool)
        caps = problem.sector_caps
        self._sector_of = np.zeros(0, dtype=np.int64) if caps is None else caps.sector_of
        self._caps = np.zeros(0) if caps is None else caps.caps
        # Objectives the closed forms do not serve (max-Sharpe, a turnover penalty) have their
        # own exact pricer; None: the compiled paths below.
        self._general = general_pricer(problem, grid.kind)

    # -- budget -----------------------------------------------------------------------------
    def set_budget(self, budget: int | None) -> None:
        """At most ``budget`` more evaluations from now on (None: no limit)."""
        self.limit = math.inf if budget is None else self.n_evaluations + int(budget)

    @contextmanager
    def spending(self, budget: int | None) -> Iterator[None]:
        """Within the block, at most ``budget`` more evaluations (and never past an outer limit);
        the outer limit comes back afterwards. A method wraps its work in it, so that a seed
        method run inside GEO spends its share and GEO the rest."""
        saved = self.limit
        if budget is not None:
            self.limit = min(self.limit, self.n_evaluations + int(budget))
        try:
            yield
        finally:
            self.limit = saved

    @property
    def remaining(self) -> float:
        """Evaluations left under the limit (inf without one)."""
        return max(0.0, self.limit - self.n_evaluations)

    # -- memo -------------------------------------------------------------------------------
    @property
    def n_selections(self) -> int:
        """How many distinct selections have been priced (at any parameter)."""
        return len(self._memo)

    def known(self) -> tuple[np.ndarray, np.ndarray]:
        """All selections seen so far and their cost table (NaN: not priced at that parameter)."""
        n = self.n_selections
        return self._memo.selections(slice(0, n)), self._costs[:n].copy()

    def best_known(self) -> tuple[np.ndarray, np.ndarray]:
        """Per parameter column: the memo row of the cheapest selection priced there, and its cost
        (inf where nothing feasible is known). ``selection_at(row)`` gives the selection."""
        return self._best_rows.copy(), self._best_costs.copy()

    def _note_prices(self, rows: np.ndarray, cols: np.ndarray, block: np.ndarray) -> None:
        """Update the incumbents with ``block``, the costs just written at ``rows`` x ``cols``:
        the cheapest row per column, the first in memo order on a tie (as a scan of the memo
        would find). ``rows`` ascend, as every caller has them from ``np.unique`` or a range."""
        if len(rows) == 0:
            return
        block = np.where(np.isnan(block), np.inf, block)
        pick = np.argmin(block, axis=0)  # the first of equal costs: the lowest row
        cost = block[pick, np.arange(len(cols))]
        row = rows[pick]
        better = (cost < self._best_costs[cols]) | ((cost == self._best_costs[cols]) & np.isfinite(cost)
                                                    & (row < self._best_rows[cols]))
        self._best_costs[cols[better]] = cost[better]
        self._best_rows[cols[better]] = row[better]

    def selection_at(self, row: int) -> np.ndarray:
        return self._memo.selections(np.array([row]))[0]

    def state(self) -> dict:
        """Everything priced so far, for a checkpoint (selections bit-packed)."""
        n = self.n_selections
        return {"selections": np.packbits(self._memo.selections(slice(0, n)), axis=1),
                "costs": self._costs[:n].copy(), "cut": np.packbits(self._cut[:n], axis=1),
                "n_evaluations": self.n_evaluations, "n_screened": self.n_screened,
                "n_solver_failures": self.n_solver_failures}

    def restore(self, state: dict) -> None:
        """Continue from :meth:`state` (same problem and grid), memo order included."""
        n_assets = self.problem.n_assets
        selections = np.unpackbits(state["selections"], axis=1, count=n_assets).astype(bool)
        self._memo = SelectionMemo(n_assets)
        self._memo.rows_for(selections)  # distinct: rows 0..n-1, in order
        self._costs = np.full((len(self._memo.keys), len(self.grid)), np.nan)
        self._costs[:len(selections)] = np.array(state["costs"], dtype=float)
        self._cut = np.zeros(self._costs.shape, dtype=bool)
        if "cut" in state:
            self._cut[:len(selections)] = np.unpackbits(state["cut"], axis=1, count=len(self.grid)).astype(bool)
        self.n_evaluations = int(state["n_evaluations"])
        self.n_screened = int(state.get("n_screened", 0))
        self.n_solver_failures = int(state.get("n_solver_failures", 0))
        self._best_rows = np.zeros(len(self.grid), dtype=np.int64)
        self._best_costs = np.full(len(self.grid), np.inf)
        self._note_prices(np.arange(len(selections)), np.arange(len(self.grid)), self._costs[:len(selections)])

    def _rows_for(self, selections: np.ndarray) -> np.ndarray:
        """Memo rows of ``selections``; new ones are appended in order of first appearance."""
        rows = self._memo.rows_for(selections)
        self._match_memo()
        return rows

    def _match_memo(self) -> None:
        """A cost row (NaN: not priced) for every row the memo has room for."""
        if len(self._costs) < len(self._memo.keys):
            grow = len(self._memo.keys) - len(self._costs)
            self._costs = np.concatenate([self._costs, np.full((grow, len(self.grid)), np.nan)])
            self._cut = np.concatenate([self._cut, np.zeros((grow, len(self.grid)), dtype=bool)])

    # -- pricing ----------------------------------------------------------------------------
    def costs(self, selections: np.ndarray, columns: Sequence[int] | np.ndarray | None = None,
              cutoff: float | None = None) -> np.ndarray:
        """Cost of each selection (rows) at each requested parameter column; inf = infeasible.

        Also inf: pairs left unpriced because the budget limit is reached, and, with ``cutoff``,
        pairs proven to cost at least ``cutoff`` (screened, see the module docstring).
        """
        selections = as_selections(selections, self.problem.n_assets)
        cols = np.arange(len(self.grid)) if columns is None else np.atleast_1d(np.asarray(columns, dtype=np.int64))
        rows = self._rows_for(selections)
        table = self._costs[np.ix_(rows, cols)]
        missing = np.isnan(table)
        if missing.any():
            unique_rows = np.unique(rows[missing.any(axis=1)])
            needed = np.isnan(self._costs[np.ix_(unique_rows, cols)])
            needed = self._screen_out_of_reach(unique_rows, cols, needed)
            self._price(unique_rows, cols, self._within_limit(needed), cutoff)
            table = self._costs[np.ix_(rows, cols)]
        return np.where(np.isnan(table), INFEASIBLE, table)

    def neighbourhood_costs(self, current: np.ndarray, neighbours: np.ndarray, column: int,
                            cutoff: float | None = None) -> np.ndarray:
        """``costs(neighbours, [column], cutoff)[:, 0]`` (same values, memo, budget and counting)
        for selections at most one move from ``current`` (see :meth:`move_costs`)."""
        problem = self.problem
        current = as_selections(current, problem.n_assets)[0]
        neighbours = as_selections(neighbours, problem.n_assets)
        dropped = current[None, :] & ~neighbours
        added = neighbours & ~current[None, :]
        n_drop, n_add = dropped.sum(axis=1), added.sum(axis=1)
        if np.any(n_drop > 1) or np.any(n_add > 1):
            return self.costs(neighbours, [column], cutoff)[:, 0]
        drops = np.where(n_drop == 1, dropped.argmax(axis=1), -1)
        adds = np.where(n_add == 1, added.argmax(axis=1), -1)
        return self.move_costs(current, drops, adds, column, cutoff)

    def move_costs(self, current: np.ndarray, drops: np.ndarray, adds: np.ndarray, column: int,
                   cutoff: float | None = None) -> np.ndarray:
        """Costs at ``column`` of the neighbours of ``current`` that drop the asset ``drops[p]`` and
        add ``adds[p]`` (-1: none): ``costs`` of those selections, with the same values, memo,
        budget and counting, in one compiled call (:mod:`geo.problem.compiled_neighbourhood`):
        the pairs pass the same closed form and screens as any batch, and those a bound binds
        start from ``current``'s optimal working set. How a pair is priced never decides whether
        it is counted or screened."""
        problem = self.problem
        current = as_selections(current, problem.n_assets)[0]
        drops = np.ascontiguousarray(drops, dtype=np.int64)
        adds = np.ascontiguousarray(adds, dtype=np.int64)
        # The kernel knows no caps (their return ranges need the capped greedy), no max_changes,
        # no penalty and no Sharpe ratio: those neighbourhoods are priced as any batch.
        if problem.sector_caps is not None or problem.limits_changes or self._general is not None:
            neighbours = np.repeat(current[None, :], len(drops), axis=0)
            moves = np.arange(len(drops))
            neighbours[moves[drops >= 0], drops[drops >= 0]] = False
            neighbours[moves[adds >= 0], adds[adds >= 0]] = True
            return self.costs(neighbours, [column], cutoff)[:, 0]
        column = int(column)
        self._memo.reserve(len(drops))
        self._match_memo()
        counters = np.zeros(2, dtype=np.int64)
        left = -1 if math.isinf(self.limit) else int(self.remaining)
        rows, deferred = price_neighbourhood(
            problem.cov, problem.mu, self.grid.kind == "target-return", float(self.grid.values[column]), column,
            float(problem.w_min), float(problem.w_max), np.nan if cutoff is None else float(cutoff), self._size_ok,
            np.flatnonzero(current), drops, adds, self._memo.keys, self._memo.slots, self._memo.count, self._costs,
            self._cut, self._best_rows, self._best_costs, counters, left)
        self.n_evaluations += int(counters[EVALUATIONS])
        self.n_screened += int(counters[SCREENED_COUNT])
        if len(deferred):
            self._price_deferred(np.sort(deferred), column)
        found = self._costs[rows, column]
        return np.where(np.isnan(found), INFEASIBLE, found)

    def _screen_out_of_reach(self, rows: np.ndarray, cols: np.ndarray, needed: np.ndarray) -> np.ndarray:
        """Mark pairs proven infeasible without a QP (a disallowed size, a target out of the
        selection's return range) as infeasible and screened; returns the pairs still to price."""
        low, high = self._return_ranges_of_rows(rows)
        out = np.broadcast_to(np.isnan(low)[:, None], needed.shape).copy()
        if self.grid.kind == "target-return" and np.isfinite(low).any():
            params = self.grid.values[cols]
            tol = REACH_RTOL * (1 + np.abs(low) + np.abs(high))
            out |= (params[None, :] < (low - tol)[:, None]) | (params[None, :] > (high + tol)[:, None])
        elif self.grid.kind == "max-sharpe":  # no return above the risk-free rate: no Sharpe ratio to maximise
            out |= ~(high[:, None] > no_excess_threshold(self.grid.values[cols])[None, :])
        out &= needed
        if out.any():
            block = self._costs[np.ix_(rows, cols)]
            block[out] = INFEASIBLE
            self._costs[np.ix_(rows, cols)] = block
            self.n_screened += int(out.sum())
        return needed & ~out

    def return_ranges(self, selections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest attainable return of each selection under the weight bounds and
        sector caps; NaN for a selection of a disallowed size, one beyond the holdings'
        ``max_changes``, or one no weights can make valid. On a risk-aversion grid without caps
        only validity is computed (the range is +-inf)."""
        selections = as_selections(selections, self.problem.n_assets)
        return self._ranges(selections, pack(selections, self._memo.n_words))

    def _return_ranges_of_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = self._memo.keys[rows]
        plain = self.problem.sector_caps is None and not self.problem.limits_changes
        return self._ranges(None if plain else self._memo.selections(rows), keys)

    def _ranges(self, selections: np.ndarray | None, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`return_ranges` of selections given by their keys (and, with caps or a limit on
        changes, as booleans)."""
        problem = self.problem
        if problem.sector_caps is None:
            if self.grid.kind != "risk-aversion":  # compiled: the neighbourhood kernel's own ranges
                low, high = return_ranges(problem.mu, np.ascontiguousarray(keys), self._size_ok,
                                          float(problem.w_min), float(problem.w_max))
            else:  # only validity matters then: skip the ranges on the risk-aversion hot path
                valid = self._size_ok[np.bitwise_count(keys).sum(axis=1)]
                low, high = np.where(valid, -np.inf, np.nan), np.where(valid, np.inf, np.nan)
            if problem.limits_changes:
                allowed = problem.holdings.allows(selections)
                low, high = np.where(allowed, low, np.nan), np.where(allowed, high, np.nan)
            return low, high
        sizes = selections.sum(axis=1)
        low, high = np.full(len(selections), np.nan), np.full(len(selections), np.nan)
        valid = problem.valid_size(sizes)
        if problem.limits_changes:
            valid &= problem.holdings.allows(selections)
        for size in np.unique(sizes[valid]):
            group = np.flatnonzero(valid & (sizes == size))
            index = np.nonzero(selections[group])[1].reshape(len(group), -1)
            low[group], high[group] = problem_return_bounds(problem, index, problem.mu[index])
        return low, high

    def _within_limit(self, needed: np.ndarray) -> np.ndarray:
        """The first pairs of ``needed`` (row by row) that the budget limit still allows."""
        left = self.remaining
        if needed.sum() <= left:
            return needed
        allowed = needed.copy()
        allowed.flat[np.flatnonzero(needed)[int(left):]] = False
        return allowed

    def _price(self, rows: np.ndarray, cols: np.ndarray, needed: np.ndarray, cutoff: float | None) -> None:
        if not needed.any():
            return
        keep = needed.any(axis=1)
        rows, needed = rows[keep], needed[keep]
        sizes = np.bitwise_count(self._memo.keys[rows]).sum(axis=1)
        for size in np.unique(sizes):
            group = sizes == size
            self._price_group(rows[group], cols, needed[group], cutoff)

    def _price_group_general(self, rows: np.ndarray, cols: np.ndarray, needed: np.ndarray,
                             cutoff: float | None) -> None:
        """Price selections of one size with the objective's own pricer (``self._general``): its
        proven lower bound screens against ``cutoff``, the rest are solved exactly."""
        params = self.grid.values[cols]
        index = self._memo.indices(rows)
        mu_sel = self.problem.mu[index]
        cov_sel = self.problem.cov[index[:, :, None], index[:, None, :]]
        if cutoff is not None and np.isfinite(cutoff):
            bound = self._general.lower_bounds(index, cov_sel, mu_sel, params)
            screened = needed & (bound >= cutoff + LOWER_BOUND_MARGIN * abs(cutoff))
            needed = needed & ~screened
            self._count_screened(rows, cols, screened)
        self.n_evaluations += int(needed.sum())
        table = self._general.price(index, cov_sel, mu_sel, params, needed)
        written = np.where(needed, table, self._costs[np.ix_(rows, cols)])
        self._costs[np.ix_(rows, cols)] = written
        self._note_prices(rows, cols, written)

    def _count_screened(self, rows: np.ndarray, cols: np.ndarray, screened: np.ndarray) -> None:
        """Count the pairs a cutoff screens once: a pair screened again under a later cutoff is
        the same pair (it stays unpriced, so a later, higher cutoff may screen it again)."""
        block = np.ix_(rows, cols)
        self.n_screened += int((screened & ~self._cut[block]).sum())
        self._cut[block] |= screened

    def _price_group(self, rows: np.ndarray, cols: np.ndarray, needed: np.ndarray, cutoff: float | None) -> None:
        failures = SOLVER_FAILURES.count
        try:
            self._price_one_size(rows, cols, needed, cutoff)
        finally:
            self.n_solver_failures += SOLVER_FAILURES.count - failures

    def _price_one_size(self, rows: np.ndarray, cols: np.ndarray, needed: np.ndarray, cutoff: float | None) -> None:
        """Price selections of one size (:func:`geo.problem.compiled_pricing.price_group`: closed
        form, cutoff screen, the walk along each critical line; DAQP for the deferred pairs).

        Counts the pairs priced; with ``cutoff``, a pair whose bound-free optimum (a lower bound
        on the bounded QP, which is a restriction of it) is already at or above the cutoff is
        screened instead: left unpriced, not counted as an evaluation.
        """
        if self._general is not None:
            return self._price_group_general(rows, cols, needed, cutoff)
        problem = self.problem
        params = np.ascontiguousarray(self.grid.values[cols], dtype=float)
        index = self._memo.indices(rows)
        table, code = price_group(problem.cov, problem.mu, index, self.grid.kind == "target-return", params,
                                  needed, np.nan if cutoff is None else float(cutoff), float(problem.w_min),
                                  float(problem.w_max), self._sector_of, self._caps)
        self._count_screened(rows, cols, code == SCREENED)
        self.n_evaluations += int(np.count_nonzero((code == PRICED) | (code == DEFERRED)))
        deferred = code == DEFERRED
        if deferred.any():
            price_deferred(table, deferred, problem.cov, problem.mu, index, self.grid.kind, params, problem.w_min,
                           problem.w_max, problem.sector_caps)
        priced = (code == PRICED) | deferred
        written = np.where(priced, table, self._costs[np.ix_(rows, cols)])
        self._costs[np.ix_(rows, cols)] = written
        self._note_prices(rows, cols, written)

    def _price_deferred(self, rows: np.ndarray, column: int) -> None:
        """Price pairs a neighbourhood left to the sequential solver (counted already)."""
        problem = self.problem
        params = self.grid.values[[column]]
        sizes = np.bitwise_count(self._memo.keys[rows]).sum(axis=1)
        for size in np.unique(sizes):
            group = rows[sizes == size]
            index = self._memo.indices(group)
            table = np.full((len(group), 1), np.nan)
            price_deferred(table, np.ones_like(table, dtype=bool), problem.cov, problem.mu, index, self.grid.kind,
                           params, problem.w_min, problem.w_max, None)
            self._costs[group, column] = table[:, 0]
            self._note_prices(group, np.array([column]), table)

    def reach_gap(self, selections: np.ndarray, column: int) -> np.ndarray:
        """How far the target lies outside each selection's attainable returns (0: reachable).

        Lets a search that starts from an infeasible selection walk towards feasibility
        (a costless "phase 1"); selections of a disallowed size are infinitely far.
        """
        selections = as_selections(selections, self.problem.n_assets)
        low, high = self.return_ranges(selections)
        if self.grid.kind == "max-sharpe":  # how far the best return is from beating the risk-free rate
            threshold = no_excess_threshold(self.grid.values[column:column + 1])[0]
            return np.where(np.isnan(low), np.inf, np.where(high > threshold, 0.0, threshold - high + 1e-300))
        if self.grid.kind != "target-return":
            return np.where(np.isnan(low), np.inf, 0.0)
        target = float(self.grid.values[column])
        return np.where(np.isnan(low), np.inf, np.maximum(np.maximum(low - target, target - high), 0.0))

    def solve(self, selection: np.ndarray, column: int) -> SelectionSolution:
        """The optimal portfolio of one selection at one parameter (weights over all N assets)."""
        problem, kind = self.problem, self.grid.kind
        selection = as_selections(selection, problem.n_assets)[0]
        param = float(self.grid.values[column])
        weights = np.zeros(problem.n_assets)
        if not problem.valid_size(int(selection.sum())) or not problem.within_changes(selection)[0]:
            return SelectionSolution(selection, weights, INFEASIBLE, np.nan, np.nan)
        index = np.flatnonzero(selection)
        if self._general is not None:
            return self._solve_general(selection, index, column)
        qp = problem_selection_qp(problem, index, kind)
        w_closed, cost, exact = closed_form(qp.cov[None], qp.mu[None], kind, np.array([param]), qp.w_min, qp.w_max)
        if problem.sector_caps is not None:
            exact &= problem.sector_caps.hold(index[None], w_closed)
        sel_weights = w_closed[0, :, 0] if exact[0, 0] else solve_bounded(qp, param)
        if sel_weights is None:
            return SelectionSolution(selection, weights, INFEASIBLE, np.nan, np.nan)
        weights[index] = sel_weights
        return SelectionSolution(selection, weights, selection_cost(sel_weights, qp.cov, qp.mu, kind, param),
                                 float(qp.mu @ sel_weights), float(sel_weights @ qp.cov @ sel_weights))

    def _solve_general(self, selection: np.ndarray, index: np.ndarray, column: int) -> SelectionSolution:
        """:meth:`solve` with the objective's own pricer (max-Sharpe, a turnover penalty)."""
        param = float(self.grid.values[column])
        weights = np.zeros(self.problem.n_assets)
        if self.grid.kind == "max-sharpe" and self.reach_gap(selection, column)[0] > 0:
            return SelectionSolution(selection, weights, INFEASIBLE, np.nan, np.nan)
        sel_weights = self._general.solve(index, param)
        if sel_weights is None:
            return SelectionSolution(selection, weights, INFEASIBLE, np.nan, np.nan)
        weights[index] = sel_weights
        cov_sel = self.problem.cov[np.ix_(index, index)]
        return SelectionSolution(selection, weights, self._general.cost(index, sel_weights, param),
                                 float(self.problem.mu[index] @ sel_weights), float(sel_weights @ cov_sel @ sel_weights))


def general_pricer(problem: Problem, kind: str) -> SharpePricer | TurnoverPricer | None:
    """The exact pricer of an objective the closed forms do not serve, or None."""
    if kind == "max-sharpe":
        check_unpenalised(problem.penalised)
        return SharpePricer(problem)
    if problem.penalised:
        return TurnoverPricer(problem, kind)
    return None


def no_excess_threshold(risk_free: np.ndarray) -> np.ndarray:
    """A selection needs a highest return above this to have a positive excess over ``risk_free``
    (a relative margin, so that round-off never makes a Sharpe ratio of +-0 look positive)."""
    return risk_free + 1e-12 * (1 + np.abs(risk_free))
