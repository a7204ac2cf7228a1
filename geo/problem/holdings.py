"""What the book holds today, and the two controls of a rebalance that knows it.

- ``max_changes`` M: at most M names may differ between a selection and the names held: names
  bought plus names sold (not weights). It is a constraint on the selection, like K: the
  evaluator screens selections beyond it, and every method searches inside it.
- ``turnover_penalty`` kappa: the selection QP minimises its usual cost plus
  ``kappa * sum_i |w_i - h_i|`` over the universe, with ``h`` the held weights (drifted to the
  date): a held name left out of the selection is sold whole and pays ``kappa * h_i``
  (:mod:`geo.problem.turnover_qp`).

Held names outside the problem's universe (a stock that left the index, or has no price on the
date) are forced sales: sold whatever the optimiser chooses, so they count neither against M nor
in the penalty the optimiser sees (their ``kappa * h_i`` would be the same for every selection);
``forced_sales`` lists them.

A selected name is meant to be held: with ``w_min = 0`` the QP could leave a selected held name
at zero weight, a sale the count on selections would not see. So with ``max_changes`` the
problem's ``w_min`` is at least :data:`MIN_POSITION` (:func:`position_floor`): every selected
name is a real position, and the names bought and sold are exactly the selection's changes.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from geo.core.errors import GeoError

# The smallest position of a selected name under --max-changes (one basis point).
MIN_POSITION = 1e-4
# How far a holdings file's weights may sum from 1 (rounding of a printed book).
WEIGHT_SUM_TOL = 1e-4
OUTSIDE_RULES = ("error", "sell")


def position_floor(w_min: float, max_changes: int | None) -> float:
    """The problem's ``w_min`` under ``max_changes``: at least :data:`MIN_POSITION` (module docstring)."""
    return w_min if max_changes is None else max(float(w_min), MIN_POSITION)


def check_controls(max_changes: Any, turnover_penalty: Any) -> None:
    """One-line errors for an M or a kappa no problem can use."""
    if max_changes is not None:
        if isinstance(max_changes, bool) or not isinstance(max_changes, numbers.Integral):
            raise GeoError(f"--max-changes must be a whole number of names (got {max_changes!r})",
                           "use for example --max-changes 4")
        if max_changes < 0:
            raise GeoError(f"--max-changes must be at least 0 (got {max_changes})",
                           "give the most names that may be bought plus sold, e.g. --max-changes 4")
    if turnover_penalty is not None and not (isinstance(turnover_penalty, numbers.Real)
                                             and np.isfinite(turnover_penalty) and turnover_penalty >= 0):
        raise GeoError(f"--turnover-penalty must be a non-negative number (got {turnover_penalty})",
                       "give the cost per unit of weight traded in variance units, e.g. --turnover-penalty 1e-5")


