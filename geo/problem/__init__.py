"""The cardinality-constrained problem and the exact selection evaluator (the hot path).

Names load on first use (:mod:`geo.core.lazy`): ``geo.problem.problem`` alone must not load the
compiled kernels the evaluator brings.
"""

from typing import TYPE_CHECKING

from geo.core.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and the API reference (griffe); at run time names load lazily
    from geo.problem.evaluator import SelectionEvaluator, SelectionSolution, as_selections
    from geo.problem.objective import ObjectiveGrid
    from geo.problem.problem import CARDINALITIES, Problem

_EXPORTS = {"SelectionEvaluator": "geo.problem.evaluator", "SelectionSolution": "geo.problem.evaluator",
            "as_selections": "geo.problem.evaluator", "ObjectiveGrid": "geo.problem.objective",
            "CARDINALITIES": "geo.problem.problem", "Problem": "geo.problem.problem"}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
