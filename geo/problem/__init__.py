"""The cardinality-constrained problem and the exact selection evaluator (the hot path)."""

from geo.problem.evaluator import SelectionEvaluator, SelectionSolution, as_selections
from geo.problem.objective import ObjectiveGrid
from geo.problem.problem import CARDINALITIES, Problem

__all__ = ["CARDINALITIES", "ObjectiveGrid", "Problem", "SelectionEvaluator", "SelectionSolution", "as_selections"]
