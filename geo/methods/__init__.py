"""What every frontier method shares (the FrontierMethod protocol, the deadline, turning
selections into points) and the registry of method names. Classical methods
(:mod:`geo.classical`) and the GEO method (:mod:`geo.generator_enhanced`) are peers below it.

Names load on first use (:mod:`geo.core.lazy`): the command line lists the method names
without loading the evaluator.
"""

from typing import TYPE_CHECKING

from geo.core.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and the API reference (griffe); at run time names load lazily
    from geo.methods.base import (Deadline, FrontierMethod, MethodRun, ProgressCallback, best_selections_per_column,
                                  heuristic_points, point_from_selection)
    from geo.methods.registry import make_method, method_names

_EXPORTS = {**{name: "geo.methods.base" for name in (
    "Deadline", "FrontierMethod", "MethodRun", "ProgressCallback", "best_selections_per_column", "heuristic_points",
    "point_from_selection")}, "make_method": "geo.methods.registry", "method_names": "geo.methods.registry"}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
