"""The Python API: ``load``, ``frontier``, ``optimize`` and the :class:`Frontier` they return.

Re-exported by :mod:`geo` (``import geo; geo.frontier(...)``), with ``geo.backtest``
(:mod:`geo.api.backtest`).
"""

from geo.api.result import Frontier, gap_table
from geo.api.run import frontier, load, optimize

read = Frontier.read

__all__ = ["Frontier", "frontier", "gap_table", "load", "optimize", "read"]