@dataclass(frozen=True, eq=False)
class Holdings:
    """Held weight per asset of the problem's universe (0: not held), and the rebalance controls."""

    weights: np.ndarray
    max_changes: int | None = None
    turnover_penalty: float = 0.0
    forced_sales: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        weights = np.asarray(self.weights, dtype=float).ravel()
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise GeoError("held weights must be finite and non-negative", "give the long-only book's weights")
        check_controls(self.max_changes, self.turnover_penalty)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "max_changes", None if self.max_changes is None else int(self.max_changes))
        object.__setattr__(self, "turnover_penalty", float(self.turnover_penalty or 0.0))
        object.__setattr__(self, "forced_sales", dict(self.forced_sales))
        object.__setattr__(self, "held", weights > 0)

    @classmethod
    def build(cls, tickers: Sequence[str], held: Mapping[str, float], *, max_changes: int | None = None,
              turnover_penalty: float | None = 0.0, outside: str = "error") -> "Holdings":
        """Holdings over ``tickers`` from ``{ticker: weight}`` (weights summing to 1).

        ``outside``: a held ticker not in ``tickers`` is an error naming it (``"error"``: a book
        given by hand), or a forced sale (``"sell"``: a backtest date whose universe lost it).
        """
        check_controls(max_changes, turnover_penalty)
        weights = {str(t): float(w) for t, w in held.items()}
        bad = [t for t, w in weights.items() if not (np.isfinite(w) and w >= 0)]
        if bad:
            raise GeoError(f"held weight of {bad[0]} is {weights[bad[0]]:g}", "give long-only weights (>= 0)")
        total = sum(weights.values())
        if abs(total - 1.0) > WEIGHT_SUM_TOL:
            raise GeoError(f"the held weights sum to {total:.6g}, not 1",
                           "give the whole book, its weights summing to 1 (cash is not modelled)")
        index = {t: i for i, t in enumerate(tickers)}
        unknown = [t for t in weights if t not in index]
        if unknown and outside == "error":
            shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            raise GeoError(f"{len(unknown)} held ticker(s) are not in the data set: {shown}",
                           "correct the holdings file, or load a data set that has them")
        vector = np.zeros(len(tickers))
        for ticker, weight in weights.items():
            if ticker in index:
                vector[index[ticker]] = weight
        return cls(vector, max_changes, turnover_penalty or 0.0,
                   {t: weights[t] for t in unknown if weights[t] > 0})

    # -- the controls -------------------------------------------------------------------------
    @property
    def penalised(self) -> bool:
        return self.turnover_penalty > 0

    @property
    def limits_changes(self) -> bool:
        return self.max_changes is not None

    @property
    def n_held(self) -> int:
        return int(self.held.sum())

    def changes(self, selections: np.ndarray) -> np.ndarray:
        """Names bought plus names sold by each selection (rows), forced sales aside."""
        return np.count_nonzero(np.atleast_2d(selections) != self.held[None, :], axis=1)

    def allows(self, selections: np.ndarray) -> np.ndarray:
        """Whether each selection (rows) stays within ``max_changes`` (all True without a limit)."""
        selections = np.atleast_2d(selections)
        if self.max_changes is None:
            return np.ones(len(selections), dtype=bool)
        return self.changes(selections) <= self.max_changes

    def changes_needed(self, sizes: Sequence[int]) -> int:
        """The fewest changes that reach an allowed size: going from H names to s takes |s - H|."""
        return min(abs(int(s) - self.n_held) for s in sizes) if sizes else 0

    def check_reachable(self, sizes: Sequence[int]) -> None:
        """Raise when no allowed size is within ``max_changes`` of the held names."""
        if self.max_changes is None or not sizes:
            return
        needed = self.changes_needed(sizes)
        if needed > self.max_changes:
            raise GeoError(f"--max-changes {self.max_changes} cannot reach a portfolio of "
                           f"{' or '.join(map(str, sorted(set(sizes))[:3]))} names from the {self.n_held} held "
                           f"in this universe: it takes at least {needed} change(s)",
                           f"allow at least --max-changes {needed}, or change K")

    def best_selections(self, score: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
        """For each way to reach an allowed size within ``max_changes`` (d names sold, b bought),
        the selection of highest scores: the d lowest-scoring held names sold, the b best others
        bought. Any weighting that is non-decreasing in the scores (the best-first allocation of a
        return range) is largest on one of them."""
        held = np.flatnonzero(self.held)
        held = held[np.argsort(score[held], kind="stable")]
        others = np.flatnonzero(~self.held)
        others = others[np.argsort(-score[others], kind="stable")]
        chosen = []
        for size in sizes:
            for sold in range(max(0, len(held) - size), min(len(held), self.max_changes) + 1):
                bought = size - len(held) + sold
                if 0 <= bought <= len(others) and sold + bought <= self.max_changes:
                    chosen.append(np.concatenate([held[sold:], others[:bought]]))
        return chosen

    def penalty(self, weights: np.ndarray) -> float:
        """``kappa * sum |w - h|`` of full-universe weights (0 without a penalty)."""
        return self.turnover_penalty * float(np.abs(np.asarray(weights) - self.weights).sum())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"held_names": self.n_held, "max_changes": self.max_changes,
                               "turnover_penalty": self.turnover_penalty}
        if self.forced_sales:
            out["forced_sales"] = sorted(self.forced_sales)
        return out

    def fingerprint(self) -> dict[str, Any]:
        """What a checkpoint must match: the held weights themselves, not only their count."""
        return {**self.to_dict(), "weights": self.weights.tolist()}

    # -- searching inside the limit -------------------------------------------------------------
    def repair(self, selection: np.ndarray, sizes: Sequence[int], rng: np.random.Generator | None = None,
               keep: np.ndarray | None = None) -> np.ndarray:
        """``selection`` moved back towards the held names until it is within ``max_changes``.

        Each step undoes changes: a name bought goes out and a name sold comes back (the size
        stays), or, where ``sizes`` allow, only one of the two. Which names: at random with
        ``rng``; else the bought names of lowest ``keep`` score go first and the sold names of
        largest held weight come back first. A selection already inside is returned as is.
        """
        current = selection.copy()
        if self.max_changes is None:
            return current
        allowed = set(int(s) for s in sizes)
        excess = int(self.changes(current)[0]) - self.max_changes
        while excess > 0:
            bought = np.flatnonzero(current & ~self.held)
            sold = np.flatnonzero(self.held & ~current)
            size = int(current.sum())
            if len(bought) and len(sold) and (excess >= 2 or not ({size - 1, size + 1} & allowed)):
                current[self._pick(bought, rng, keep, lowest=True)] = False
                current[self._pick(sold, rng, self.weights, lowest=False)] = True
                excess -= 2
            elif len(bought) and size - 1 in allowed:
                current[self._pick(bought, rng, keep, lowest=True)] = False
                excess -= 1
            elif len(sold) and size + 1 in allowed:
                current[self._pick(sold, rng, self.weights, lowest=False)] = True
                excess -= 1
            else:  # cannot happen after check_reachable; never loop
                break
        return current

    def repair_all(self, selections: np.ndarray, sizes: Sequence[int], rng: np.random.Generator | None = None,
                   keep: np.ndarray | None = None) -> np.ndarray:
        """:meth:`repair` of every row (selections inside the limit stay as they are)."""
        out = np.array(selections, dtype=bool, copy=True)
        if self.max_changes is None or out.size == 0:
            return out
        flat = out.reshape(-1, out.shape[-1])
        for row in np.flatnonzero(~self.allows(flat)):
            flat[row] = self.repair(flat[row], sizes, rng, keep)
        return flat.reshape(out.shape)

    @staticmethod
    def _pick(candidates: np.ndarray, rng: np.random.Generator | None, score: np.ndarray | None,
              lowest: bool) -> int:
        if rng is not None:
            return int(candidates[rng.integers(len(candidates))])
        if score is None:
            return int(candidates[0])
        values = score[candidates]
        return int(candidates[np.argmin(values) if lowest else np.argmax(values)])


def read_holdings_file(path: str | Path) -> dict[str, float]:
    """CSV ``ticker,weight`` (a header row naming those columns) -> ``{ticker: weight}``."""
    from geo.data.tables import read_named_numbers

    return read_named_numbers(path, "ticker", "weight", "holdings", "a number")


def as_holdings_mapping(holdings: Any) -> dict[str, float]:
    """A holdings file path, a mapping or a pandas Series -> ``{ticker: weight}``."""
    if isinstance(holdings, (str, Path)):
        return read_holdings_file(holdings)
    if hasattr(holdings, "items"):
        return {str(t): float(w) for t, w in holdings.items()}
    raise GeoError(f"holdings must be a file, a dict or a pandas Series (got {type(holdings).__name__})",
                   "give {ticker: weight}")
