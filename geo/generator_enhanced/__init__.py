"""Generator-Enhanced Optimization (GEO): a generative model proposes selections, an exact
evaluator prices them, the best train the model again (DESIGN.md, "GEO")."""

from geo.generator_enhanced.optimizer import GEOMethod
from geo.generator_enhanced.pool import Pool

__all__ = ["GEOMethod", "Pool"]
