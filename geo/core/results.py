"""The frontier results file (DESIGN.md, "Contracts"): what every method returns and writes.

Statuses of a point:
- ``optimal``: proven optimal by an exact solver (MIP gap within tolerance) or by enumeration;
- ``time_limit``: an exact solver stopped at its limit; ``mip_gap`` says how far from proven;
- ``heuristic``: the best selection a heuristic found, with no proof of optimality;
- ``infeasible``: no portfolio meets this target under the constraints (proven, or the
  target is out of reach of every allowed selection);
- ``not_found``: a heuristic found no feasible selection for this target (no proof either way);
- ``interrupted``: the run was stopped (Ctrl-C) before it finished; the point holds the best
  portfolio known at that moment, with no claim about its quality;
- ``error``: the solver failed; ``message`` says how.

Certified points (``geo frontier --certify``, and whenever a method proves a bound) carry
``lower_bound``, a proven lower bound on the optimal cost at their target (the variance at a
target return; the cost ``L variance - (1 - L) return`` at a risk aversion L), never above it,
round-off included, with ``bound_source`` saying where it came from, and ``certified_gap`` =
(cost - lower_bound) / |cost|. The status is left as the method gave it; a point whose
certified gap is at most :data:`CERTIFIED_GAP` is shown as ``optimal (certified)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geo.core.atomic import atomic_write_text
from geo.core.errors import GeoError

POINT_STATUSES = ("optimal", "time_limit", "heuristic", "infeasible", "not_found", "interrupted", "error")
OBJECTIVES = ("target-return", "risk-aversion", "max-sharpe")
# The name of a point's parameter in a results file, per objective: the target return, the risk
# aversion, or (max-sharpe) the risk-free rate per period the Sharpe ratio is measured against.
PARAMETER_KEYS = {"target-return": "target_return", "risk-aversion": "risk_aversion", "max-sharpe": "risk_free_rate"}
# A point whose proven gap is at most this is shown as "optimal (certified)", whatever found it.
CERTIFIED_GAP = 1e-6


@dataclass
class FrontierPoint:
    """One optimised portfolio. ``parameter`` is the target return or the risk aversion."""

    parameter: float
    status: str
    expected_return: float = math.nan
    variance: float = math.nan
    weights: dict[str, float] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return self.status in ("optimal", "time_limit", "heuristic", "interrupted") and math.isfinite(self.variance)

    @property
    def certified_gap(self) -> float | None:
        """(cost - proven lower bound) / |cost|, None when the point carries no bound."""
        gap = self.extras.get("certified_gap")
        return None if gap is None else float(gap)

    @property
    def certified_optimal(self) -> bool:
        """Proven within :data:`CERTIFIED_GAP` of the optimum, by whichever method."""
        gap = self.certified_gap
        return self.feasible and gap is not None and gap <= CERTIFIED_GAP

    @property
    def shown_status(self) -> str:
        """The status as tables show it: ``optimal (certified)`` when the bound proves it."""
        return "optimal (certified)" if self.certified_optimal else self.status

    def to_dict(self, objective: str) -> dict[str, Any]:
        return {PARAMETER_KEYS[objective]: self.parameter, "return": _finite_or_none(self.expected_return),
                "variance": _finite_or_none(self.variance), "status": self.status,
                "weights": {t: float(w) for t, w in self.weights.items()}, **self.extras}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FrontierPoint":
        data = dict(data)
        parameter = next(data.pop(key) for key in PARAMETER_KEYS.values() if key in data)
        return cls(parameter=float(parameter), status=data.pop("status"),
                   expected_return=_none_to_nan(data.pop("return", None)),
                   variance=_none_to_nan(data.pop("variance", None)),
                   weights={str(t): float(w) for t, w in data.pop("weights", {}).items()}, extras=data)


@dataclass
class FrontierResult:
    """A method's frontier over a list of target returns (or risk aversions)."""

    method: str
    objective: str
    problem: dict[str, Any]
    points: list[FrontierPoint]
    seed: int | None = None
    timing: dict[str, float] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> np.ndarray:
        return np.array([p.parameter for p in self.points])

    @property
    def variances(self) -> np.ndarray:
        return np.array([p.variance if p.feasible else math.nan for p in self.points])

    @property
    def returns(self) -> np.ndarray:
        return np.array([p.expected_return if p.feasible else math.nan for p in self.points])

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "objective": self.objective, "seed": self.seed,
                "problem": self.problem, "dataset": self.dataset,
                "points": [p.to_dict(self.objective) for p in self.points],
                "timing": self.timing, "versions": self.versions, "details": self.details}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FrontierResult":
        return cls(method=data["method"], objective=data.get("objective", "target-return"),
                   problem=data["problem"], points=[FrontierPoint.from_dict(p) for p in data["points"]],
                   seed=data.get("seed"), timing=data.get("timing", {}), versions=data.get("versions", {}),
                   dataset=data.get("dataset", {}), details=data.get("details", {}))

    def write_json(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, default=_json_default) + "\n")

    @classmethod
    def read_json(cls, path: str | Path) -> "FrontierResult":
        try:
            data = json.loads(Path(path).read_text())
            return cls.from_dict(data)
        except FileNotFoundError:
            raise GeoError(f"results file {path} does not exist", "check the path") from None
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise GeoError(f"{path} is not a geo results file ({type(exc).__name__}: {exc})",
                           "give a JSON file written by 'geo frontier --output'") from None


def gap_percent(gap: float | None) -> str:
    """A certified gap as percent text: 4 decimals, or 2 significant digits below 0.01 %, so that
    gaps either side of CERTIFIED_GAP (0.0001 %) read apart."""
    if gap is None:
        return ""
    return f"{100 * gap:.4f} %" if gap >= 1e-4 or gap == 0 else f"{100 * gap:.2g} %"


def _finite_or_none(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _none_to_nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")
