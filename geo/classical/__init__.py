"""Classical frontier methods and what they share (the FrontierMethod protocol).

Import-light on purpose: cvxpy (~1 s to import) and pyscipopt are imported inside the
methods that need them, so ``import geo.classical`` stays cheap for every command.
"""

from geo.classical.base import (Deadline, FrontierMethod, MethodRun, ProgressCallback, best_selections_per_column,
                                point_from_selection)
from geo.classical.exact import ExactMethod
from geo.classical.relaxation import RelaxationMethod, relaxation_candidates
from geo.classical.unconstrained import UnconstrainedMethod, unconstrained_frontier

__all__ = ["Deadline", "ExactMethod", "FrontierMethod", "MethodRun", "ProgressCallback", "RelaxationMethod",
           "UnconstrainedMethod", "best_selections_per_column", "point_from_selection",
           "relaxation_candidates", "unconstrained_frontier"]
