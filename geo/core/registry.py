"""Name → class tables with lazy imports, shared by the method and generator registries.

Naming one entry must not import the others' heavy libraries (cvxpy, SCIP, cirq).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from geo.core.errors import GeoError


def lookup(registry: dict[str, tuple[str, str]], kind: str, name: str) -> type:
    """The class ``registry[name]`` names (a ``(module, class)`` pair), imported on demand."""
    try:
        module_name, class_name = registry[name]
    except KeyError:
        raise GeoError(f"unknown {kind} {name!r}", f"use one of: {', '.join(registry)}") from None
    return getattr(import_module(module_name), class_name)


def build(registry: dict[str, tuple[str, str]], kind: str, name: str, **settings: Any) -> Any:
    """An instance of ``registry[name]`` built with ``settings``."""
    return lookup(registry, kind, name)(**settings)
