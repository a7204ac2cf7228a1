"""geo: cardinality-constrained portfolio optimisation with Generator-Enhanced Optimization.

The public surface, in one hand::

    import geo
    data = geo.load("sp500-sample", start="2015-01-01")
    front = geo.frontier(data, k=5, method="geo", budget=20_000, seed=7, points=20)
    front.to_frame(); front.weights(); front.plot(); front.compare(other); front.report("k5.html")

The names are loaded on first use (PEP 562), so ``import geo.data`` or the CLI's ``--help``
does not pay for the whole API. ``geo.backtest`` joins them when the backtest lands.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

import geo.frontier as _frontier_package
from geo.core.versions import GEO_VERSION as __version__

# name -> the module of geo.api that defines it.
_API = {"load": "geo.api.run", "optimize": "geo.api.run", "Frontier": "geo.api.result",
        "gap_table": "geo.api.result", "read": "geo.api"}

__all__ = ["__version__", "frontier", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from importlib import import_module

        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'geo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


class _CallableFrontierPackage(types.ModuleType):
    """``geo.frontier`` is both the orchestration package (``geo.frontier.run``, ``.targets``) and
    the API call ``geo.frontier(data, k=...)``.

    Python binds a subpackage to its parent's attribute of the same name when it is first
    imported, so a plain function ``geo.frontier`` would be replaced by the package as soon as
    anything imported ``geo.frontier.run``. Making the package itself callable keeps both
    meanings, whatever is imported when.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from geo.api.run import frontier

        return frontier(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        from geo.api.run import frontier

        return inspect.signature(frontier)


_frontier_package.__class__ = _CallableFrontierPackage
_frontier_package.__doc__ = ("geo.frontier(data, k, ...): the cardinality-constrained frontier of a data set, as a "
                             "geo.Frontier (see geo.api.run.frontier); also the package of the modules that run "
                             "a method over the targets (geo.frontier.run, geo.frontier.targets).")
frontier = sys.modules["geo.frontier"]
