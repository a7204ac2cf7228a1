"""Classical frontier methods: heuristics, relaxations, exact MIQP and enumeration.

Import-light on purpose: cvxpy (~1 s to import) and pyscipopt are imported inside the
methods that need them, so ``import geo.classical`` stays cheap for every command.
"""

from geo.classical.exact import ExactMethod
from geo.classical.relaxation import RelaxationMethod, relaxation_candidates
from geo.classical.unconstrained import UnconstrainedMethod, unconstrained_frontier

__all__ = ["ExactMethod", "RelaxationMethod", "UnconstrainedMethod", "relaxation_candidates",
           "unconstrained_frontier"]
