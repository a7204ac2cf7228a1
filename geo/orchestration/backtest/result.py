"""The backtest results file (DESIGN.md, "Contracts": ``geo backtest``)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.core.atomic import atomic_write_text

FORMAT = "geo-backtest-1"


@dataclass
class BacktestResult:
    dataset: dict[str, Any]
    settings: dict[str, Any]
    seed: int | None
    rebalances: list[dict[str, Any]]
    daily: list[dict[str, Any]]
    metrics: dict[str, Any]
    benchmarks: dict[str, dict[str, Any]]
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    universe: dict[str, Any] = field(default_factory=dict)   # the universe rule, survivorship, counts per date
    intervals: dict[str, Any] = field(default_factory=dict)  # bootstrap intervals of the Sharpe ratios
    sectors: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    timing: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        settings = self.settings
        problem = {"dataset": self.dataset.get("name"), "k": settings["k"], "cardinality": settings["cardinality"],
                   "w_min": settings["w_min"], "w_max": settings["w_max"], "sector_cap": settings["sector_cap"],
                   "sector_caps": settings["sector_caps"]}
        method = {"name": settings["method"], "settings": settings["method_settings"], "budget": settings["budget"],
                  "time_limit_per_date": _time_limit_per_date(settings)}
        rebalances = [{key: value for key, value in r.items() if key != "benchmarks"} for r in self.rebalances]
        return _clean({"format": FORMAT, "problem": problem, "method": method, "seed": self.seed,
                       "settings": settings, "dataset": self.dataset, "rebalances": rebalances, "daily": self.daily,
                       "metrics": self.metrics, "benchmarks": dict(self.benchmarks), "intervals": self.intervals,
                       "universe": self.universe,
                       "benchmark_weights": [{"date": r["date"], **r["benchmarks"]} for r in self.rebalances],
                       "adjustments": self.adjustments, "sectors": self.sectors, "timing": self.timing,
                       "details": self.details, "versions": self.versions})

    def write_json(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BacktestResult":
        weights = {row["date"]: row for row in data.get("benchmark_weights", [])}
        rebalances = [{**r, "benchmarks": {k: v for k, v in weights.get(r["date"], {}).items() if k != "date"}}
                      for r in data["rebalances"]]
        return cls(dataset=data["dataset"], settings=data["settings"], seed=data["seed"], rebalances=rebalances,
                   daily=data["daily"], metrics=data["metrics"],
                   benchmarks=dict(data["benchmarks"]),
                   adjustments=data.get("adjustments", []), universe=data.get("universe", {}),
                   intervals=data.get("intervals", {}), sectors=data.get("sectors", {}),
                   versions=data.get("versions", {}), timing=data.get("timing", {}), details=data.get("details", {}))

    @classmethod
    def read_json(cls, path: str | Path) -> "BacktestResult":
        return cls.from_dict(json.loads(Path(path).read_text()))


def _time_limit_per_date(settings: dict[str, Any]) -> float | None:
    """Seconds each rebalance date's frontier may take (files before this name: ``time_limit``)."""
    return settings.get("time_limit_per_date", settings.get("time_limit"))


def _clean(value: Any) -> Any:
    """JSON has no NaN: non-finite numbers become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _clean(value.item())
    return value
