"""Proven lower bounds from Lagrangian certificates, evaluated so that round-off cannot lift them.

Any multipliers give a valid bound (weak duality); a solver's inaccurate multipliers only make
it weaker, never wrong. The bound is then computed in floating point from the problem's own
data, and shaved by a rigorous bound on that computation's rounding error (Higham's
gamma_m = m u / (1 - m u), u = 2^-53). So a bound never exceeds the exact optimum of the
problem as stored (``problem.mu``, ``problem.cov``), whatever the solver that proposed it.

The certificate. For a feasible portfolio w (w >= 0, sum(w) = 1, mu'w = r, held assets in
[w_min, w_max], the rest 0, sector caps A w <= c) the cost is
``coef * w'Sigma w - c_mu * mu'w`` (target-return: coef = 1, c_mu = 0; risk aversion L:
coef = L, c_mu = 1 - L). Split

    coef * Sigma = S + sym(a 1') + sym(b mu') + N + diag(d),   S PSD, N >= 0 elementwise.

On the feasible set w'sym(a 1')w = a'w (since 1'w = 1), w'sym(b mu')w = r b'w, w'Nw >= 0, and
w'Sw >= 2 v'Sw - v'Sv for any v. With alpha, beta free and pi >= 0 (dualising the budget,
the target and the caps), the cost is at least

    -v'Sv + alpha + beta r - pi'c + sum_i (d_i w_i^2 + g_i w_i),
    g = 2 S v + a + r b - c_mu mu - alpha 1 - beta mu + A'pi,

and the sum separates by asset: a held asset contributes at least
``h_i = min over t in [w_min, w_max] of d_i t^2 + g_i t``, an asset not held 0. So the cost of
any selection z is at least ``constant + sum_{i in z} h_i`` (a *cut*, linear in z), and the
optimum at least its minimum over the allowed sizes (the smallest h, sorted). The perspective
relaxation (a = b = 0, N = 0, d the SDP diagonal) and the SDP relaxation with products of the
constraints (geo.classical.bounds) give their multipliers in this form; at their optimum the
bound equals the relaxation's value.

Rounding. S is formed in floating point; its difference E from the exact split is bounded
entrywise, and since w lies in the simplex, |w'Ew| <= max |E_ij|. S must be PSD: d is first
lowered by the computed smallest eigenvalue (any d is allowed, lowering it only weakens the
bound), and what is left of a negative eigenvalue, with the eigensolver's error, is paid for
as lambda (1 + |v|)^2 >= lambda |w - v|^2. The sums and products of the formula are shaved by
gamma_m times the sums of their absolute values.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from geo.core.results import FrontierPoint
from geo.problem.problem import Problem
from geo.problem.sector_caps import sector_cap_rows

log = logging.getLogger("geo")

UNIT_ROUNDOFF = 2.0 ** -53
# A bound may exceed a point's priced cost by the pricing's own rounding only (relative).
BOUND_ABOVE_COST = 1e-9
# Lowest eigenvalue kept between S and the PSD cone's boundary when d is lowered, relative to
# the largest entry of S: then the eigensolver's error cannot take it below zero.
PSD_MARGIN = 1e-12


def gamma(m: int) -> float:
    """Higham's gamma_m: the relative error bound of a computation with m roundings."""
    return m * UNIT_ROUNDOFF / (1.0 - m * UNIT_ROUNDOFF)


@dataclass(frozen=True)
class LagrangianCertificate:
    """Multipliers of the bound (in the problem's cost units; see the module docstring).

    ``v``: the tangent point (a relaxation's weights); ``diagonal``: d; ``alpha``, ``beta``:
    budget and target; ``budget_products`` a, ``target_products`` b (products of the
    constraints with w); ``products`` N (>= 0, products w_i w_j >= 0); ``caps``: pi (>= 0),
    one per row of :func:`geo.problem.sector_caps.sector_cap_rows`.
    """

    v: np.ndarray
    diagonal: np.ndarray
    alpha: float = 0.0
    beta: float = 0.0
    budget_products: np.ndarray | None = None
    target_products: np.ndarray | None = None
    products: np.ndarray | None = None
    caps: np.ndarray | None = None


