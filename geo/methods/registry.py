"""Names of the frontier methods the CLI and the Python API accept, and how to build them.

Imports are lazy: naming a method must not pay for cvxpy or the generators' libraries when
another method is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geo.core.registry import build, lookup

if TYPE_CHECKING:  # the base loads the evaluator: naming a method must not
    from geo.methods.base import FrontierMethod

# name -> (module, class); every class follows the FrontierMethod protocol.
METHODS: dict[str, tuple[str, str]] = {
    "local-search": ("geo.classical.local_search", "LocalSearchMethod"),
    "annealing": ("geo.classical.annealing", "AnnealingMethod"),
    "relaxation": ("geo.classical.relaxation", "RelaxationMethod"),
    "exact": ("geo.classical.exact", "ExactMethod"),
    "unconstrained": ("geo.classical.unconstrained", "UnconstrainedMethod"),
    "enumeration": ("geo.classical.enumeration", "EnumerationMethod"),
    "geo": ("geo.generator_enhanced.optimizer", "GEOMethod"),
    "qaoa": ("geo.quantum.qaoa", "QAOAMethod"),
}


def method_names() -> tuple[str, ...]:
    return tuple(METHODS)


def make_method(name: str, **settings: Any) -> FrontierMethod:
    """An instance of the method called ``name`` with ``settings`` passed to its constructor."""
    return build(METHODS, "method", name, **settings)


def takes_budget(name: str) -> bool:
    """Whether the method spends an evaluation budget (its ``honours_budget``, True by default):
    methods that prove optimality or price no selection do not."""
    return bool(getattr(lookup(METHODS, "method", name), "honours_budget", True))
