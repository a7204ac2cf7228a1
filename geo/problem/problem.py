"""The cardinality-constrained mean-variance problem (DESIGN.md, "The problem").

Weights ``w``, selection ``z`` in {0,1}^N:
``sum(w) = 1``, ``w_min * z_i <= w_i <= w_max * z_i``, ``sum(z) = K`` ("exact") or
``1 <= sum(z) <= K`` ("at-most").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np

from geo.core.errors import GeoError
from geo.problem.holdings import Holdings
from geo.problem.sector_caps import SectorCaps

Cardinality = Literal["exact", "at-most"]
CARDINALITIES: tuple[str, ...] = ("exact", "at-most")

# Relative tolerances for accepting a covariance matrix. Estimates read from text files are
# rounded, so exact symmetry is too strict; anything beyond these is a real defect.
SYMMETRY_RTOL = 1e-8
PSD_RTOL = 1e-9


def best_first_allocation(size: int, w_min: float, w_max: float) -> np.ndarray:
    """Weights of the max-return portfolio on ``size`` assets ranked best-first.

    Every asset gets ``w_min``; the rest of the budget goes to the best assets first, up to
    ``w_max`` each (a fractional knapsack). Callers check ``size*w_min <= 1 <= size*w_max``.
    """
    spare = 1.0 - size * w_min
    extra = np.minimum(np.maximum(spare - np.arange(size) * (w_max - w_min), 0.0), w_max - w_min)
    return w_min + extra


def fractional_knapsack_return(mu_desc: np.ndarray, w_min: float, w_max: float) -> float:
    """Largest return of weights on assets sorted by decreasing mean, all held in bounds."""
    return float(mu_desc @ best_first_allocation(len(mu_desc), w_min, w_max))


def feasible_sizes(k: int, cardinality: str, w_min: float, w_max: float) -> tuple[int, ...]:
    """Selection sizes the cardinality mode allows and the bounds can fill (s w_min <= 1 <= s w_max)."""
    sizes = [k] if cardinality == "exact" else range(1, k + 1)
    eps = 1e-12
    return tuple(s for s in sizes if s * w_min <= 1 + eps and s * w_max >= 1 - eps)


@dataclass(frozen=True, eq=False)
class Problem:
    """Expected returns ``mu``, covariance ``cov``, and the constraints of a K-asset portfolio."""

    mu: np.ndarray
    cov: np.ndarray
    k: int
    cardinality: Cardinality = "exact"
    w_min: float = 0.0
    w_max: float = 1.0
    tickers: tuple[str, ...] | None = None
    sector_caps: SectorCaps | None = None
    # What the book holds and the rebalance controls (geo.problem.holdings); None: a fresh book.
    holdings: Holdings | None = None

    def __post_init__(self) -> None:
        mu = np.asarray(self.mu, dtype=float).ravel()
        cov = np.asarray(self.cov, dtype=float)
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "cov", cov)
        tickers = self.tickers if self.tickers is not None else [f"asset{i + 1}" for i in range(len(mu))]
        object.__setattr__(self, "tickers", tuple(str(t) for t in tickers))
        object.__setattr__(self, "k", int(self.k))
        object.__setattr__(self, "w_min", float(self.w_min))
        object.__setattr__(self, "w_max", float(self.w_max))
        self._validate()
        # Asked once per priced batch on the hot path: computed once here.
        object.__setattr__(self, "_feasible_sizes", self._compute_feasible_sizes())
        size_ok = np.zeros(len(mu) + 1, dtype=bool)
        size_ok[list(self._feasible_sizes)] = True
        object.__setattr__(self, "_size_ok", size_ok)

    @classmethod
    def from_dataset(cls, dataset: Any, k: int, **constraints: Any) -> "Problem":
        return cls(mu=dataset.mu, cov=dataset.cov, k=k, tickers=dataset.tickers, **constraints)

    # -- validation -------------------------------------------------------------------------
    def _validate(self) -> None:
        n = len(self.mu)
        if self.cov.shape != (n, n):
            raise GeoError(f"covariance is {self.cov.shape[0]}x{self.cov.shape[1]} but there are {n} expected returns",
                           "give one mean and one covariance row and column per asset")
        if len(self.tickers) != n:
            raise GeoError(f"{len(self.tickers)} tickers for {n} assets", "give one ticker per asset")
        if n == 0:
            raise GeoError("the universe has no assets", "load a data set with at least two assets")
        if not (np.all(np.isfinite(self.mu)) and np.all(np.isfinite(self.cov))):
            raise GeoError("expected returns or covariance contain NaN or infinite values",
                           "clean the input data (geo data info DATASET shows what is missing)")
        scale = max(float(np.max(np.abs(self.cov))), 1e-300)
        if np.max(np.abs(self.cov - self.cov.T)) > SYMMETRY_RTOL * scale:
            raise GeoError("covariance matrix is not symmetric", "check the covariance file, or use a symmetric estimate")
        min_eig = float(np.linalg.eigvalsh(self.cov)[0])
        if min_eig < -PSD_RTOL * scale:
            raise GeoError(f"covariance matrix is not positive semi-definite (smallest eigenvalue {min_eig:.3g})",
                           "use a shrinkage estimate (--estimator ledoit-wolf) or the nearest PSD matrix "
                           "(--repair-covariance nearest-psd)")
        if self.cardinality not in CARDINALITIES:
            raise GeoError(f"unknown cardinality mode {self.cardinality!r}", "use 'exact' or 'at-most'")
        if not 1 <= self.k <= n:
            raise GeoError(f"K = {self.k} but the universe has {n} assets", f"choose K between 1 and {n}")
        if not (np.isfinite(self.w_min) and np.isfinite(self.w_max)):
            raise GeoError(f"weight bounds must be finite numbers (got w_min = {self.w_min}, w_max = {self.w_max})",
                           "give numbers such as --w-min 0 --w-max 0.2 (--w-max 1 means no upper bound)")
        if self.w_min < 0 or self.w_max <= 0:
            raise GeoError(f"weight bounds must satisfy 0 <= w_min and w_max > 0 (got {self.w_min}, {self.w_max})",
                           "this is a long-only model: use non-negative bounds")
        if self.w_min > self.w_max:
            raise GeoError(f"w_min = {self.w_min} is larger than w_max = {self.w_max}", "swap or relax the bounds")
        if self.sector_caps is not None:
            if len(self.sector_caps.sector_of) != n:
                raise GeoError(f"sector caps cover {len(self.sector_caps.sector_of)} assets but there are {n}",
                               "give one sector per asset")
            if self._compute_feasible_sizes():
                self.sector_caps.check_reachable(self._compute_feasible_sizes(), self.w_min, self.w_max)
        if not self._compute_feasible_sizes():
            if self.k * self.w_max < 1:
                raise GeoError(f"K * w_max = {self.k * self.w_max:g} < 1: K assets cannot hold the whole budget",
                               f"raise --w-max to at least {1 / self.k:.4g} or raise K")
            raise GeoError(f"K * w_min = {self.k * self.w_min:g} > 1: the minimum weights alone exceed the budget",
                           f"lower --w-min to at most {1 / self.k:.4g} or lower K")
        if self.holdings is not None:
            if len(self.holdings.weights) != n:
                raise GeoError(f"holdings cover {len(self.holdings.weights)} assets but there are {n}",
                               "give one held weight per asset")
            self.holdings.check_reachable(self._compute_feasible_sizes())

    # -- derived facts ----------------------------------------------------------------------
    @property
    def n_assets(self) -> int:
        return len(self.mu)

    @property
    def feasible_sizes(self) -> tuple[int, ...]:
        """Selection sizes s allowed by the cardinality mode for which bounds admit sum(w) = 1."""
        return self._feasible_sizes

    def _compute_feasible_sizes(self) -> tuple[int, ...]:
        return feasible_sizes(self.k, self.cardinality, self.w_min, self.w_max)

    def valid_size(self, sizes: np.ndarray | int) -> np.ndarray | bool:
        """Whether selections of these sizes are allowed (and feasible in the budget sense)."""
        return self._size_ok[sizes]

    def return_range(self) -> tuple[float, float]:
        """Lowest and highest portfolio return reachable under cardinality and bounds (and, without
        sector caps, within the holdings' ``max_changes``; with caps the range ignores the limit)."""
        if self.limits_changes and self.sector_caps is None:
            best = [max(fractional_knapsack_return(np.sort(score[chosen])[::-1], self.w_min, self.w_max)
                        for chosen in self.holdings.best_selections(score, self.feasible_sizes))
                    for score in (self.mu, -self.mu)]
            return -best[1], best[0]
        desc = np.sort(self.mu)[::-1]
        highs = [fractional_knapsack_return(desc[:s], self.w_min, self.w_max) for s in self.feasible_sizes]
        lows = [-fractional_knapsack_return(-desc[::-1][:s], self.w_min, self.w_max) for s in self.feasible_sizes]
        return min(lows), max(highs)

    def check_target_returns(self, targets: Sequence[float]) -> None:
        low, high = self.return_range()
        span = high - low
        bad = [t for t in targets if not (low - 1e-12 * (1 + abs(span)) <= t <= high + 1e-12 * (1 + abs(span)))]
        if bad:
            raise GeoError(f"target return {bad[0]:.6g} is outside the attainable range [{low:.6g}, {high:.6g}]",
                           "choose targets inside that range (or use --points to space them automatically)")

    def selection_from_tickers(self, tickers: Sequence[str]) -> np.ndarray:
        index = {t: i for i, t in enumerate(self.tickers)}
        selection = np.zeros(self.n_assets, dtype=bool)
        selection[[index[t] for t in tickers]] = True
        return selection

    def to_dict(self) -> dict[str, Any]:
        out = {"n_assets": self.n_assets, "k": self.k, "cardinality": self.cardinality,
               "w_min": self.w_min, "w_max": self.w_max}
        if self.sector_caps is not None:
            out["sector_caps"] = self.sector_caps.to_dict()
        if self.holdings is not None:  # the book itself: a results file (and a checkpoint) names it
            held = np.flatnonzero(self.holdings.held)
            out["holdings"] = {**self.holdings.to_dict(),
                               "weights": {self.tickers[i]: float(self.holdings.weights[i]) for i in held}}
        return out

    @property
    def penalised(self) -> bool:
        """Whether the selection QP carries a turnover penalty (the closed forms do not apply)."""
        return self.holdings is not None and self.holdings.penalised

    @property
    def limits_changes(self) -> bool:
        """Whether selections are limited to ``max_changes`` names from the holdings."""
        return self.holdings is not None and self.holdings.limits_changes

    def within_changes(self, selections: np.ndarray) -> np.ndarray:
        """Whether each selection (rows) stays within the holdings' ``max_changes``."""
        if not self.limits_changes:
            return np.ones(len(np.atleast_2d(selections)), dtype=bool)
        return self.holdings.allows(selections)
