"""Evaluation metrics of a frontier (DESIGN.md, "Metrics (evaluator)").

- ``references``: published and computed reference frontiers;
- ``gaps``: gap to a reference frontier at the same target returns;
- ``chang``: Chang et al. (2000) errors against the unconstrained frontier (MPE, MdPE);
- ``hypervolume``: area dominated in the (variance, -return) plane against a stated point;
- ``summary``: all of the above for one frontier, as a JSON-ready dict.
"""

from geo.metrics.chang import ChangErrors, chang_errors, efficient_return_at_variance, variance_at_return
from geo.metrics.gaps import GapSummary, gap_to_reference, match_targets
from geo.metrics.hypervolume import ReferencePoint, default_reference_point, hypervolume
from geo.metrics.references import (PUBLISHED_CCEF_SIZES, pick_reference_targets, published_ccef_path,
                                    published_selections_at, read_published_ccef,
                                    read_published_ccef_portfolios, read_published_uef_from_retrisk,
                                    reference_from_results)
from geo.metrics.summary import summarise_frontier

__all__ = [
    "PUBLISHED_CCEF_SIZES", "ChangErrors", "GapSummary", "ReferencePoint", "chang_errors",
    "default_reference_point", "efficient_return_at_variance", "gap_to_reference", "hypervolume",
    "match_targets", "pick_reference_targets", "published_ccef_path", "published_selections_at",
    "read_published_ccef", "read_published_ccef_portfolios",
    "read_published_uef_from_retrisk", "reference_from_results", "summarise_frontier",
    "variance_at_return",
]