@dataclass(frozen=True)
class LagrangianCut:
    """``cost(z) >= constant + sum_{i in z} per_asset[i]`` for every allowed selection z (rounding paid)."""

    constant: float
    per_asset: np.ndarray
    sizes: tuple[int, ...]

    def bound(self) -> float:
        """The least value of the cut over the allowed selection sizes: a proven lower bound."""
        ordered = np.sort(self.per_asset)
        prefix = np.concatenate([[0.0], np.cumsum(ordered)])
        sizes = [s for s in self.sizes if s < len(prefix)]
        if not sizes:
            return math.inf
        best = min(float(prefix[s]) for s in sizes)
        # The prefix sums' own rounding: gamma_n times the sum of the magnitudes added.
        magnitude = float(np.cumsum(np.abs(ordered))[max(sizes) - 1])
        return self.constant + best - gamma(len(ordered) + 1) * magnitude

    def value(self, selection: np.ndarray) -> float:
        """The cut's value at one selection (a lower bound on that selection's cost)."""
        held = self.per_asset[np.asarray(selection, dtype=bool)]
        return self.constant + float(held.sum()) - gamma(len(held) + 1) * float(np.abs(held).sum())


def cost_coefficients(kind: str, value: float) -> tuple[float, float, float]:
    """``(coef, c_mu, target)``: the cost is coef * variance - c_mu * return; target r (0 without one)."""
    if kind == "target-return":
        return 1.0, 0.0, float(value)
    return float(value), 1.0 - float(value), 0.0


def lagrangian_cut(problem: Problem, kind: str, value: float, certificate: LagrangianCertificate) -> LagrangianCut:
    """The cut of ``certificate`` at one grid value, with every rounding error paid in its constant."""
    n = problem.n_assets
    coef, c_mu, target = cost_coefficients(kind, value)
    mu = problem.mu
    v = np.asarray(certificate.v, dtype=float)
    d = np.asarray(certificate.diagonal, dtype=float).copy()
    a = _vector(certificate.budget_products, n)
    b = _vector(certificate.target_products, n) if kind == "target-return" else np.zeros(n)
    products = np.zeros((n, n)) if certificate.products is None else np.clip(
        (certificate.products + certificate.products.T) / 2, 0.0, None)
    rows = sector_cap_rows(problem)
    pi = np.clip(_vector(certificate.caps, len(rows)), 0.0, None)
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(d)) and np.all(np.isfinite(products))
            and math.isfinite(certificate.alpha) and math.isfinite(certificate.beta)):
        return LagrangianCut(-math.inf, np.zeros(n), problem.feasible_sizes)

    rank_two = (a[:, None] + a[None, :]) / 2 + (np.outer(b, mu) + np.outer(mu, b)) / 2
    base = coef * problem.cov - rank_two - products
    # Entrywise size of what S is made of: the rounding of S is at most gamma_8 of it.
    magnitude = (abs(coef) * np.abs(problem.cov) + (np.abs(a)[:, None] + np.abs(a)[None, :]) / 2
                 + np.abs(np.outer(b, mu)) + products)
    # d is lowered until S = base - diag(d) is PSD with a margin (allowed: any d is valid).
    scale = max(float(np.max(np.abs(base))), 1e-300)
    smallest = float(np.linalg.eigvalsh(base - np.diag(d))[0])
    if smallest < PSD_MARGIN * scale:
        d -= PSD_MARGIN * scale - smallest
    split = base - np.diag(d)
    magnitude = magnitude + np.diag(np.abs(d))
    split_error = gamma(8) * float(np.max(magnitude))
    # What remains of a negative eigenvalue after the shift (eigensolver error included).
    frobenius = float(np.linalg.norm(split))
    lowest = float(np.linalg.eigvalsh(split)[0]) - 4 * n * UNIT_ROUNDOFF * frobenius
    psd_error = max(0.0, -lowest) * (1.0 + float(np.linalg.norm(v))) ** 2

    sv = split @ v
    abs_sv = np.abs(split) @ np.abs(v)
    vsv = float(v @ sv)
    vsv_error = gamma(n + 2) * float(np.abs(v) @ abs_sv)
    cap_matrix = np.zeros((len(rows), n))
    cap_values = np.array([cap for _, cap in rows], dtype=float)
    for row, (members, _) in enumerate(rows):
        cap_matrix[row, members] = 1.0
    g = 2 * sv + a + target * b - c_mu * mu - certificate.alpha - certificate.beta * mu + cap_matrix.T @ pi
    g_error = gamma(n + 12) * float(np.max(
        2 * abs_sv + np.abs(a) + abs(target) * np.abs(b) + abs(c_mu) * np.abs(mu) + abs(certificate.alpha)
        + abs(certificate.beta) * np.abs(mu) + cap_matrix.T @ pi))
    constant_terms = np.array([-vsv, certificate.alpha, certificate.beta * target, -float(pi @ cap_values)])
    constant = float(np.sum(constant_terms))
    constant_error = gamma(8) * float(np.sum(np.abs(constant_terms))) + vsv_error

    per_asset, per_asset_error = _held_minimum(d, g, problem.w_min, problem.w_max)
    k_max = max(problem.feasible_sizes)
    worst_held = float(np.sort(per_asset_error)[::-1][:k_max].sum())
    # The inner minimum is over w in the simplex: sum g_i w_i errs by at most max |error of g|.
    shave = split_error + psd_error + constant_error + g_error + worst_held
    return LagrangianCut(constant - shave, per_asset, problem.feasible_sizes)


