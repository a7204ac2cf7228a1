"""geo: cardinality-constrained portfolio optimisation with Generator-Enhanced Optimization."""

from importlib import metadata

try:
    __version__ = metadata.version("geo")
except metadata.PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+unknown"
