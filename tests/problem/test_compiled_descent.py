"""The compiled swap descent against the Python loop (hypothesis, derandomized).

:func:`geo.classical.local_search.descend` makes its moves in compiled code where the evaluator's
kernels serve the problem (:mod:`geo.problem.compiled_descent`); with ``compiled_moves`` off it
makes every step in Python. From the same start, with or without a budget, both must end at the
same selection and cost after the same moves, having priced the same pairs (the same memo rows,
costs to 1e-12, evaluation and screened counts). An injected error in the compiled move choice
must be caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_cases import SETTINGS, parameter_grid, problems

import geo.problem.compiled_descent as compiled_descent
from geo.classical.local_search import descend
from geo.classical.neighbourhood import random_selections
from geo.problem import ObjectiveGrid, Problem, SelectionEvaluator
from geo.problem.neighbourhood_pricing import NeighbourhoodPricing


def run_descents(problem: Problem, grid, column: int, seed: int, compiled: bool, stop_at: float,
                 budget: int | None) -> dict:
    """Three descents from random starts on one evaluator, with or without the compiled moves."""
    with pytest.MonkeyPatch.context() as patch:
        if not compiled:
            patch.setattr(NeighbourhoodPricing, "compiled_moves", property(lambda self: False))
        rng = np.random.default_rng(seed)
        evaluator = SelectionEvaluator(problem, grid)
        evaluator.set_budget(budget)
        stats: dict[str, int] = {}
        ends = [descend(evaluator, start, column, rng, stop_at, None, stats)
                for start in random_selections(problem, 3, rng)]
    selections, costs = evaluator.known()
    return {"ends": [(np.flatnonzero(s).tolist(), c) for s, c in ends], "moves": stats.get("moves", 0),
            "counts": (evaluator.n_evaluations, evaluator.n_screened), "memo": selections, "costs": costs}


def assert_same_descent(python: dict, compiled: dict) -> None:
    assert [s for s, _ in compiled["ends"]] == [s for s, _ in python["ends"]]
    np.testing.assert_allclose([c for _, c in compiled["ends"]], [c for _, c in python["ends"]], rtol=1e-12)
    assert compiled["moves"] == python["moves"]
    assert compiled["counts"] == python["counts"]
    np.testing.assert_array_equal(compiled["memo"], python["memo"])
    np.testing.assert_array_equal(np.isnan(compiled["costs"]), np.isnan(python["costs"]))
    np.testing.assert_allclose(compiled["costs"], python["costs"], rtol=1e-12, atol=0)


@st.composite
def descents(draw):
    problem = draw(problems(n_min=5, n_max=12))
    kind = draw(st.sampled_from(["target-return", "risk-aversion"]))
    grid = ObjectiveGrid(kind, parameter_grid(problem, kind, 5))
    limit = draw(st.sampled_from(["none", "stop_at", "budget"]))
    stop_at = draw(st.integers(1, 200)) + 0.5 if limit == "stop_at" else np.inf
    budget = draw(st.integers(0, 200)) if limit == "budget" else None
    return problem, grid, draw(st.integers(0, len(grid) - 1)), draw(st.integers(0, 99)), stop_at, budget


@settings(max_examples=40, **SETTINGS)
@given(descents())
def test_the_compiled_descent_makes_the_python_moves(case):
    problem, grid, column, seed, stop_at, budget = case
    python = run_descents(problem, grid, column, seed, False, stop_at, budget)
    compiled = run_descents(problem, grid, column, seed, True, stop_at, budget)
    assert_same_descent(python, compiled)


def port4_descents(port4, compiled: bool, **constraints) -> dict:
    problem = Problem.from_dataset(port4, 10, **constraints)
    grid = ObjectiveGrid("target-return", parameter_grid(problem, "target-return", 7))
    return run_descents(problem, grid, 3, 5, compiled, np.inf, None)


@pytest.mark.parametrize("constraints", [{}, {"w_min": 0.02, "w_max": 0.2}, {"cardinality": "at-most", "w_max": 0.3}])
def test_real_descents_agree(port4, constraints):
    python = port4_descents(port4, False, **constraints)
    assert python["moves"] > 10  # real descents, not a start that is already a local optimum
    assert_same_descent(python, port4_descents(port4, True, **constraints))


def test_an_injected_error_in_the_move_choice_is_caught(port4, monkeypatch):
    python = port4_descents(port4, False)
    original = compiled_descent.moved.py_func

    def second_best_guess(held, drop, add):  # a move one asset off what was chosen
        return original(held, drop, (add + 1) % 98 if add >= 0 and (add + 1) % 98 not in held else add)

    # The compiled kernel calls its own compiled helper: run the descent's Python body instead.
    monkeypatch.setattr(compiled_descent, "moved", second_best_guess)
    monkeypatch.setattr("geo.problem.neighbourhood_pricing.descend_steps", compiled_descent.descend_steps.py_func)
    with pytest.raises(AssertionError):
        assert_same_descent(python, port4_descents(port4, True))
