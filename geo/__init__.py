"""geo: cardinality-constrained portfolio optimisation with Generator-Enhanced Optimization.

The public surface, in one hand::

    import geo
    data = geo.load("sp500-sample", start="2015-01-01")
    front = geo.frontier(data, k=5, method="geo", budget=20_000, seed=7, points=20)
    front.to_frame(); front.weights(); front.plot(); front.compare(other); front.report("k5.html")

The names are loaded on first use (PEP 562), so ``import geo.data`` or the CLI's ``--help``
does not pay for the whole API. ``geo.backtest(...)`` runs an out-of-sample backtest.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

import geo.backtest  # noqa: F401 - made callable below
import geo.frontier  # noqa: F401 - made callable below
from geo.core.versions import GEO_VERSION as __version__

# name -> the module of geo.api that defines it.
_API = {"load": "geo.api.run", "optimize": "geo.api.run", "Frontier": "geo.api.result",
        "gap_table": "geo.api.result", "read": "geo.api"}

__all__ = ["__version__", "backtest", "frontier", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from importlib import import_module

        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'geo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


class _CallablePackage(types.ModuleType):
    """``geo.frontier`` and ``geo.backtest`` are each both an orchestration package
    (``geo.frontier.run``, ``geo.backtest.run``, ...) and an API call (``geo.frontier(data, k=...)``).

    Python binds a subpackage to its parent's attribute of the same name when it is first
    imported, so a plain function ``geo.frontier`` would be replaced by the package as soon as
    anything imported ``geo.frontier.run``. Making the package itself callable keeps both
    meanings, whatever is imported when. (Renaming the packages would be cleaner: see the notes.)
    """

    _api: tuple[str, str]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function()(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self._function())

    def _function(self):
        from importlib import import_module

        module, name = self._api
        return getattr(import_module(module), name)


for _name, _api in (("frontier", ("geo.api.run", "frontier")), ("backtest", ("geo.api.backtest", "backtest"))):
    _package = sys.modules[f"geo.{_name}"]
    _package.__class__ = _CallablePackage
    _package._api = _api
frontier = sys.modules["geo.frontier"]
frontier.__doc__ = ("geo.frontier(data, k, ...): the cardinality-constrained frontier of a data set, as a "
                    "geo.Frontier (see geo.api.run.frontier); also the package of the modules that run "
                    "a method over the targets (geo.frontier.run, geo.frontier.targets).")
backtest = sys.modules["geo.backtest"]
backtest.__doc__ = ("geo.backtest(data, k, start=..., end=..., ...): an out-of-sample backtest, as a "
                    "BacktestResult (see geo.api.backtest.backtest); also the package of the modules that run "
                    "it (geo.backtest.run, geo.backtest.rebalance, ...).")
