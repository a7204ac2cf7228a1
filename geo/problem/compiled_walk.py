"""The walk along a selection's critical line: one KKT solve per breakpoint, not per target.

With its working set fixed, a selection QP's solution is affine in the parameter t
(:mod:`geo.problem.compiled_qp`); the set stays optimal until a free weight reaches a bound or a
fixed weight's multiplier reaches zero (an *event*, a corner portfolio). :func:`walk_selection`
settles its first target by active-set rounds, then follows the line from event to event and
checks every target's point against all the KKT conditions at its own t. Used for a selection's
whole frontier (:mod:`geo.problem.compiled_pricing`) and for the unconstrained frontier, every
asset "selected" (:mod:`geo.classical.critical_line`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from geo.problem.compiled_qp import (DONE, FREE, LOW, UP, check_point, form_of, free_least_held, line_parameter,
                                     point_cost, settle, solve_line)

# Active-set changes a walk may make between two targets before it gives up (degenerate cycling).
MAX_EVENTS_PER_ASSET = 4


@njit(cache=True, error_model="numpy")
def next_event(line, status, t_from, lo, hi, skip):
    """The first t >= t_from where the line's working set stops being optimal: a free weight
    reaching a bound, or a fixed weight's multiplier reaching zero. Returns (t, asset, new status);
    asset -1 when none (the set holds for every larger t). ``skip``: the asset just changed."""
    n = len(status)
    w0, w1, r0, r1 = line[0], line[1], line[2], line[3]
    best_t = np.inf
    which = -1
    new = FREE
    floor = t_from - 1e-14 * (1.0 + abs(t_from))
    for i in range(n):
        if i == skip:
            continue
        te = np.inf
        to = FREE
        if status[i] == FREE:
            if w1[i] < 0.0:
                te, to = (lo - w0[i]) / w1[i], LOW
            elif w1[i] > 0.0:
                te, to = (hi - w0[i]) / w1[i], UP
        elif status[i] == LOW:
            if r1[i] < 0.0:
                te = -r0[i] / r1[i]
        elif r1[i] > 0.0:
            te = -r0[i] / r1[i]
        if te >= floor and te < best_t:
            best_t, which, new = te, i, to
    return best_t, which, new



@njit(cache=True, error_model="numpy")
def walk_selection(cov, mu, idx, target_kind, params, todo, guess, guess_atol, lo, hi, cost_out, solved_out,
                   weights_out):
    """Price one selection at the parameters ``params[todo]`` by walking its critical line.

    The first pair is settled by primal-dual active-set rounds from ``guess`` (K, T: the
    bound-free weights, whose crossed bounds seed the working set); every later pair, in order
    of t, by following the line from the last settled point: one KKT solve per breakpoint
    between them. Each pair is checked at its own t; a pair the walk cannot settle is retried by
    active-set rounds from the walk's working set, and otherwise left unsolved. A guess weight
    within ``guess_atol`` of a bound (strictly beyond it, with 0) starts at that bound.
    ``weights_out`` (T, n) receives the settled pairs' weights, clipped to the bounds."""
    n = len(idx)
    hf, eq, e0, e1, g, lin_size, norm = form_of(cov, mu, idx, target_kind)
    n_par = len(params)
    ts = np.empty(n_par)
    for j in range(n_par):
        ts[j] = line_parameter(params[j], norm, target_kind)
    order = np.argsort(ts)
    line = np.empty((6, n))
    status = np.zeros(n, dtype=np.int8)
    nxt = np.empty(n, dtype=np.int8)
    have_line = False
    t_cur = 0.0
    for jj in range(n_par):
        j = order[jj]
        if not todo[j]:
            continue
        t = ts[j]
        ok = False
        if have_line:
            code = check_point(line, status, t, eq, e0, e1, g, lin_size, lo, hi, nxt)
            ok = code == DONE
            skip = -1
            events = 0
            while not ok and events < MAX_EVENTS_PER_ASSET * n + 8:
                te, which, new = next_event(line, status, t_cur, lo, hi, skip)
                if which < 0 or te > t:
                    break
                nxt[:] = status
                status[which] = new
                events += 1
                # A corner where a weight becomes fixed with only m free: another fixed weight
                # (the one whose multiplier is nearest zero there) must take its place.
                free_least_held(line, te, nxt, status, eq.shape[0])
                if not solve_line(cov, idx, hf, eq, e0, e1, g, status, lo, hi, line):
                    break
                t_cur = max(t_cur, te)
                skip = which
                ok = check_point(line, status, t, eq, e0, e1, g, lin_size, lo, hi, nxt) == DONE
        if not ok:
            if not have_line:
                for i in range(n):
                    w = guess[i, j]
                    status[i] = LOW if w < lo + guess_atol else (UP if w > hi - guess_atol else FREE)
            ok = settle(cov, idx, hf, eq, e0, e1, g, lin_size, lo, hi, t, status, line)
        if ok:
            cost_out[j] = point_cost(line, t, hf, idx, mu, params[j], target_kind, lo, hi)
            solved_out[j] = True
            for i in range(n):
                weights_out[j, i] = min(max(line[0, i] + t * line[1, i], lo), hi)
            t_cur = t
            have_line = True
        else:
            have_line = False
