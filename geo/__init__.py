"""geo: cardinality-constrained portfolio optimisation with Generator-Enhanced Optimization."""

from geo.core.versions import GEO_VERSION as __version__

__all__ = ["__version__"]
