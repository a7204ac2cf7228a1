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

from geo.core.lazy import lazy_exports
from geo.core.versions import GEO_VERSION as __version__

# name -> the module of geo.api that defines it. The orchestration packages live under
# geo.orchestration, so geo.frontier and geo.backtest are plain functions of the API.
_API = {"load": "geo.api.run", "frontier": "geo.api.run", "optimize": "geo.api.run",
        "backtest": "geo.api.backtest", "Frontier": "geo.api.result", "gap_table": "geo.api.result",
        "read": "geo.api"}

__all__ = ["__version__", *_API]
__getattr__, __dir__ = lazy_exports(__name__, _API)
