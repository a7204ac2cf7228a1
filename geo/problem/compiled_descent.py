"""Steepest swap descent at one parameter, many moves in one compiled call.

:func:`geo.classical.local_search.descend` in Python lists the neighbourhood (boolean rows of N),
hands it to the evaluator, takes the cheapest neighbour and repeats: at N = 477 the listing and
the evaluator's bookkeeping around the compiled neighbourhood kernel cost about as much as a
tenth of the pricing. :func:`descend_steps` does the same steps in compiled code, from the held
assets alone:

- the moves in the order :func:`geo.classical.neighbourhood.all_neighbours` lists them (every
  swap, held asset by held asset, each with every asset not held in ascending order; then the
  drops and the adds where the sizes allow them);
- each neighbourhood priced by :func:`geo.problem.compiled_neighbourhood.price_neighbourhood`,
  the evaluator's own kernel (memo, screens, budget and counts unchanged);
- the first cheapest neighbour taken when it improves on the current cost by more than
  ``rtol`` relative, as the Python loop takes it.

It stops, and says why, wherever the Python loop would decide with something only Python has
(DAQP for DEFERRED pairs, the random part of a neighbourhood the budget cannot pay for, the walk
towards feasibility when no neighbour is feasible) or at the evaluation count ``stop_at``,
after ``max_steps`` moves (a deadline is checked between calls) or when the memo needs room.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from geo.problem.compiled_neighbourhood import EVALUATIONS, price_neighbourhood

# Why descend_steps returned.
LOCAL_OPTIMUM, STOPPED, MAX_STEPS, NEED_ROOM, SHORT_BUDGET, PENDING = 0, 1, 2, 3, 4, 5


@njit(cache=True, error_model="numpy")
def neighbourhood_moves(held, n_assets, at_most, size_ok):
    """(drops, adds) of every move from the selection ``held`` (ascending), -1 for none, in the
    order of :func:`geo.classical.neighbourhood.all_neighbours`."""
    k = len(held)
    inside = np.zeros(n_assets, dtype=np.bool_)
    for i in range(k):
        inside[held[i]] = True
    free = np.empty(n_assets - k, dtype=np.int64)
    f = 0
    for j in range(n_assets):
        if not inside[j]:
            free[f] = j
            f += 1
    with_drops = at_most and size_ok[k - 1] if k >= 1 else False
    with_adds = at_most and size_ok[k + 1] if k + 1 <= n_assets else False
    n_moves = k * f + (k if with_drops else 0) + (f if with_adds else 0)
    drops = np.empty(n_moves, dtype=np.int64)
    adds = np.empty(n_moves, dtype=np.int64)
    p = 0
    for i in range(k):
        for j in range(f):
            drops[p] = held[i]
            adds[p] = free[j]
            p += 1
    if with_drops:
        for i in range(k):
            drops[p] = held[i]
            adds[p] = -1
            p += 1
    if with_adds:
        for j in range(f):
            drops[p] = -1
            adds[p] = free[j]
            p += 1
    return drops, adds


@njit(cache=True, error_model="numpy")
def moved(held, drop, add):
    """The ascending assets of ``held`` without ``drop`` and with ``add`` (-1: none)."""
    out = np.empty(len(held) + (add >= 0) - (drop >= 0), dtype=np.int64)
    n = 0
    placed = add < 0
    for i in range(len(held)):
        if not placed and add < held[i]:
            out[n] = add
            n += 1
            placed = True
        if held[i] != drop:
            out[n] = held[i]
            n += 1
    if not placed:
        out[n] = add
    return out


@njit(cache=True, error_model="numpy")
def descend_steps(cov, mu, target_kind, param, column, lo, hi, size_ok, at_most, held, cost, rtol, keys, slots,
                  count, costs, cut, best_rows, best_costs, counters, n_evaluations, limit, stop_at, max_steps):
    """Steepest-descent moves from ``held`` (ascending assets) of cost ``cost`` at ``param``.

    ``counters`` (zeroed by the caller) receives the evaluations and screened pairs of every
    neighbourhood priced; ``n_evaluations`` is the evaluator's count before the call, ``limit``
    its budget limit and ``stop_at`` the descent's own (inf: none). Returns ``(why, held, cost,
    n_moves, drops, adds, rows, deferred)``: the last neighbourhood's moves, memo rows and
    DEFERRED rows are meaningful for ``why == PENDING`` (priced, counted, not yet decided on).
    """
    n_assets = len(mu)
    steps = 0
    empty = np.zeros(0, dtype=np.int64)
    while True:
        spent = n_evaluations + counters[EVALUATIONS]
        if not spent < stop_at:
            return STOPPED, held, cost, steps, empty, empty, empty, empty
        if steps >= max_steps:
            return MAX_STEPS, held, cost, steps, empty, empty, empty, empty
        drops, adds = neighbourhood_moves(held, n_assets, at_most, size_ok)
        n_moves = len(drops)
        if stop_at - spent < n_moves:
            return SHORT_BUDGET, held, cost, steps, empty, empty, empty, empty
        if count[0] + n_moves > keys.shape[0] or 2 * (count[0] + n_moves) > len(slots):
            return NEED_ROOM, held, cost, steps, empty, empty, empty, empty
        left = -1
        if np.isfinite(limit):
            left = int(max(0.0, limit - spent))
        finite = np.isfinite(cost)
        cutoff = cost - rtol * abs(cost) if finite else np.nan
        rows, deferred = price_neighbourhood(cov, mu, target_kind, param, column, lo, hi, cutoff, size_ok, held,
                                             drops, adds, keys, slots, count, costs, cut, best_rows, best_costs,
                                             counters, left)
        if len(deferred):
            return PENDING, held, cost, steps, drops, adds, rows, deferred
        best = 0
        best_cost = np.inf
        for p in range(n_moves):
            value = costs[rows[p], column]
            if value < best_cost:  # NaN (unpriced) never is: it counts as +inf
                best, best_cost = p, value
        if not np.isfinite(best_cost):
            return PENDING, held, cost, steps, drops, adds, rows, deferred
        if finite and not best_cost < cutoff:
            return LOCAL_OPTIMUM, held, cost, steps, empty, empty, empty, empty
        held = moved(held, drops[best], adds[best])
        cost = best_cost
        steps += 1
