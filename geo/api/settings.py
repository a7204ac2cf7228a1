"""The settings of a run, checked before any data is loaded: the API's and the CLI's one gate.

Every numeric setting is checked here with a one-line :class:`GeoError` (the CLI prints it as
``geo: error: ...``): a negative sample count must not end in a traceback deep in a generator,
nor a negative iteration count silently run nothing. Names are the CLI's options
(``samples`` is ``--samples``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from geo.core.errors import GeoError
from geo.methods.base import FrontierMethod
from geo.methods.registry import make_method, takes_budget

# Settings only GEO takes: API/CLI name -> GEOMethod field.
GEO_SETTINGS = {"generator": "generator", "seed_method": "seed_method", "refine": "refine", "segments": "segments",
                "conditioning": "conditioning", "starts": "starts",
                "iterations": "iterations", "samples": "samples_per_iteration",
                "generator_options": "generator_options"}
def __getattr__(name: str) -> Any:
    # BUDGET_FREE_METHODS: the methods whose class says they spend no evaluation budget
    # (``honours_budget = False``: exact and unconstrained price no selections, enumeration
    # prices every one, which is its proof). Computed on first use: it imports every method.
    if name == "BUDGET_FREE_METHODS":
        from geo.methods.registry import method_names, takes_budget

        return tuple(method for method in method_names() if not takes_budget(method))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_positive_int(name: str, value: Any, minimum: int = 1, example: int = 20) -> None:
    """``value`` is None or a whole number >= ``minimum``."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise GeoError(f"{_flag(name)} must be a whole number (got {value!r})", f"use for example {_flag(name)} {example}")
    if value < minimum:
        least = "positive" if minimum == 1 else f"at least {minimum}"
        raise GeoError(f"{_flag(name)} must be {least} (got {value})", f"use for example {_flag(name)} {example}")


def check_run_settings(*, method: str, seed: int | None, budget: int | None, time_limit: float | None,
                       points: int | None = None, iterations: int | None = None, samples: int | None = None,
                       segments: int | None = None, restarts: int | None = None, workers: int | None = None,
                       scheduler: str | None = None) -> None:
    """One-line errors for settings no run can use."""
    check_positive_int("seed", seed, minimum=0, example=7)
    check_positive_int("budget", budget, example=20_000)
    check_positive_int("points", points, example=20)
    check_positive_int("iterations", iterations, example=20)
    check_positive_int("samples", samples, example=200)
    check_positive_int("segments", segments, example=5)
    check_positive_int("restarts", restarts, example=4)
    check_positive_int("workers", workers, example=2)
    if workers is not None and scheduler is not None:
        raise GeoError("--workers and --scheduler were both given", "use one of them")
    if time_limit is not None and not (isinstance(time_limit, numbers.Real) and math.isfinite(time_limit)
                                       and time_limit > 0):
        raise GeoError(f"--time-limit must be a positive number of seconds (got {time_limit})",
                       "give seconds, e.g. --time-limit 60")
    if budget is not None and not takes_budget(method):
        raise GeoError(f"--budget does not apply to --method {method} (it spends no evaluation budget)",
                       "drop --budget, or bound the run with --time-limit")
    if restarts is not None and restarts > 1:
        if not takes_budget(method):
            raise GeoError(f"--restarts does not apply to --method {method} (it spends no evaluation budget: it "
                           "proves its answer or prices no selection)", "drop --restarts")
        if budget is not None and budget < restarts:
            raise GeoError(f"--budget {budget} cannot be split over --restarts {restarts}: each restart needs at "
                           "least one evaluation", "raise --budget or lower --restarts")


def check_certify_settings(*, method: str, certify: bool, certify_time: float | None,
                           certify_solver_time: float | None, solver: str) -> None:
    """One-line errors for the certification and exact-solver settings no run can use."""
    from geo.classical.miqp import check_solver

    check_solver(solver)
    for name, value in (("certify_time", certify_time), ("certify_solver_time", certify_solver_time)):
        if value is None:
            continue
        if not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
            raise GeoError(f"{_flag(name)} must be a positive number of seconds (got {value})",
                           f"give seconds, e.g. {_flag(name)} 60")
        if not certify:
            raise GeoError(f"{_flag(name)} only applies with --certify", f"add --certify or drop {_flag(name)}")
    if solver != "scip" and method != "exact" and not certify:
        raise GeoError(f"--solver only applies to --method exact and --certify (the method is {method})",
                       "add --method exact or --certify, or drop --solver")


def build_method(method: str, exact_settings: dict[str, Any] | None = None, **geo_settings: Any) -> FrontierMethod:
    """The method named ``method``; GEO's settings (None: its default) are refused for any other
    method; ``exact_settings`` (the solver) go to the exact method only."""
    given = {GEO_SETTINGS[name]: value for name, value in geo_settings.items() if value is not None}
    if given and method != "geo":
        flags = ", ".join(_flag(name) for name, value in geo_settings.items() if value is not None)
        raise GeoError(f"{flags} only apply to --method geo (the method is {method})",
                       "add --method geo or drop those options")
    if method == "exact":
        given.update(exact_settings or {})
    built = make_method(method, **given)
    if method == "geo":
        from geo.generators import make_generator

        make_generator(built.generator)  # an unknown generator name fails here, before data is loaded
    return built
