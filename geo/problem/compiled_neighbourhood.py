"""A local search's whole neighbourhood at one parameter, in one compiled call.

``SelectionEvaluator.neighbourhood_costs`` hands over the current selection and its moves
(drop one held asset, add one asset, or both); :func:`price_neighbourhood` does everything
``costs`` would do for those neighbours, in the same order and with the same outcome:

- each neighbour's key is the current key with two bits flipped, looked up in (or appended to)
  the memo's hash table (:mod:`geo.problem.memo`), new rows in order of first appearance;
- the pairs not yet priced at the column are taken in ascending row order (as ``np.unique``
  orders them for ``costs``); a disallowed size or a target out of the selection's range is
  screened as infeasible; the budget allows the first ``left`` of the others;
- each allowed pair is priced by :func:`geo.problem.compiled_pricing.price_selection` (closed
  form, cutoff screen, then a warm start from the current optimum's working set);
- prices, counts and each column's incumbent (the cheapest row, the lowest on a tie) are
  written into the evaluator's arrays in place.

Pairs DEFERRED to the sequential solver are counted and returned for the caller to price. Sector
caps are not handled here (their return ranges need the capped greedy); the caller prices capped
neighbourhoods as any batch.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from geo.problem.compiled_pricing import DEFERRED, PRICED, SCREENED, out_of_reach, price_selection, return_range
from geo.problem.compiled_qp import FREE, LOW, UP, form_of, line_parameter, settle, solve_line
from geo.problem.memo import find_or_add

# Indices of the evaluator's counters array.
EVALUATIONS, SCREENED_COUNT = 0, 1


@njit(cache=True, error_model="numpy")
def price_neighbourhood(cov, mu, target_kind, param, column, lo, hi, cutoff, size_ok, held, drops, adds, keys, slots,
                        count, costs, cut, best_rows, best_costs, counters, left):
    """Costs of the neighbours of ``held`` (ascending assets) that drop ``drops[p]`` and add
    ``adds[p]`` (assets; -1: none), at ``param`` (column ``column`` of ``costs``). ``left``: how
    many pairs the budget still allows (-1: no limit). Returns each neighbour's row and the rows
    DEFERRED to the caller (their cost is NaN until it prices them). ``cut`` marks the pairs a
    cutoff has screened: each is counted once, however often a later cutoff screens it again."""
    n_moves = len(drops)
    k = len(held)
    n_words = keys.shape[1]
    base = np.zeros(n_words, dtype=np.uint64)
    for i in range(k):
        base[held[i] // 64] |= np.uint64(1) << np.uint64(held[i] % 64)
    key = np.empty(n_words, dtype=np.uint64)
    rows = np.empty(n_moves, dtype=np.int64)
    for p in range(n_moves):
        key[:] = base
        if drops[p] >= 0:
            key[drops[p] // 64] &= ~(np.uint64(1) << np.uint64(drops[p] % 64))
        if adds[p] >= 0:
            key[adds[p] // 64] |= np.uint64(1) << np.uint64(adds[p] % 64)
        rows[p], _ = find_or_add(keys, slots, count, key)
    # The pairs to price, in ascending row order, each row once.
    missing = np.empty(n_moves, dtype=np.int64)
    n_missing = 0
    for p in range(n_moves):
        if np.isnan(costs[rows[p], column]):
            missing[n_missing] = p
            n_missing += 1
    order = missing[:n_missing][np.argsort(rows[missing[:n_missing]], kind="mergesort")]
    deferred = np.empty(n_missing, dtype=np.int64)
    n_deferred = 0
    start = np.zeros(0, dtype=np.int8)
    have_start = False
    idx_buf = np.empty(k + 1, dtype=np.int64)
    params = np.array([param])
    needed = np.ones(1, dtype=np.bool_)
    cost = np.empty(1)
    code = np.empty(1, dtype=np.int8)
    no_sectors = np.zeros(0, dtype=np.int64)
    no_caps = np.zeros(0)
    allowed = 0
    last_row = -1
    for q in range(n_missing):
        p = order[q]
        row = rows[p]
        if row == last_row:
            continue
        last_row = row
        # The neighbour's assets, ascending.
        n = 0
        added = adds[p] < 0
        for i in range(k):
            if not added and adds[p] < held[i]:
                idx_buf[n] = adds[p]
                n += 1
                added = True
            if held[i] != drops[p]:
                idx_buf[n] = held[i]
                n += 1
        if not added:
            idx_buf[n] = adds[p]
            n += 1
        idx = idx_buf[:n]
        reachable = size_ok[n]
        if reachable and target_kind:
            low, high = return_range(mu, idx, lo, hi)
            reachable = not out_of_reach(low, high, param)
        if not reachable:
            costs[row, column] = np.inf
            counters[SCREENED_COUNT] += 1
            continue
        if left >= 0 and allowed >= left:
            continue
        allowed += 1
        if not have_start:
            start = working_set(cov, mu, held, target_kind, param, lo, hi)
            have_start = True
        price_selection(cov, mu, idx, target_kind, params, needed, cutoff, lo, hi, no_sectors, no_caps, start, cost,
                        code)
        if code[0] == SCREENED:
            if not cut[row, column]:
                cut[row, column] = True
                counters[SCREENED_COUNT] += 1
            continue
        counters[EVALUATIONS] += 1
        if code[0] == DEFERRED:
            deferred[n_deferred] = row
            n_deferred += 1
        elif code[0] == PRICED:
            value = cost[0]
            costs[row, column] = value
            if value < best_costs[column] or (value == best_costs[column] and row < best_rows[column]):
                best_costs[column] = value
                best_rows[column] = row
    return rows, deferred[:n_deferred]


@njit(cache=True, error_model="numpy")
def working_set(cov, mu, idx, target_kind, param, lo, hi):
    """Each asset's place (FREE, LOW, UP) in the selection's optimal working set at ``param``, as
    an (N,) guess for its neighbours (FREE outside the selection); all FREE where it has none
    (its neighbours then start from their own bound-free optima)."""
    n = len(idx)
    start = np.zeros(len(mu), dtype=np.int8)
    if not target_kind and param <= 0.0:
        return start
    hf, eq, e0, e1, g, lin_size, norm = form_of(cov, mu, idx, target_kind)
    t = line_parameter(param, norm, target_kind)
    line = np.empty((6, n))
    status = np.zeros(n, dtype=np.int8)
    if not solve_line(cov, idx, hf, eq, e0, e1, g, status, lo, hi, line):
        return start
    for i in range(n):
        w = line[0, i] + t * line[1, i]
        status[i] = LOW if w < lo else (UP if w > hi else FREE)
    if settle(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, status, line):
        for i in range(n):
            start[idx[i]] = status[i]
    return start