def certified_bound(problem: Problem, kind: str, value: float, certificate: LagrangianCertificate) -> float:
    """A proven lower bound on the optimal cost at ``value`` (variance at a target return)."""
    return lagrangian_cut(problem, kind, value, certificate).bound()


def point_cost(kind: str, point: FrontierPoint) -> float:
    """The cost a point's bound is about: its variance, or L variance - (1 - L) return, plus its
    turnover penalty when it has one (a bound on the plain cost bounds the penalised one too);
    on the max-Sharpe objective minus its Sharpe ratio."""
    if kind == "max-sharpe":
        return -float(point.extras["sharpe"])
    coef, c_mu, _ = cost_coefficients(kind, point.parameter)
    penalty = float(point.extras.get("turnover_penalty", 0.0))
    if kind == "target-return":
        return float(point.variance) + penalty
    return coef * float(point.variance) - c_mu * float(point.expected_return) + penalty


def attach_bound(point: FrontierPoint, kind: str, bound: float, source: str) -> bool:
    """Record ``bound`` on ``point`` when it beats the bound it has; True if it did.

    ``certified_gap`` = (cost - bound) / |cost|, clipped at 0 (a bound can meet the cost only
    up to the rounding of the cost itself).
    """
    if not (point.feasible and math.isfinite(bound)):
        return False
    known = point.extras.get("lower_bound")
    if known is not None and known >= bound:
        return False
    cost = point_cost(kind, point)
    if bound > cost + BOUND_ABOVE_COST * max(abs(cost), 1e-300):
        # Impossible for a valid bound of a priced portfolio: say so rather than hide it at gap 0.
        log.warning("a %s bound (%.17g) lies above the point's cost (%.17g) at %g", source, bound, cost,
                    point.parameter)
    point.extras.update(lower_bound=float(bound), bound_source=source,
                        certified_gap=max(0.0, cost - bound) / max(abs(cost), 1e-300))
    return True


def _held_minimum(d: np.ndarray, g: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """``min over t in [low, high] of d t^2 + g t`` per asset, never above the exact minimum, and
    the bound on its rounding error.

    Endpoint values are always candidates; the interior minimum ``-g^2 / (4 d)`` (d > 0) is one
    whenever its point lies in the interval or within a relative 1e-9 of it, so a rounding
    that misplaces the point can only lower the result.
    """
    at_low = d * low * low + g * low
    at_high = d * high * high + g * high
    result = np.minimum(at_low, at_high)
    error = gamma(4) * np.maximum(np.abs(d) * high * high + np.abs(g) * high, np.abs(d) * low * low + np.abs(g) * low)
    convex = d > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        point = np.where(convex, -g / (2 * np.where(convex, d, 1.0)), np.nan)
        interior_value = np.where(convex, -g * g / (4 * np.where(convex, d, 1.0)), np.inf)
    slack = 1e-9 * max(abs(high), 1.0)
    inside = convex & (point >= low - slack) & (point <= high + slack)
    result = np.where(inside, np.minimum(result, interior_value), result)
    error = np.where(inside, np.maximum(error, gamma(4) * np.abs(interior_value)), error)
    return result, error


def _vector(values: np.ndarray | None, size: int) -> np.ndarray:
    return np.zeros(size) if values is None else np.asarray(values, dtype=float).reshape(size)
