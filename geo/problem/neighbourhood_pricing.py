"""Price every one-move neighbour of a selection at one parameter, warm-started from its optimum.

Local search looks at all swaps (and, in at-most mode, drops and adds) of its current
selection S. Each neighbour's QP differs from S's by one asset dropped and/or one added, so S's
optimal working set (which weights are free, which sit at ``w_min`` or ``w_max``) is a good
first guess for it: the dropped asset leaves, the added one is free. The compiled kernel
(:func:`geo.problem.compiled_qp.price_moves`) solves each neighbour's KKT system for that guess,
and where a weight leaves or joins the free set (a free weight crossing a bound, a fixed weight
with a wrong-signed multiplier) it corrects the guess by primal-dual active-set rounds, all
without leaving compiled code.

Each neighbour's answer is accepted only when it meets every KKT condition of its own QP,
checked against the covariance itself: weights in bounds, stationarity of the free weights,
signs of the bound multipliers, the equalities, all to the tolerances of
:mod:`geo.problem.compiled_qp`. For a convex QP that is the optimum. Neighbours that do not
settle are returned as NaN: the caller prices them by the batched cold path.
"""

from __future__ import annotations

import numpy as np

from geo.problem.compiled_qp import price_moves
from geo.problem.problem import Problem


def price_neighbours(problem: Problem, kind: str, parameter: float, current: np.ndarray,
                     current_weights: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Cost of each neighbour (rows of ``neighbours``) at ``parameter``; NaN: not settled here.

    ``current_weights`` (N,) is the optimum of ``current`` at ``parameter``. Neighbours more than
    one move away, and risk aversion 0 (a linear programme), are left unsettled.
    """
    n_neigh = len(neighbours)
    unsettled = np.full(n_neigh, np.nan)
    if (kind == "risk-aversion" and parameter <= 0) or n_neigh == 0:
        return unsettled
    held = np.flatnonzero(current)
    drops, adds, one_move = decode_moves(current, neighbours)
    cost = unsettled
    if one_move.any():
        moves = np.flatnonzero(one_move)
        cost[moves] = price_moves(problem.cov, problem.mu, held, np.ascontiguousarray(current_weights[held]),
                                  drops[moves], adds[moves], kind == "target-return", float(parameter),
                                  float(problem.w_min), float(problem.w_max))
    return cost


def decode_moves(current: np.ndarray, neighbours: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per neighbour: the position among the held assets of the one it drops (-1: none), the asset
    it adds (-1: none), and whether it is one move away."""
    held_pos = np.full(len(current), -1)
    held_pos[current] = np.arange(int(current.sum()))
    dropped = current[None, :] & ~neighbours
    added = neighbours & ~current[None, :]
    n_drop, n_add = dropped.sum(axis=1), added.sum(axis=1)
    one_move = (n_drop <= 1) & (n_add <= 1) & ((n_drop + n_add) >= 1)
    drops = np.where(n_drop == 1, held_pos[dropped.argmax(axis=1)], -1).astype(np.int64)
    adds = np.where(n_add == 1, added.argmax(axis=1), -1).astype(np.int64)
    return drops, adds, one_move
