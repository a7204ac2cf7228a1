"""The report's figures, drawn with matplotlib and embedded as inline SVG.

Figures are built on an explicit Agg canvas, never through pyplot: no display, no global
backend switch, no figure left open in a process that builds many reports.

SVG keeps the figures sharp in the browser and in the PDF and needs no file beside the HTML.
Each figure gets its own fixed hash salt, so element ids are unique within a page and the
same inputs give the same bytes.

The frontier plot uses the volatility (standard deviation of the period return, sqrt of the
variance) on x: it is in the same units as the return on y, so the curve's shape reads
directly; the tables give the variances.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from geo.core.units import DisplayUnits
from geo.report.inputs import ReportInput

STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
         "axes.spines.right": False, "legend.fontsize": 8, "legend.frameon": False, "svg.fonttype": "path"}
GENERATOR_METRICS = (("exploration", "exploration"), ("fidelity", "fidelity"), ("rate", "rate"),
                     ("quality_coverage", "quality coverage"))
# Colours of the generator metrics: not the methods' colours, to keep the two apart.
METRIC_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def frontier_figure(inputs: list[ReportInput], uef: pd.DataFrame | None, reference: pd.DataFrame | None,
                    reference_label: str | None, frequency: str | None) -> str:
    """Every method's frontier over the UEF and the reference frontier, as inline SVG."""
    units = DisplayUnits.of(frequency)
    ret = np.vectorize(units.expected_return, otypes=[float])
    vol = np.vectorize(units.volatility, otypes=[float])
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": "geo-report-frontier"}):
        figure = _figure((8.0, 5.0))
        axes = figure.add_subplot()
        returns = np.concatenate([item.result.returns for item in inputs])
        returns = returns[np.isfinite(returns)]
        low, high = (returns.min(), returns.max()) if returns.size else (-math.inf, math.inf)
        pad = 0.05 * (high - low) if returns.size and high > low else 0.0
        if uef is not None:
            keep = uef[(uef["return"] >= low - pad) & (uef["return"] <= high + pad)]
            axes.plot(vol(keep["variance"]), ret(keep["return"]), color="#555555", linewidth=1.5,
                      label="unconstrained frontier (UEF)", zorder=1)
        if reference is not None:
            ref = reference[np.isfinite(reference["variance"])]
            ref = ref[(ref["target_return"] >= low - pad) & (ref["target_return"] <= high + pad)]
            if len(ref):
                axes.plot(vol(ref["variance"]), ret(ref["target_return"]), color="black", linestyle="--",
                          linewidth=1.0, label=reference_label or "reference", zorder=2)
        for index, item in enumerate(inputs):
            r, v = item.result.returns, item.result.variances
            ok = np.isfinite(r) & np.isfinite(v)
            order = np.argsort(r[ok])
            axes.plot(vol(v[ok][order]), ret(r[ok][order]), color=item.color, marker=MARKERS[index % len(MARKERS)],
                      markersize=4, linewidth=0.8, alpha=0.9, label=item.label, zorder=3 + index)
        if units.annualised:
            axes.set_xlabel(f"volatility, % p.a. ({frequency} x {units.periods}, annualised)")
            axes.set_ylabel("expected return, % p.a.")
        else:
            per = f" per {_period(frequency)}" if frequency else " per period"
            axes.set_xlabel(f"volatility (standard deviation of the return{per})")
            axes.set_ylabel(f"expected return{per}")
        axes.set_title("Efficient frontiers")
        axes.legend(loc="lower right")
        return to_svg(figure)


def convergence_figure(item: ReportInput) -> str:
    """GEO: mean best cost per iteration (left) and the generator metrics (right)."""
    records = item.result.details.get("iterations", [])
    iterations = [r.get("iteration", i + 1) for i, r in enumerate(records)]
    salt = "geo-report-convergence-" + re.sub(r"\W+", "-", item.label)
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": salt}):
        figure = _figure((8.0, 3.2))
        left, right = figure.subplots(1, 2)
        costs = [_number(r.get("mean_best_cost")) for r in records]
        left.plot(iterations, costs, color=item.color, marker="o", markersize=3)
        left.set_xlabel("iteration")
        left.set_ylabel("mean best cost over the targets")
        left.set_title("Convergence")
        left.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3), useOffset=False)
        for (key, name), marker, color in zip(GENERATOR_METRICS, MARKERS, METRIC_COLORS):
            right.plot(iterations, [_number(r.get(key)) for r in records], marker=marker, markersize=3, label=name,
                       color=color)
        right.set_ylim(-0.03, 1.05)
        right.set_xlabel("iteration")
        right.set_ylabel("share of the samples")
        right.set_title("Generator quality")
        right.legend(loc="center right")
        for axes in (left, right):
            axes.xaxis.get_major_locator().set_params(integer=True)
        return to_svg(figure)


def _figure(size: tuple[float, float]) -> Figure:
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def to_svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), ready to inline in HTML."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "geo report"})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _period(frequency: str) -> str:
    return {"daily": "day", "weekly": "week", "monthly": "month"}.get(frequency, frequency)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)
