"""What every frontier method shares (the FrontierMethod protocol, the deadline, turning
selections into points) and the registry of method names. Classical methods
(:mod:`geo.classical`) and the GEO method (:mod:`geo.generator_enhanced`) are peers below it."""

from geo.methods.base import (Deadline, FrontierMethod, MethodRun, ProgressCallback, best_selections_per_column,
                              heuristic_points, point_from_selection)
from geo.methods.registry import make_method, method_names

__all__ = ["Deadline", "FrontierMethod", "MethodRun", "ProgressCallback", "best_selections_per_column",
           "heuristic_points", "make_method", "method_names", "point_from_selection"]
