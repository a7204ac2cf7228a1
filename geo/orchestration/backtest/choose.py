"""``--choose``: which portfolio of a rebalance date's problem is bought.

- ``min-variance``: the cardinality-constrained minimum-variance portfolio (risk aversion 1);
- ``risk-aversion:L``: minimise ``L var - (1 - L) mean``;
- ``target-return:R``: minimum variance at the annualised expected return R (per-period
  R / periods a year), moved into the attainable range when it lies outside, and said so;
- ``max-sharpe``: the K-asset selection whose tangency portfolio (same bounds and caps) has the
  largest ``(mean - rf) / stdev``, rf per period, found by the selection search itself (the
  max-Sharpe objective of :mod:`geo.problem.sharpe_qp`; enumeration and exact prove it);
- ``max-sharpe-grid``: the older approximation: the frontier at ``points`` targets, then its
  point of largest Sharpe ratio (the best of a grid, not the maximum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.core.errors import GeoError

RULES = ("min-variance", "max-sharpe", "max-sharpe-grid", "target-return:R", "risk-aversion:L")


@dataclass(frozen=True)
class ChooseRule:
    kind: str
    value: float | None = None

    @classmethod
    def parse(cls, text: str) -> "ChooseRule":
        name, _, value = str(text).strip().partition(":")
        if name in ("min-variance", "max-sharpe", "max-sharpe-grid") and not value:
            return cls(name)
        if name in ("target-return", "risk-aversion") and value:
            try:
                number = float(value)
            except ValueError:
                number = np.nan
            if not np.isfinite(number) or (name == "risk-aversion" and not 0 <= number <= 1):
                raise GeoError(f"--choose {text}: {value!r} is not a valid {name}",
                               "give a number (a risk aversion in [0, 1], an annual return such as 0.12)")
            return cls(name, number)
        raise GeoError(f"unknown --choose rule {text!r}", f"use one of {', '.join(RULES)}")

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value:g}"


def choose_point(rule: ChooseRule, points: list, risk_free_per_period: float):
    """The point of a solved grid that the rule buys (None when no point is feasible)."""
    feasible = [p for p in points if p.feasible]
    if not feasible:
        return None
    if rule.kind != "max-sharpe-grid":
        return feasible[0]
    sharpe = [(p.expected_return - risk_free_per_period) / np.sqrt(p.variance) if p.variance > 0 else -np.inf
              for p in feasible]
    return feasible[int(np.argmax(sharpe))]
