"""Package attributes loaded on first use (PEP 562).

A package's ``__init__`` that imports its modules eagerly makes every ``import geo.x.y`` pay
for all of ``geo.x``: importing :mod:`geo.problem.problem` for a constant would load numba and
the compiled kernels. A package that exports its names through :func:`lazy_exports` keeps
``from geo.x import Name`` working and loads a module only when one of its names is asked for.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any, Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps a name to the module defining it;
    ``dir(package)`` lists the package's ``__all__``."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(getattr(sys.modules[package], "__all__", exports))

    return __getattr__, __dir__
