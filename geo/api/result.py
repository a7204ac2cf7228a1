"""A computed frontier, as an analyst holds it: tables, weights, a plot, a comparison, a report.

:class:`Frontier` wraps the results file (:class:`~geo.core.results.FrontierResult`, per-period
values, the contract of DESIGN.md) together with the data set it came from, and shows returns
and volatilities annualised where the data's frequency is known (:mod:`geo.core.units`).

>>> import geo
>>> front = geo.frontier("sp500-sample", k=2, method="enumeration", points=3, w_max=0.8)
>>> front.to_frame()[["status", "assets"]].to_dict("list")
{'status': ['optimal (certified)', 'optimal (certified)', 'optimal (certified)'], 'assets': [2, 2, 2]}
>>> front.weights().shape
(3, 20)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd

from geo.core.errors import GeoError
from geo.core.results import PARAMETER_KEYS, FrontierResult
from geo.core.units import DisplayUnits

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from geo.data import Dataset


class Frontier:
    """One method's frontier of one problem; ``result`` is the results file, ``data`` its data set."""

    def __init__(self, result: FrontierResult, data: "Dataset | None" = None) -> None:
        self.result = result
        self.data = data

    # -- what it is -------------------------------------------------------------------------
    @classmethod
    def read(cls, path: str | Path, data: "Dataset | None" = None) -> "Frontier":
        """A frontier saved by :meth:`save` or ``geo frontier --output``."""
        return cls(FrontierResult.read_json(path), data)

    def save(self, path: str | Path) -> Path:
        """Write the results file (JSON, per-period values; written atomically)."""
        self.result.write_json(path)
        return Path(path)

    @property
    def method(self) -> str:
        return self.result.method

    @property
    def label(self) -> str:
        """The method, with GEO's generator: how tables and reports name this frontier."""
        from geo.report.inputs import base_label

        return base_label(self.result)

    @property
    def units(self) -> DisplayUnits:
        return DisplayUnits.of(self.result.dataset.get("frequency"))

    @property
    def interrupted(self) -> bool:
        return bool(self.result.details.get("interrupted"))

    @property
    def evaluations(self) -> int:
        return int(self.result.details.get("evaluations", 0))

    def __len__(self) -> int:
        return len(self.result.points)

    def __repr__(self) -> str:
        from geo.api.text import frontier_table

        return frontier_table(self.result)

    # -- tables -----------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per target: per-period ``target``, ``return``, ``variance``, ``volatility``, the
        ``status``, the number of ``assets`` and the ``holdings`` (tickers by weight); with the
        annualised ``target_pa``, ``return_pa`` and ``volatility_pa`` in percent when the data's
        frequency is known. Exact solves add ``mip_gap``; points with a proven bound (``--certify``,
        exact, enumeration) add ``lower_bound`` and ``certified_gap`` beside the status (a
        point within ``CERTIFIED_GAP`` shows the status ``optimal (certified)``)."""
        units = self.units
        parameter = _parameter_name(self.result.objective)
        rows = []
        for point in self.result.points:
            feasible = point.feasible
            variance = point.variance if feasible else np.nan
            row = {parameter: point.parameter,
                   "return": point.expected_return if feasible else np.nan,
                   "variance": variance,
                   "volatility": np.sqrt(variance) if feasible and variance >= 0 else np.nan,
                   "status": point.shown_status,
                   "assets": sum(w > 0 for w in point.weights.values()),
                   "holdings": " ".join(t for t, w in sorted(point.weights.items(), key=lambda item: -item[1])
                                        if w > 0)}
            for extra in ("mip_gap", "sharpe", "changes", "traded_weight"):
                if extra in point.extras:
                    row[extra] = point.extras[extra]
            if point.certified_gap is not None:
                row["lower_bound"] = point.extras["lower_bound"]
                row["certified_gap"] = point.certified_gap
            if units.annualised:
                if parameter == "target":
                    row["target_pa"] = units.expected_return(point.parameter)
                row["return_pa"] = units.expected_return(row["return"])
                row["volatility_pa"] = units.volatility(variance)
            rows.append(row)
        frame = pd.DataFrame(rows)
        frame.attrs["units"] = ("per-period values; *_pa columns in % p.a. "
                                f"({units.periods} periods a year)" if units.annualised else "per-period values")
        return frame

    def weights(self) -> pd.DataFrame:
        """Weights, one row per target (per-period target return) and one column per ticker."""
        tickers = list(self.data.tickers) if self.data is not None else sorted(
            {t for p in self.result.points for t in p.weights})
        index = pd.Index(self.result.parameters, name=_parameter_name(self.result.objective))
        rows = [[p.weights.get(t, 0.0) for t in tickers] for p in self.result.points]
        return pd.DataFrame(rows, index=index, columns=pd.Index(tickers, name="ticker"))

    def iterations(self) -> pd.DataFrame:
        """GEO's per-iteration log: the generator's exploration, fidelity, rate, quality coverage, ..."""
        records = self.result.details.get("iterations")
        if not records:
            raise GeoError(f"a {self.method} frontier has no iterations", "use method='geo'")
        return pd.DataFrame(records).set_index("iteration")

    def compare(self, other: "Frontier | pd.DataFrame") -> pd.DataFrame:
        """Point by point, this frontier's variance against ``other``'s at the same target returns.

        ``other``: another Frontier, or a reference table with columns ``target_return`` and
        ``variance`` (e.g. a published frontier, :func:`geo.metrics.read_published_ccef`).
        ``gap_pct`` = 100 (v - v_other) / v_other: positive where this frontier is worse.
        ``frame.attrs["summary"]`` holds the mean, median, max and the share within 0.05 %.
        """
        from geo.metrics import gap_to_reference, match_targets, reference_from_results

        if isinstance(other, Frontier):
            if other.result.objective != "target-return":
                raise GeoError("only target-return frontiers can be compared point by point",
                               "compute both frontiers at target returns")
            reference, name = reference_from_results(other.result), other.label
        else:
            reference, name = other, "reference"
        if self.result.objective != "target-return":
            raise GeoError("only target-return frontiers can be compared point by point",
                           "compute both frontiers at target returns")
        summary, gaps = gap_to_reference(self.result, reference)
        matches = match_targets(self.result.parameters, reference["target_return"].to_numpy())
        ref_variances = reference["variance"].to_numpy(dtype=float)
        frame = pd.DataFrame({"target": self.result.parameters, "variance": self.result.variances,
                              "other_variance": np.where(matches >= 0, ref_variances[matches], np.nan),
                              "gap_pct": gaps})
        frame.attrs["summary"] = summary.to_dict()
        frame.attrs["other"] = name
        return frame

    # -- figures and reports ----------------------------------------------------------------
    def plot(self, ax: "Axes | None" = None, *, unconstrained: bool = True, label: str | None = None,
             **style: Any) -> "Axes":
        """Volatility against expected return (annualised when the frequency is known), over the
        unconstrained frontier of the same data (needs ``data``). Returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(7, 4.5))[1]
        units = self.units
        if unconstrained and self.data is not None and not _has_line(ax, "unconstrained frontier"):
            from geo.report.references import unconstrained_curve

            curve = unconstrained_curve(self.data, self.result.problem)
            ax.plot([units.volatility(v) for v in curve["variance"]],
                    [units.expected_return(r) for r in curve["return"]], color="0.35", lw=1.2,
                    label="unconstrained frontier")
        frame = self.to_frame()
        ok = frame["variance"].notna()
        x = frame.loc[ok, "volatility_pa" if units.annualised else "volatility"]
        y = frame.loc[ok, "return_pa" if units.annualised else "return"]
        ax.plot(x, y, **{"marker": "o", "ms": 4, "lw": 1, "label": label or self.label, **style})
        suffix = f" ({units.label})"
        ax.set_xlabel("volatility" + suffix)
        ax.set_ylabel("expected return" + suffix)
        ax.set_title(f"{self.result.problem.get('dataset')}, K = {self.result.problem.get('k')} "
                     f"({self.result.problem.get('cardinality')})")
        ax.legend()
        return ax

    def report(self, output: str | Path, *others: "Frontier", pdf: str | Path | None = None,
               weights_csv: str | Path | None = None, points: Any = 5,
               reference_data: str | Path | None = None, source: str | None = None) -> Path:
        """The HTML report of this frontier and ``others`` of the same problem (``geo report``).

        An exact or enumeration frontier among them is the reference of every gap. ``source``
        names where this frontier is saved (default: this session).
        """
        from geo.report import ReportInput, make_report, prepare_inputs

        fronts = (self, *others)
        sources = [source or f"this session ({self.label})"] + [f"this session ({f.label})" for f in others]
        inputs = prepare_inputs([ReportInput(front.result, name) for front, name in zip(fronts, sources)])
        written = make_report(inputs, output=output, pdf=pdf, weights_csv=weights_csv, points=points,
                              reference_data=reference_data,
                              dataset=next((f.data for f in fronts if f.data is not None), None))
        return written["html"]


def _has_line(ax: "Axes", label: str) -> bool:
    return any(line.get_label() == label for line in ax.get_lines())


def gap_table(fronts: Iterable[Frontier], reference: "Frontier | pd.DataFrame") -> pd.DataFrame:
    """Each frontier's gap to ``reference`` (a Frontier or a ``target_return``/``variance`` table): mean,
    median and max in %, share within 0.05 %, points compared and not found, evaluations, seconds."""
    rows = {}
    for front in fronts:
        summary = front.compare(reference).attrs["summary"]
        rows[front.label] = {"mean gap %": summary["mean"], "median gap %": summary["median"],
                             "max gap %": summary["max"], "within 0.05 %": summary["share_within"],
                             "compared": summary["n_compared"], "not found": summary["n_missing"],
                             "evaluations": front.evaluations, "seconds": front.result.timing.get("wall_s")}
    return pd.DataFrame(rows).T


def _parameter_name(objective: str) -> str:
    """The column of a point's parameter: ``target`` (return), ``risk_aversion`` or ``risk_free_rate``."""
    return "target" if objective == "target-return" else PARAMETER_KEYS[objective]
