"""The two objective forms of DESIGN.md and the grid of parameters a frontier sweeps.

- target-return: minimise ``w' Sigma w`` subject to ``mu' w = r`` (parameter ``r``);
- risk-aversion (Chang et al. 2000): minimise ``lambda w' Sigma w - (1 - lambda) mu' w``
  (parameter ``lambda`` in [0, 1]);
- max-sharpe: maximise ``(mu' w - rf) / sqrt(w' Sigma w)`` (parameter ``rf``, the risk-free rate
  per period); the cost of a selection is minus its tangency portfolio's Sharpe ratio
  (:mod:`geo.problem.sharpe_qp`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from geo.core.errors import GeoError
from geo.core.results import OBJECTIVES


@dataclass(frozen=True, eq=False)
class ObjectiveGrid:
    """An objective form and the parameter values (targets or risk aversions) to solve for."""

    kind: str
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.kind not in OBJECTIVES:
            raise GeoError(f"unknown objective {self.kind!r}", f"use one of {', '.join(OBJECTIVES)}")
        values = np.atleast_1d(np.asarray(self.values, dtype=float))
        if values.ndim != 1 or len(values) == 0 or not np.all(np.isfinite(values)):
            raise GeoError("the objective needs at least one finite parameter value", "check the target list")
        if self.kind == "risk-aversion" and (values.min() < 0 or values.max() > 1):
            raise GeoError("risk aversion must lie in [0, 1]", "use values such as 0.5")
        object.__setattr__(self, "values", values)

    @classmethod
    def target_returns(cls, values: Sequence[float]) -> "ObjectiveGrid":
        return cls("target-return", np.asarray(values, dtype=float))

    @classmethod
    def risk_aversions(cls, values: Sequence[float]) -> "ObjectiveGrid":
        return cls("risk-aversion", np.asarray(values, dtype=float))

    @classmethod
    def max_sharpe(cls, risk_free_per_period: float = 0.0) -> "ObjectiveGrid":
        return cls("max-sharpe", np.asarray([risk_free_per_period], dtype=float))

    def __len__(self) -> int:
        return len(self.values)
